using System.Text.Json;

namespace Licenz.Sdk.Tests.Offline;

/// <summary>The fixed key pair and license of the published test vectors (docs/license-file-format.md).</summary>
internal static class TestLicenses
{
    /// <summary>RFC 8032 §7.1, test 1: a well-known Ed25519 seed, so anyone can recompute the vectors.</summary>
    public const string SeedHex = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

    public const string PublicKeyHex = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

    public const string Key = "LIC-TESTV-ECT0R-0001H";

    public const string Fingerprint = "2f1b7e8c9d0a4b3c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5";

    public static readonly DateTimeOffset IssuedAt = DateTimeOffset.FromUnixTimeSeconds(1768473000); // 2026-01-15T10:30:00Z

    public static readonly byte[] Iv = Convert.FromHexString("000102030405060708090a0b");

    public static SigningKey SigningKey() => Licenz.SigningKey.FromSeed(Convert.FromHexString(SeedHex));

    public static PublicKeySet Keys(SigningKey key) => PublicKeySet.FromKeys(key.ToJsonWebKey());

    public static LicenseFileClaims Claims(
        string? fingerprint = null,
        DateTimeOffset? issuedAt = null,
        TimeSpan? ttl = null,
        string status = "active",
        DateTimeOffset? licenseExpiresAt = null,
        string type = "subscription")
    {
        var iat = issuedAt ?? IssuedAt;
        return new LicenseFileClaims(
            "acct_test",
            "lic_test",
            iat,
            iat + (ttl ?? TimeSpan.FromDays(30)),
            "lf_test",
            new LicenseClaims(
                "lic_test",
                Key,
                "prod_test",
                type,
                status,
                licenseExpiresAt ?? new DateTimeOffset(2027, 1, 15, 10, 30, 0, TimeSpan.Zero),
                [],
                JsonDocument.Parse("""{"plan":"pro","seats":5}""").RootElement.Clone(),
                fingerprint))
        {
            RevocationVersion = 2,
        };
    }

    /// <summary>
    /// The published revocation list: version 3, signed a day after the file, revoking the published license (so that the
    /// published files, issued at version 2, are refused once it is kept), with a deleted license and a deactivated machine.
    /// </summary>
    public static string RevocationList(SigningKey key) => RevocationListIssuer.Issue(
        "acct_test", 3, IssuedAt.AddDays(1),
        new Dictionary<string, string> { ["lic_test"] = "revoked", ["lic_gone"] = "deleted" },
        ["mach_old"], key);

    /// <summary>The published machine's components (hashes, as an application would send them).</summary>
    public static readonly IReadOnlyDictionary<string, string> Components = new Dictionary<string, string>
    {
        ["board"] = "9b1c4f0e",
        ["cpu"] = "51d7a2c3",
        ["disk"] = "e08f6b14",
        ["os"] = "7a3d9e02",
    };

    /// <summary>
    /// The published license as the licensing model issues it for an activated machine: bound to <see cref="Fingerprint"/>
    /// (machine <c>mach_test</c>, recognised by most of its components), with two entitlements, a 7-day grace period and a
    /// 30-day check-in interval.
    /// </summary>
    public static LicenseFileClaims MachineClaims(
        string matching = FingerprintMatchingNames.MostComponents, DateTimeOffset? licenseExpiresAt = null, TimeSpan? grace = null)
    {
        var claims = Claims(fingerprint: Fingerprint, licenseExpiresAt: licenseExpiresAt);
        return claims with
        {
            License = claims.License with
            {
                Entitlements = ["export.pdf", "sso"],
                MachineId = "mach_test",
                Components = Components,
                FingerprintMatching = matching,
                GracePeriod = grace ?? TimeSpan.FromDays(7),
                CheckInInterval = TimeSpan.FromDays(30),
            },
        };
    }

    /// <summary>Options for checking a test file at a given time, with a clock memory of its own.</summary>
    public static LicenseFileOptions Options(
        DateTimeOffset now, string? licenseKey = Key, string? fingerprint = null, ITrustedClock? clock = null,
        IReadOnlyDictionary<string, string>? components = null, IReadOnlyCollection<string>? entitlements = null) => new()
    {
        Time = new FixedTime(now),
        LicenseKey = licenseKey,
        Fingerprint = fingerprint,
        TrustedClock = clock ?? TrustedClock.InMemory(),
        Components = components,
        RequiredEntitlements = entitlements,
    };

    public sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

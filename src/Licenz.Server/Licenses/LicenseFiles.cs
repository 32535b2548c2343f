using System.Globalization;
using System.Text.Json;
using Licenz.Server.Http;
using Licenz.Server.Machines;
using Licenz.Server.Policies;
using Licenz.Server.Revocations;
using Licenz.Server.Signing;

namespace Licenz.Server.Licenses;

/// <summary>
/// Issuing license files, the one way every endpoint does it (a check-out, an offline activation): what a license must
/// be to get one, how long it may live, and what it says — the license with its effective entitlements, its policy's
/// grace and check-in rules and, for a file bound to a machine, that activated machine. Issuing changes nothing stored.
/// </summary>
public static class LicenseFiles
{
    /// <summary>A file's id (<c>jti</c>) prefix.</summary>
    public const string IdPrefix = "lf";

    /// <summary>Why no file is issued for this license now, or null: files are for active licenses only.</summary>
    public static ApiErrorResult? NotIssuable(License license, DateTime now)
    {
        var status = LicenseEnums.Effective(license.Status, license.ExpiresAt, now);
        return status == LicenseStatus.Active
            ? null
            : ApiErrorResult.BadRequest($"License {license.Id} is {status.Name()}; license files are issued for active licenses only.");
    }

    /// <summary>A node-locked license's files are bound to a machine: one without a fingerprint is refused, naming <paramref name="field"/>.</summary>
    public static ApiErrorResult? NeedsMachine(License license, string? fingerprint, string field) =>
        fingerprint is null && license.Policy is { Floating: false }
            ? ApiErrorResult.BadRequest(
                $"License {license.Id} is node-locked: its license files are bound to a machine. Give '{field}', the fingerprint of a machine activated on it.", field)
            : null;

    /// <summary>
    /// The time to live of a file for <paramref name="license"/>: the one asked for, or the default (30 days); never more
    /// than its policy's check-in interval, which is the default when it is shorter, and refuses a longer ttl by name.
    /// </summary>
    public static ApiErrorResult? TimeToLive(License license, int? requested, out int ttl)
    {
        var limit = license.Policy?.CheckInIntervalSeconds;
        ttl = requested ?? (int)Math.Min(LicenseFileApi.DefaultTtl, limit ?? long.MaxValue);
        if (requested is { } asked && limit is { } bound && asked > bound)
        {
            return ApiErrorResult.BadRequest(
                $"Field 'ttl' may be at most {bound.ToString(CultureInfo.InvariantCulture)} seconds ({PolicyRules.Words(TimeSpan.FromSeconds(bound))}) " +
                $"for license {license.Id}: its policy's check_in_interval.", "ttl");
        }

        return null;
    }

    /// <summary>Signs a file for <paramref name="license"/> (with its policy), bound to <paramref name="machine"/> when given.</summary>
    public static async Task<LicenseFileDto> IssueAsync(
        License license, Machine? machine, string fileId, int ttl, bool encrypt, LicenseKeyProtection keys, SigningKeyRing ring,
        RevocationLists revocations, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        var expiresAt = issuedAt.AddSeconds(ttl);
        var policy = license.Policy;
        var claims = new LicenseFileClaims(
            license.AccountId,
            license.Id,
            issuedAt,
            expiresAt,
            fileId,
            new LicenseClaims(
                license.Id,
                keys.Open(license),
                license.ProductId,
                license.Type.Name(),
                LicenseEnums.Effective(license.Status, license.ExpiresAt, now.UtcDateTime).Name(),
                license.ExpiresAt is { } expiry ? new DateTimeOffset(expiry, TimeSpan.Zero) : null,
                LicenseMapping.EffectiveEntitlements(license),
                JsonDocument.Parse(license.Metadata).RootElement.Clone(),
                machine?.Fingerprint)
            {
                MachineId = machine?.Id,
                Components = machine is null ? null : MachineRules.ReadComponents(machine.Components),
                FingerprintMatching = machine is null ? null : (policy?.FingerprintMatching ?? FingerprintMatching.Exact).Name(),
                GracePeriod = policy is null ? null : TimeSpan.FromSeconds(policy.GracePeriodSeconds),
                CheckInInterval = policy?.CheckInIntervalSeconds is { } checkIn ? TimeSpan.FromSeconds(checkIn) : null,
            })
        {
            RevocationVersion = await revocations.VersionAsync(license.AccountId, cancellationToken),
        };
        var key = await ring.CurrentAsync(license.AccountId, cancellationToken);
        var file = LicenseFileIssuer.Issue(claims, key, encrypt);
        return new LicenseFileDto(file, license.Id, key.KeyId, issuedAt.UtcDateTime, expiresAt.UtcDateTime, encrypt, machine?.Fingerprint, machine?.Id);
    }
}

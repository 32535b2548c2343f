using System.Text;
using Licenz.Tests.Shared;

namespace Licenz.Sdk.Tests.Offline;

/// <summary>
/// The test vectors published in docs/license-file-format.md, recomputed and compared byte for byte, so the
/// document and the code cannot drift apart and verifiers in other languages can rely on them.
/// </summary>
public sealed class TestVectorTests
{
    private static readonly Lazy<Dictionary<string, string>> Document = new(ReadVectors);

    /// <summary>The published vectors by name, as the format document holds them (other tests verify them too).</summary>
    internal static IReadOnlyDictionary<string, string> Published => Document.Value;

    public static TheoryData<string> Names =>
    [
        "public-key-hex", "kid", "jwks", "claims", "plain", "encrypted", "bound-encrypted", "content-key", "bound-content-key",
        "machine-claims", "machine-plain", "machine-encrypted", "activation-key", "activation-request", "deactivation-key", "deactivation-proof",
        "revocation-list", "revocation-claims",
    ];

    private const string ActivationNonce = "AAECAwQFBgcICQoLDA0ODw";
    private const string DeactivationNonce = "EBESExQVFhcYGRobHB0eHw";

    [Theory]
    [MemberData(nameof(Names))]
    public void ThePublishedVectorIsWhatTheCodeProduces(string name)
    {
        var actual = Compute()[name];
        var found = Document.Value.TryGetValue(name, out var published);
        if (published != actual)
        {
            // What the code produces, to compare with (or, for a deliberate format change, to publish).
            File.WriteAllText(Path.Combine(AppContext.BaseDirectory, $"vector-{name}.received.txt"), actual);
        }

        Assert.True(found, $"docs/license-file-format.md has no ```vector {name} block.");
        Assert.Equal(published, actual);
    }

    [Fact]
    public void ThePublishedFilesVerify()
    {
        using var key = TestLicenses.SigningKey();
        var keys = PublicKeySet.FromJwks(Document.Value["jwks"]);
        var now = TestLicenses.IssuedAt.AddDays(1);

        Assert.True(LicenseFile.Verify(Document.Value["plain"], keys, TestLicenses.Options(now)).IsValid);
        Assert.True(LicenseFile.Verify(Document.Value["encrypted"], keys, TestLicenses.Options(now)).IsValid);
        Assert.True(LicenseFile.Verify(Document.Value["bound-encrypted"], keys, TestLicenses.Options(now, fingerprint: TestLicenses.Fingerprint)).IsValid);
        Assert.True(LicenseFile.Verify(Document.Value["machine-plain"], keys, TestLicenses.Options(now, fingerprint: TestLicenses.Fingerprint)).IsValid);
        Assert.True(LicenseFile.Verify(Document.Value["machine-encrypted"], keys, TestLicenses.Options(now, fingerprint: TestLicenses.Fingerprint)).IsValid);
    }

    [Fact]
    public void ThePublishedRevocationListHoldsAndRefusesThePublishedFilesOnceKept()
    {
        var keys = PublicKeySet.FromJwks(Document.Value["jwks"]);
        Assert.True(RevocationList.TryVerify(Document.Value["revocation-list"], keys, out var list, out var problem), problem);
        Assert.Equal(("acct_test", 3L, TestLicenses.IssuedAt.AddDays(1)), (list.Issuer, list.Version, list.IssuedAt));
        Assert.Equal(new Dictionary<string, string> { ["lic_gone"] = "deleted", ["lic_test"] = "revoked" }, list.Licenses);
        Assert.Equal(["mach_old"], list.Machines);

        var clock = TrustedClock.InMemory();
        var now = TestLicenses.IssuedAt.AddDays(2);
        var before = LicenseFile.Verify(Document.Value["plain"], keys, TestLicenses.Options(now, clock: clock));
        Assert.Equal((LicenseFileCodes.Valid, 2L, 0L, true), (before.Code, before.Claims!.RevocationVersion, before.RevocationListVersion, before.RevocationListOutdated));

        clock.StoreRevocationList("acct_test", Document.Value["revocation-list"]);
        foreach (var (name, fingerprint) in (ReadOnlySpan<(string, string?)>)[("plain", null), ("encrypted", null), ("machine-plain", TestLicenses.Fingerprint)])
        {
            var after = LicenseFile.Verify(Document.Value[name], keys, TestLicenses.Options(now, clock: clock, fingerprint: fingerprint));
            Assert.Equal((LicenseFileCodes.Revoked, 3L, false), (after.Code, after.RevocationListVersion, after.RevocationListOutdated));
        }
    }

    [Fact]
    public void ThePublishedRequestAndProofReadAndHoldTheirSeals()
    {
        Assert.True(OfflineActivationRequest.TryParse(Document.Value["activation-request"], out var request, out var problem), problem);
        Assert.Equal(TestLicenses.Key, request.LicenseKey);
        Assert.Equal(TestLicenses.Fingerprint, request.Fingerprint);
        Assert.Equal(TestLicenses.Components, request.Components);
        Assert.Equal(ActivationNonce, request.Nonce);

        Assert.True(OfflineDeactivationProof.TryParse(Document.Value["deactivation-proof"], out var proof, out problem), problem);
        Assert.Equal(("lic_test", "lf_test", TestLicenses.Fingerprint), (proof.LicenseId, proof.FileId, proof.Fingerprint));
        Assert.True(proof.IsSealedWith(TestLicenses.Key));
        Assert.False(proof.IsSealedWith(LicenseKeyGenerator.Generate()));
    }

    private static Dictionary<string, string> Compute()
    {
        using var key = TestLicenses.SigningKey();
        var plain = LicenseFileIssuer.Issue(TestLicenses.Claims(), key, encrypt: false, TestLicenses.Iv);
        var claims = Encoding.UTF8.GetString(Convert.FromBase64String(Pad(LicenseFileText.Token(plain).Split('.')[1])));
        var machinePlain = LicenseFileIssuer.Issue(TestLicenses.MachineClaims(), key, encrypt: false, TestLicenses.Iv);
        var machineClaims = Encoding.UTF8.GetString(Convert.FromBase64String(Pad(LicenseFileText.Token(machinePlain).Split('.')[1])));
        var revocations = TestLicenses.RevocationList(key);
        var request = OfflineActivationRequest.Create(TestLicenses.Key, TestLicenses.Fingerprint,
            new MachineActivationOptions { Components = TestLicenses.Components, Name = "Lab PC 7" }, ActivationNonce);
        return new Dictionary<string, string>
        {
            ["public-key-hex"] = Convert.ToHexStringLower(key.PublicKey),
            ["kid"] = key.KeyId,
            ["jwks"] = PublicKeySet.FromKeys(key.ToJsonWebKey()).ToJwks(),
            ["claims"] = claims,
            ["plain"] = plain.TrimEnd('\n'),
            ["encrypted"] = LicenseFileIssuer.Issue(TestLicenses.Claims(), key, encrypt: true, TestLicenses.Iv).TrimEnd('\n'),
            ["bound-encrypted"] = LicenseFileIssuer.Issue(TestLicenses.Claims(fingerprint: TestLicenses.Fingerprint), key, encrypt: true, TestLicenses.Iv).TrimEnd('\n'),
            ["content-key"] = Convert.ToHexStringLower(LicenseFile.DeriveKey(TestLicenses.Key, null)),
            ["bound-content-key"] = Convert.ToHexStringLower(LicenseFile.DeriveKey(TestLicenses.Key, TestLicenses.Fingerprint)),
            ["machine-claims"] = machineClaims,
            ["machine-plain"] = machinePlain.TrimEnd('\n'),
            ["machine-encrypted"] = LicenseFileIssuer.Issue(TestLicenses.MachineClaims(), key, encrypt: true, TestLicenses.Iv).TrimEnd('\n'),
            ["activation-key"] = Convert.ToHexStringLower(Internal.OfflineSeals.Key(TestLicenses.Key, Internal.OfflineSeals.ActivationPurpose)),
            ["activation-request"] = request.ToString(),
            ["deactivation-key"] = Convert.ToHexStringLower(Internal.OfflineSeals.Key(TestLicenses.Key, Internal.OfflineSeals.DeactivationPurpose)),
            ["deactivation-proof"] = OfflineDeactivationProof.Create(TestLicenses.MachineClaims(), TestLicenses.Key, DeactivationNonce).ToString(),
            ["revocation-list"] = revocations,
            ["revocation-claims"] = Encoding.UTF8.GetString(Convert.FromBase64String(Pad(revocations.Split('.')[1]))),
        };
    }

    // The test project copies the document next to the tests.
    private static Dictionary<string, string> ReadVectors() =>
        LicenseFileText.Vectors(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "license-file-format.md")));

    private static string Pad(string base64Url)
    {
        var text = base64Url.Replace('-', '+').Replace('_', '/');
        return text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
    }

}

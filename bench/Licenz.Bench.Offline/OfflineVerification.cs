using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using NSec.Cryptography;

namespace Licenz.Bench.Offline;

/// <summary>
/// <see cref="LicenseFile.Verify"/> of a plain and of an encrypted license file, against the operation no verifier
/// can avoid: an Ed25519 verify (NSec) of the very same JWS signing input and signature. Everything in memory:
/// a fixed clock and an in-memory trusted-time store, so no run touches a file.
/// </summary>
[MemoryDiagnoser]
public class OfflineVerification
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private PublicKey _rawKey = null!;
    private byte[] _signingInput = [];
    private byte[] _signature = [];
    private PublicKeySet _keys = null!;
    private string _plain = "";
    private string _encrypted = "";
    private LicenseFileOptions _plainOptions = null!;
    private LicenseFileOptions _encryptedOptions = null!;

    [GlobalSetup]
    public void Setup()
    {
        using var key = SigningKey.FromSeed(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        const string licenseKey = "LIC-A2H0J-JDA60-AER8N";
        if (!LicenseKey.TryNormalize(licenseKey, out _))
        {
            throw new InvalidOperationException($"{licenseKey} is not a well-formed license key.");
        }

        using var metadata = JsonDocument.Parse("""{"seats":5,"edition":"pro"}""");
        var claims = new LicenseFileClaims("acct_06h1ka7139rdn0dd6ta0qreync", "lic_06h1ka738sveh4z256xv7vtmzm", Now.AddHours(-1), Now.AddDays(30),
            "lf_06h1kagecdt3544wcsc04h0edc",
            new LicenseClaims("lic_06h1ka738sveh4z256xv7vtmzm", licenseKey, "prod_06h1ka72wnx3qc61b342zvdekg", "subscription", "active",
                Now.AddDays(365), ["pro", "export"], metadata.RootElement.Clone(), Fingerprint: null));

        _plain = LicenseFileIssuer.Issue(claims, key);
        _encrypted = LicenseFileIssuer.Issue(claims, key, encrypt: true);
        _keys = PublicKeySet.FromKeys(key.ToJsonWebKey());
        _plainOptions = new LicenseFileOptions { Time = new FixedTime(Now), TrustedClock = TrustedClock.InMemory() };
        _encryptedOptions = new LicenseFileOptions { Time = new FixedTime(Now), TrustedClock = TrustedClock.InMemory(), LicenseKey = licenseKey };

        // The signed bytes of the plain file: "header.payload" and the signature after the last dot.
        var token = string.Concat(_plain.Split('\n').Where(line => line.Length > 0 && !line.StartsWith("-----", StringComparison.Ordinal)));
        var dot = token.LastIndexOf('.');
        _signingInput = Encoding.ASCII.GetBytes(token[..dot]);
        _signature = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        _rawKey = PublicKey.Import(SignatureAlgorithm.Ed25519, key.PublicKey, KeyBlobFormat.RawPublicKey);

        // A benchmark of a failing path would measure the wrong thing.
        if (!RawEd25519() || VerifyPlain().Code != LicenseFileCodes.Valid || VerifyEncrypted().Code != LicenseFileCodes.Valid)
        {
            throw new InvalidOperationException(
                $"Setup does not verify: raw {RawEd25519()}, plain {VerifyPlain().Code}, encrypted {VerifyEncrypted().Code}.");
        }
    }

    [Benchmark(Baseline = true)]
    public bool RawEd25519() => SignatureAlgorithm.Ed25519.Verify(_rawKey, _signingInput, _signature);

    [Benchmark]
    public LicenseFileResult VerifyPlain() => LicenseFile.Verify(_plain, _keys, _plainOptions);

    [Benchmark]
    public LicenseFileResult VerifyEncrypted() => LicenseFile.Verify(_encrypted, _keys, _encryptedOptions);

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

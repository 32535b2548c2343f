using System.Buffers.Text;
using System.Text;
using BenchmarkDotNet.Attributes;
using Licenz.Tests.Shared;
using NSec.Cryptography;

namespace Licenz.Bench.Offline;

/// <summary>
/// <see cref="LicenseFile.Verify"/> of a plain and of an encrypted license file, against the operation no verifier
/// can avoid: an Ed25519 verify (NSec) of the very same JWS signing input and signature. The files are the format
/// document's test vectors (docs/license-file-format.md), so that every build of the SDK measured here (net10.0, and
/// netstandard2.0 by Licenz.Bench.OfflineStandard) verifies the same bytes. Everything in memory: a fixed clock and an
/// in-memory trusted-time store, so no run touches a file.
/// </summary>
[MemoryDiagnoser]
public class OfflineVerification
{
    private const string LicenseKey = "LIC-TESTV-ECT0R-0001H";
    private static readonly DateTimeOffset Now = new(2026, 1, 16, 10, 30, 0, TimeSpan.Zero);

    private PublicKey _rawKey = null!;
    private byte[] _signingInput = [];
    private byte[] _signature = [];
    private PublicKeySet _keys = null!;
    private string _plain = "";
    private string _encrypted = "";
    private LicenseFileOptions _plainOptions = null!;
    private LicenseFileOptions _encryptedOptions = null!;
    private LicenseFileOptions _defaultOptions = null!;

    [GlobalSetup]
    public void Setup()
    {
        var vectors = LicenseFileText.Vectors(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "license-file-format.md")));
        _plain = vectors["plain"] + "\n";
        _encrypted = vectors["encrypted"] + "\n";
        _keys = PublicKeySet.FromJwks(vectors["jwks"]);
        _plainOptions = new LicenseFileOptions { Time = new FixedTime(Now), TrustedClock = TrustedClock.InMemory() };
        _encryptedOptions = new LicenseFileOptions { Time = new FixedTime(Now), TrustedClock = TrustedClock.InMemory(), LicenseKey = LicenseKey };
        // As applications call it: the default trusted clock, a file per issuer under the user's local application data.
        _defaultOptions = new LicenseFileOptions { Time = new FixedTime(Now) };

        // The signed bytes of the plain file: "header.payload" and the signature after the last dot.
        var token = LicenseFileText.Token(_plain);
        var dot = token.LastIndexOf('.');
        _signingInput = Encoding.ASCII.GetBytes(token[..dot]);
        _signature = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        _rawKey = PublicKey.Import(SignatureAlgorithm.Ed25519, Convert.FromHexString(vectors["public-key-hex"]), KeyBlobFormat.RawPublicKey);

        // A benchmark of a failing path would measure the wrong thing.
        if (!RawEd25519() || VerifyPlain().Code != LicenseFileCodes.Valid || VerifyEncrypted().Code != LicenseFileCodes.Valid
            || VerifyPlainDefaultClock().Code != LicenseFileCodes.Valid)
        {
            throw new InvalidOperationException(
                $"Setup does not verify: raw {RawEd25519()}, plain {VerifyPlain().Code}, encrypted {VerifyEncrypted().Code}, " +
                $"default clock {VerifyPlainDefaultClock().Code}.");
        }
    }

    [Benchmark(Baseline = true)]
    public bool RawEd25519() => SignatureAlgorithm.Ed25519.Verify(_rawKey, _signingInput, _signature);

    [Benchmark]
    public LicenseFileResult VerifyPlain() => LicenseFile.Verify(_plain, _keys, _plainOptions);

    [Benchmark]
    public LicenseFileResult VerifyEncrypted() => LicenseFile.Verify(_encrypted, _keys, _encryptedOptions);

    [Benchmark]
    public LicenseFileResult VerifyPlainDefaultClock() => LicenseFile.Verify(_plain, _keys, _defaultOptions);

    /// <summary>
    /// A process that verifies one file and exits, as an application's start does (<c>verify-once FILE JWKS</c>): with
    /// the default options, so the trusted clock's file is read and written as it is then. Exit code 0 when valid.
    /// </summary>
    public static int VerifyOnce(string file, string jwks) =>
        LicenseFile.Verify(File.ReadAllText(file), PublicKeySet.FromJwks(File.ReadAllText(jwks)), new LicenseFileOptions { Time = new FixedTime(Now) }).IsValid ? 0 : 1;


    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

using System.Runtime.InteropServices;
using Licenz.Tests.Shared;

namespace Licenz.Sdk.Conformance;

/// <summary>
/// Checks the SDK against the test vectors of docs/license-file-format.md as an application on this runtime loads it:
/// every published file verifies, every failure the format names is reported with its code, and the offline activation
/// request and deactivation proof read back. One line per check; exit code 0 only when every check passed.
/// </summary>
internal static class Program
{
    // The fixed inputs of the vectors ("Test vectors" in the format document).
    private const string LicenseKey = "LIC-TESTV-ECT0R-0001H";
    private const string Fingerprint = "2f1b7e8c9d0a4b3c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5";
    private const string OtherLicenseKey = "LIC-A2H0J-JDA60-AER8N";
    private const string OtherFingerprint = "0000000000000000000000000000000000000000000000000000000000000001";
    private static readonly DateTimeOffset IssuedAt = new(2026, 1, 15, 10, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset FileExpiresAt = IssuedAt.AddDays(30);
    private static readonly Dictionary<string, string> Components = new()
    {
        ["board"] = "9b1c4f0e",
        ["cpu"] = "51d7a2c3",
        ["disk"] = "e08f6b14",
        ["os"] = "7a3d9e02",
    };

    private static int _checks;
    private static int _failed;

    public static async Task<int> Main(string[] args)
    {
        Console.WriteLine($"runtime: {RuntimeInformation.FrameworkDescription}");
        switch (args)
        {
            case ["vectors", var document] when File.Exists(document):
                Vectors(File.ReadAllText(document));
                break;
            case ["round-trip"]:
                await RoundTripAsync();
                break;
            default:
                Console.Error.WriteLine("usage: licenz-conformance vectors <path to docs/license-file-format.md>");
                Console.Error.WriteLine("       licenz-conformance round-trip   (LICENZ_URL, LICENZ_API_KEY, LICENZ_LICENSE_KEY, LICENZ_PRODUCT_ID, LICENZ_JWKS, LICENZ_CA, LICENZ_STORAGE)");
                return 2;
        }

        Console.WriteLine($"{_checks} checks, {_failed} failed");
        return _failed == 0 ? 0 : 1;
    }

    /// <summary>Every published vector, and one file for each failure the format names.</summary>
    private static void Vectors(string document)
    {
        var vectors = LicenseFileText.Vectors(document);
        var keys = PublicKeySet.FromJwks(vectors["jwks"]);
        Check("jwks: the published kid", keys.KeyIds.SingleOrDefault() == vectors["kid"], string.Join(",", keys.KeyIds));

        var day = IssuedAt.AddDays(1);
        var plain = vectors["plain"];
        Expect("plain", plain, keys, Options(day), LicenseFileCodes.Valid);
        Expect("plain, saved with CRLF and a trailing newline", plain.Replace("\n", "\r\n") + "\r\n", keys, Options(day), LicenseFileCodes.Valid);
        Expect("encrypted", vectors["encrypted"], keys, Options(day, LicenseKey), LicenseFileCodes.Valid);
        Expect("bound-encrypted", vectors["bound-encrypted"], keys, Options(day, LicenseKey, Fingerprint), LicenseFileCodes.Valid);
        var machine = Expect("machine-plain", vectors["machine-plain"], keys, Options(day, fingerprint: Fingerprint), LicenseFileCodes.Valid);
        Check("machine-plain: grants export.pdf and sso, not audit",
            machine.HasEntitlement("export.pdf") && machine.HasEntitlement("sso") && !machine.HasEntitlement("audit"), string.Join(",", machine.Claims?.License.Entitlements ?? []));
        Expect("machine-encrypted", vectors["machine-encrypted"], keys, Options(day, LicenseKey, Fingerprint), LicenseFileCodes.Valid);
        var rebound = Expect("machine-plain on a new fingerprint with the same components", vectors["machine-plain"], keys,
            Options(day, fingerprint: OtherFingerprint, components: Components), LicenseFileCodes.Valid);
        Check("machine-plain: matched by components", rebound.MatchedByComponents, rebound.Code);

        var halfChanged = new Dictionary<string, string>(Components) { ["board"] = "00000000", ["disk"] = "00000000" };
        Expect("machine-plain on a new fingerprint with half its components changed", vectors["machine-plain"], keys,
            Options(day, fingerprint: OtherFingerprint, components: halfChanged), LicenseFileCodes.FingerprintMismatch);
        Expect("machine-plain requiring an entitlement it lacks", vectors["machine-plain"], keys,
            Options(day, fingerprint: Fingerprint, entitlements: ["audit"]), LicenseFileCodes.EntitlementsMissing);
        Expect("not a license file", "hello", keys, Options(day), LicenseFileCodes.Malformed);
        Expect("plain with one character of its signature changed", LicenseFileText.ChangeCharacter(plain, 2, 5), keys, Options(day), LicenseFileCodes.BadSignature);
        Expect("plain against another account's keys", plain, PublicKeySet.FromJwks(OtherJwks), Options(day), LicenseFileCodes.UnknownKey);
        Expect("plain for another product", plain, keys, Options(day, product: "prod_other"), LicenseFileCodes.ProductMismatch);
        Expect("plain before it was issued", plain, keys, Options(IssuedAt.AddDays(-1)), LicenseFileCodes.NotYetValid);
        Expect("plain after its time to live", plain, keys, Options(FileExpiresAt.AddMinutes(5)), LicenseFileCodes.FileExpired);
        var clock = TrustedClock.InMemory();
        clock.Advance("acct_test", IssuedAt.AddDays(2));
        Expect("plain with the clock set back", plain, keys, Options(day, clock: clock), LicenseFileCodes.ClockTampered);
        Expect("encrypted with another license key", vectors["encrypted"], keys, Options(day, OtherLicenseKey), LicenseFileCodes.DecryptionFailed);
        Expect("encrypted with text that is not a license key", vectors["encrypted"], keys, Options(day, "LIC-AAAAA-AAAAA-AAAAA"), LicenseFileCodes.LicenseKeyRequired);
        Expect("encrypted without its license key", vectors["encrypted"], keys, Options(day), LicenseFileCodes.LicenseKeyRequired);
        Expect("bound-encrypted without a fingerprint", vectors["bound-encrypted"], keys, Options(day, LicenseKey), LicenseFileCodes.FingerprintRequired);
        Expect("no license file", "", keys, Options(day), LicenseFileCodes.NoLicenseFile);
        Expect("bound-encrypted with another license key", vectors["bound-encrypted"], keys, Options(day, OtherLicenseKey, Fingerprint), LicenseFileCodes.DecryptionFailed);
        Expect("bound-encrypted with a character of its ciphertext changed", LicenseFileText.ChangeCharacter(vectors["bound-encrypted"], 3, 9), keys,
            Options(day, LicenseKey, Fingerprint), LicenseFileCodes.Malformed);
        Expect("bound-encrypted on another machine", vectors["bound-encrypted"], keys, Options(day, LicenseKey, OtherFingerprint), LicenseFileCodes.FingerprintMismatch);

        // A small-order public key (here the identity point) with the signature R = identity, S = 0 passes the check
        // [S]B = R + [k]A in lax Ed25519 implementations, whatever was signed: such a key must verify nothing.
        var identity = "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        var signed = LicenseFileText.Token(plain);
        var forged = LicenseFileText.Armor(signed.Substring(0, signed.LastIndexOf('.') + 1) + identity + new string('A', 43));
        // Every target imports such a key and verifies nothing with it (libsodium refuses it when verifying; BouncyCastle's
        // full validation does): the same code everywhere.
        var smallOrder = PublicKeySet.FromJwks(vectors["jwks"].Replace("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", identity));
        Expect("a forged signature under a small-order key", forged, smallOrder, Options(day), LicenseFileCodes.BadSignature);

        // The published revocation list holds, and once kept it refuses the published files (issued at an older version).
        var listed = RevocationList.TryVerify(vectors["revocation-list"], keys, out var list, out var listProblem);
        Check("revocation-list holds: version 3, lic_test revoked, mach_old deactivated", listed && list!.Version == 3
            && list.Licenses["lic_test"] == "revoked" && list.Machines.Contains("mach_old"), listProblem);
        var keeping = TrustedClock.InMemory();
        keeping.StoreRevocationList("acct_test", vectors["revocation-list"]);
        var revoked = Expect("plain with the revocation list kept", plain, keys, Options(day, clock: keeping), LicenseFileCodes.Revoked);
        Check("plain with the revocation list kept: checked against version 3", revoked.RevocationListVersion == 3 && !revoked.RevocationListOutdated, revoked.Message);
        var unaware = Expect("plain with no revocation list kept", plain, keys, Options(day), LicenseFileCodes.Valid);
        Check("plain with no revocation list kept: version 2 seen, the list is behind", unaware.Claims?.RevocationVersion == 2 && unaware.RevocationListOutdated, unaware.Message);

        var requestRead = OfflineActivationRequest.TryParse(vectors["activation-request"], out var request, out var problem);
        Check("activation-request reads", requestRead && request!.LicenseKey == LicenseKey && request.Fingerprint == Fingerprint
            && request.Nonce == "AAECAwQFBgcICQoLDA0ODw" && request.Components!.Count == 4 && request.Components["cpu"] == "51d7a2c3", problem);
        var proofRead = OfflineDeactivationProof.TryParse(vectors["deactivation-proof"], out var proof, out problem);
        Check("deactivation-proof reads and is sealed with the license key", proofRead && proof!.LicenseId == "lic_test" && proof.FileId == "lf_test"
            && proof.Fingerprint == Fingerprint && proof.IsSealedWith(LicenseKey) && !proof.IsSealedWith(OtherLicenseKey), problem);
    }

    /// <summary>
    /// What an application does with a real server: checks its license online (which activates this machine with its
    /// components and saves a license file bound to it), verifies the saved file, then checks again with the server out of
    /// reach and is licensed from the file.
    /// </summary>
    private static async Task RoundTripAsync()
    {
        static string Setting(string name) =>
            Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : throw new InvalidOperationException($"Set {name}.");

        var keys = PublicKeySet.FromJwks(File.ReadAllText(Setting("LICENZ_JWKS")));
        var storage = Setting("LICENZ_STORAGE");
        var productId = Setting("LICENZ_PRODUCT_ID");
        var options = new LicenseCheckerOptions
        {
            LicenseKey = Setting("LICENZ_LICENSE_KEY"),
            ProductId = productId,
            Keys = keys,
            StorageDirectory = storage,
            Fingerprint = MachineFingerprint.Get(productId),
            Components = Components,
            TrustedClock = TrustedClock.InFolder(Path.Combine(storage, "trusted-time")),
        };

        LicenzClient Client(string url) => new(new LicenzClientOptions
        {
            ApiKey = Setting("LICENZ_API_KEY"),
            BaseUrl = new Uri(url),
            VerificationKeys = keys,
            TrustedCertificatePath = Setting("LICENZ_CA"),
            Timeout = TimeSpan.FromSeconds(20),
        });

        using (var online = Client(Setting("LICENZ_URL")))
        {
            var checker = new LicenseChecker(online, options);
            var result = await checker.CheckAsync();
            Check("online: activated and valid", result is { IsValid: true, Source: LicenseCheckSource.Online }, $"{result.Source} {result.Code}: {result.Message} {result.OnlineFailure}");
            Check("online: the license file is saved", File.Exists(checker.LicenseFilePath), checker.LicenseFilePath);
            if (File.Exists(checker.LicenseFilePath))
            {
                var saved = LicenseFile.Verify(File.ReadAllText(checker.LicenseFilePath), keys, new LicenseFileOptions
                {
                    LicenseKey = options.LicenseKey,
                    ProductId = productId,
                    Fingerprint = options.Fingerprint,
                    TrustedClock = TrustedClock.InMemory(),
                });
                Check("the saved file verifies: bound to this machine, encrypted for the key",
                    saved.IsValid && saved.Claims!.License.Fingerprint == options.Fingerprint && saved.Claims.License.MachineId is { Length: > 0 },
                    $"{saved.Code}: {saved.Message}");
            }
        }

        // Nothing listens on port 9: the server is out of reach.
        using var offline = Client("https://127.0.0.1:9/api/v1");
        var fromFile = await new LicenseChecker(offline, options).CheckAsync();
        Check("offline: valid from the saved license file", fromFile is { IsValid: true, Source: LicenseCheckSource.LicenseFile },
            $"{fromFile.Source} {fromFile.Code}: {fromFile.Message}");
    }

    // RFC 8032 §7.1, test 2's public key: a valid key that signed none of the vectors.
    private const string OtherX = "PUAXw-hDiVqStwqnTRt-vJyYLM8uxJaMwM1V8Sr0Zgw";
    private const string OtherJwks = "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"other\",\"alg\":\"EdDSA\",\"use\":\"sig\",\"x\":\"" + OtherX + "\"}]}";

    private static LicenseFileOptions Options(
        DateTimeOffset now, string? licenseKey = null, string? fingerprint = null, Dictionary<string, string>? components = null,
        string[]? entitlements = null, string? product = null, ITrustedClock? clock = null) => new()
    {
        Time = new FixedTime(now),
        TrustedClock = clock ?? TrustedClock.InMemory(),
        LicenseKey = licenseKey,
        Fingerprint = fingerprint,
        Components = components,
        RequiredEntitlements = entitlements,
        ProductId = product,
    };

    private static LicenseFileResult Expect(string name, string text, PublicKeySet keys, LicenseFileOptions options, string expected)
    {
        var result = LicenseFile.Verify(text, keys, options);
        Check(name + ": " + expected, result.Code == expected, $"{result.Code}: {result.Message}");
        return result;
    }

    private static void Check(string name, bool passed, string? otherwise)
    {
        _checks++;
        if (passed)
        {
            Console.WriteLine("ok   " + name);
        }
        else
        {
            _failed++;
            Console.WriteLine($"FAIL {name} ({otherwise})");
        }
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

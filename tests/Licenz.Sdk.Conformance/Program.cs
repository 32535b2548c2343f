using System.Runtime.InteropServices;
using Licenz.Tests.Shared;

namespace Licenz.Sdk.Conformance;

/// <summary>
/// Checks the SDK against the test vectors of docs/license-file-format.md and the conformance kit beside it
/// (docs/vectors) as an application on this runtime loads it: every published file verifies, every failure the format
/// names is reported with its code, and the offline activation request and deactivation proof read back. One line per
/// check; exit code 0 only when every check passed.
/// </summary>
internal static class Program
{
    // The fixed inputs of the vectors ("Test vectors" in the format document).
    private const string LicenseKey = "LIC-TESTV-ECT0R-0001H";
    private const string Fingerprint = "2f1b7e8c9d0a4b3c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5";
    private const string OtherLicenseKey = "LIC-A2H0J-JDA60-AER8N";
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
                Vectors(document);
                break;
            case ["round-trip"]:
                await RoundTripAsync();
                break;
            default:
                Console.Error.WriteLine("usage: licenz-conformance vectors <path to docs/license-file-format.md>");
                Console.Error.WriteLine("       licenz-conformance round-trip   (LICENZ_URL, LICENZ_API_KEY, LICENZ_LICENSE_KEY, LICENZ_PRODUCT_ID, LICENZ_JWKS, LICENZ_CA, LICENZ_STORAGE,");
                Console.Error.WriteLine("                                        LICENZ_REVOKED_LICENSE_ID: a license of the account revoked before the run)");
                return 2;
        }

        Console.WriteLine($"{_checks} checks, {_failed} failed");
        return _failed == 0 ? 0 : 1;
    }

    /// <summary>
    /// Every published vector, and the conformance kit beside the document (docs/vectors): a file or signed answer for
    /// each verdict a verifier must reach, with what the application passes and the code it must answer.
    /// </summary>
    private static void Vectors(string document)
    {
        var vectors = LicenseFileText.Vectors(File.ReadAllText(document));
        var keys = PublicKeySet.FromJwks(vectors["jwks"]);
        Check("jwks: the published kid", keys.KeyIds.SingleOrDefault() == vectors["kid"], string.Join(",", keys.KeyIds));

        var kit = Path.Combine(Path.GetDirectoryName(document)!, "vectors");
        foreach (var outcome in ConformanceKit.LicenseFiles(File.ReadAllText(Path.Combine(kit, "license-files.json")))
                     .Concat(ConformanceKit.Responses(File.ReadAllText(Path.Combine(kit, "responses.json")))))
        {
            Check(outcome.Name + ": " + outcome.Answered.Split(' ', ':')[0], outcome.Passed, outcome.Answered);
        }

        var listed = RevocationList.TryVerify(vectors["revocation-list"], keys, out var list, out var listProblem);
        Check("revocation-list holds: version 3, lic_test revoked, mach_old deactivated", listed && list!.Version == 3
            && list.Licenses["lic_test"] == "revoked" && list.Machines.Contains("mach_old"), listProblem);
        var requestRead = OfflineActivationRequest.TryParse(vectors["activation-request"], out var request, out var problem);
        Check("activation-request reads", requestRead && request!.LicenseKey == LicenseKey && request.Fingerprint == Fingerprint
            && request.Nonce == "AAECAwQFBgcICQoLDA0ODw" && request.Components!.Count == 4 && request.Components["cpu"] == "51d7a2c3", problem);
        var proofRead = OfflineDeactivationProof.TryParse(vectors["deactivation-proof"], out var proof, out problem);
        Check("deactivation-proof reads and is sealed with the license key", proofRead && proof!.LicenseId == "lic_test" && proof.FileId == "lf_test"
            && proof.Fingerprint == Fingerprint && proof.IsSealedWith(LicenseKey) && !proof.IsSealedWith(OtherLicenseKey), problem);
    }

    /// <summary>
    /// What an application does with a real server: checks its license online (which activates this machine with its
    /// components, saves a license file bound to it, and fetches the account's newer revocation list), verifies the saved
    /// file, then checks again with the server out of reach and is licensed from the file.
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

            // The answer showed a newer revocation list than the one kept (none): the checker fetched it and keeps it in the
            // trusted-time folder, where a later run of the application reads it.
            var issuer = result.Verification?.AccountId ?? "";
            var kept = TrustedClock.InFolder(Path.Combine(storage, "trusted-time")).ReadRevocationList(issuer);
            var holds = RevocationList.TryVerify(kept, keys, out var list, out var listProblem);
            Check("online: the newer revocation list is fetched and kept",
                holds && list!.Version >= 1 && list.Version == result.Verification!.RevocationVersion
                && list.Licenses.TryGetValue(Setting("LICENZ_REVOKED_LICENSE_ID"), out var state) && state == "revoked",
                listProblem ?? $"version {list?.Version}, answer's {result.Verification?.RevocationVersion}");
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
}

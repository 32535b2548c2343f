using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Licenz.Tests.Shared;

namespace Licenz.Sdk.Tests.Offline;

/// <summary>
/// The conformance kit, docs/vectors/license-files.json and docs/vectors/responses.json: one case per verdict a verifier
/// must reach — a published file that verifies, and a file or signed answer for each failure code — in a form any
/// language reads. The kit is generated here from the format document's vectors and the vectors' key, compared with the
/// published files byte for byte (so it cannot drift from the code), and every case is run through this SDK; the
/// conformance app runs it on each runtime, and the Rust SDK's tests and the independent JOSE verifier read it too.
/// </summary>
public sealed class ConformanceKitTests
{
    private const string DefaultKeys = "default";
    private const string OtherKeys = "other";
    private const string SmallOrderKeys = "small_order";

    /// <summary>RFC 8032 §7.1, test 2's public key: a valid key that signed none of the vectors.</summary>
    private const string OtherX = "PUAXw-hDiVqStwqnTRt-vJyYLM8uxJaMwM1V8Sr0Zgw";

    /// <summary>The identity point: a small-order key under which lax Ed25519 implementations accept a forged signature.</summary>
    private const string Identity = "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    private const string OtherFingerprint = "0000000000000000000000000000000000000000000000000000000000000001";
    private const string OtherLicenseKey = "LIC-A2H0J-JDA60-AER8N";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static TheoryData<string> Files => ["license-files.json", "responses.json"];

    [Theory]
    [MemberData(nameof(Files))]
    public void ThePublishedKitIsWhatTheCodeProduces(string file)
    {
        var actual = file == "license-files.json" ? LicenseFilesKit() : ResponsesKit();
        var path = Path.Combine(AppContext.BaseDirectory, "docs", "vectors", file);
        var published = File.Exists(path) ? File.ReadAllText(path) : null;
        if (published != actual)
        {
            // What the code produces, to compare with (or, for a deliberate change, to publish).
            File.WriteAllText(Path.Combine(AppContext.BaseDirectory, $"kit-{file}.received.txt"), actual);
        }

        Assert.Equal(published, actual);
    }

    [Fact]
    public void EveryLicenseFileCaseHoldsAndEveryFailureCodeHasOne()
    {
        var json = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "vectors", "license-files.json"));
        var outcomes = ConformanceKit.LicenseFiles(json);

        Assert.All(outcomes, outcome => Assert.True(outcome.Passed, $"{outcome.Name}: {outcome.Answered}"));
        var covered = JsonDocument.Parse(json).RootElement.GetProperty("cases").EnumerateArray()
            .Select(c => c.GetProperty("expected").GetProperty("code").GetString()).ToHashSet();
        var codes = typeof(LicenseFileCodes).GetFields().Select(f => (string)f.GetValue(null)!).ToHashSet();
        Assert.Empty(codes.Except(covered));
    }

    [Fact]
    public void EveryResponseCaseHoldsAndEveryFailureCodeHasOne()
    {
        var json = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "vectors", "responses.json"));
        var outcomes = ConformanceKit.Responses(json);

        Assert.All(outcomes, outcome => Assert.True(outcome.Passed, $"{outcome.Name}: {outcome.Answered}"));
        var covered = JsonDocument.Parse(json).RootElement.GetProperty("cases").EnumerateArray()
            .Select(c => c.GetProperty("expected").GetProperty("code").GetString()).ToHashSet();
        var codes = typeof(ResponseSignatureCodes).GetFields().Select(f => (string)f.GetValue(null)!).ToHashSet();
        Assert.Empty(codes.Except(covered));
    }

    private sealed record Options(
        string Now,
        string? LicenseKey = null,
        string? Fingerprint = null,
        IReadOnlyDictionary<string, string>? Components = null,
        string? ProductId = null,
        string? Issuer = null,
        IReadOnlyList<string>? RequiredEntitlements = null,
        string? TrustedTime = null,
        string? RevocationList = null);

    private sealed record Expected(string Code, bool? MatchedByComponents = null, bool? InGrace = null, long? RevocationListVersion = null, bool? RevocationListOutdated = null);

    /// <param name="Independent">
    /// Whether a plain JOSE verifier reaches the same verdict: one that checks the armor as the server writes it, the
    /// signature against the JWKS, the encryption, <c>iat</c> and <c>exp</c>, and the license key, product and fingerprint
    /// the application expects — nothing of components, grace, revocation lists or remembered time, nor an <c>iat</c> in the
    /// future or a small-order key (which lax Ed25519 implementations accept).
    /// </param>
    private sealed record FileCase(string Name, string File, string Keys, Options Options, Expected Expected, bool Independent);

    private sealed record ResponseCase(string Name, int Status, IReadOnlyDictionary<string, string> Headers, string Body, string Nonce, string Keys, Expected Expected);

    private static string Day(int days) => TestLicenses.IssuedAt.AddDays(days).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static string LicenseFilesKit()
    {
        using var key = TestLicenses.SigningKey();
        var v = TestVectorTests.Published;
        var plain = v["plain"] + "\n";
        var day = Day(1);
        var withKey = new Options(day, LicenseKey: TestLicenses.Key);
        var onMachine = new Options(day, Fingerprint: TestLicenses.Fingerprint);
        string Issue(LicenseFileClaims claims) => LicenseFileIssuer.Issue(claims, key);
        var machineGone = RevocationListIssuer.Issue("acct_test", 4, TestLicenses.IssuedAt.AddDays(1), new Dictionary<string, string>(), ["mach_test"], key);
        var halfChanged = new Dictionary<string, string>(TestLicenses.Components) { ["board"] = "00000000", ["disk"] = "00000000" };
        var token = LicenseFileText.Token(plain);
        var forged = LicenseFileText.Armor(token[..(token.LastIndexOf('.') + 1)] + Identity + new string('A', 43));

        FileCase[] cases =
        [
            new("plain", plain, DefaultKeys, new Options(day), new Expected(LicenseFileCodes.Valid, RevocationListOutdated: true), true),
            new("plain, saved with CRLF line ends", plain.Replace("\n", "\r\n"), DefaultKeys, new Options(day), new Expected(LicenseFileCodes.Valid), true),
            new("plain, pasted indented between blank lines", "\n\n" + string.Concat(plain.Split('\n').Select(line => "    " + line + " \n")) + "\n",
                DefaultKeys, new Options(day), new Expected(LicenseFileCodes.Valid), false),
            new("encrypted", v["encrypted"], DefaultKeys, withKey, new Expected(LicenseFileCodes.Valid), true),
            new("bound-encrypted", v["bound-encrypted"], DefaultKeys, withKey with { Fingerprint = TestLicenses.Fingerprint }, new Expected(LicenseFileCodes.Valid), true),
            new("machine-plain", v["machine-plain"], DefaultKeys, onMachine, new Expected(LicenseFileCodes.Valid, MatchedByComponents: false), true),
            new("machine-encrypted", v["machine-encrypted"], DefaultKeys, withKey with { Fingerprint = TestLicenses.Fingerprint }, new Expected(LicenseFileCodes.Valid), true),
            new("machine-plain on a new fingerprint with the same components", v["machine-plain"], DefaultKeys,
                new Options(day, Fingerprint: OtherFingerprint, Components: TestLicenses.Components), new Expected(LicenseFileCodes.Valid, MatchedByComponents: true), false),
            new("machine-plain past the license's expiry, within its grace period", Issue(TestLicenses.MachineClaims(licenseExpiresAt: TestLicenses.IssuedAt.AddDays(1))),
                DefaultKeys, onMachine with { Now = Day(3) }, new Expected(LicenseFileCodes.Valid, InGrace: true), false),
            new("nothing saved", "", DefaultKeys, new Options(day), new Expected(LicenseFileCodes.NoLicenseFile), false),
            new("not a license file", "hello", DefaultKeys, new Options(day), new Expected(LicenseFileCodes.Malformed), true),
            new("plain with a line of the armor shortened", plain.Remove(plain.IndexOf('\n') + 10, 1), DefaultKeys, new Options(day), new Expected(LicenseFileCodes.Malformed), true),
            new("encrypted without its license key", v["encrypted"], DefaultKeys, new Options(day), new Expected(LicenseFileCodes.LicenseKeyRequired), true),
            new("encrypted with text that is not a license key", v["encrypted"], DefaultKeys, new Options(day, LicenseKey: "LIC-AAAAA-AAAAA-AAAAA"),
                new Expected(LicenseFileCodes.LicenseKeyRequired), false),
            new("bound-encrypted without a fingerprint", v["bound-encrypted"], DefaultKeys, withKey, new Expected(LicenseFileCodes.FingerprintRequired), true),
            new("encrypted with another license key", v["encrypted"], DefaultKeys, new Options(day, LicenseKey: OtherLicenseKey), new Expected(LicenseFileCodes.DecryptionFailed), true),
            new("bound-encrypted with a character of its ciphertext changed", LicenseFileText.ChangeCharacter(v["bound-encrypted"], 3, 9), DefaultKeys,
                withKey with { Fingerprint = TestLicenses.Fingerprint }, new Expected(LicenseFileCodes.Malformed), true),
            new("bound-encrypted on another machine", v["bound-encrypted"], DefaultKeys, withKey with { Fingerprint = OtherFingerprint },
                new Expected(LicenseFileCodes.FingerprintMismatch), true),
            new("plain against another account's keys", plain, OtherKeys, new Options(day), new Expected(LicenseFileCodes.UnknownKey), true),
            new("plain with one character of its signature changed", LicenseFileText.ChangeCharacter(plain, 2, 5), DefaultKeys, new Options(day),
                new Expected(LicenseFileCodes.BadSignature), true),
            // Lax Ed25519 verifiers accept it: OpenSSL's, under Node's jose, does (tests/interop).
            new("a signature forged under a small-order key", forged, SmallOrderKeys, new Options(day), new Expected(LicenseFileCodes.BadSignature), false),
            new("plain expected from another account", plain, DefaultKeys, new Options(day, Issuer: "acct_other"), new Expected(LicenseFileCodes.IssuerMismatch), false),
            new("plain for another product", plain, DefaultKeys, new Options(day, ProductId: "prod_other"), new Expected(LicenseFileCodes.ProductMismatch), true),
            new("plain for another license key", plain, DefaultKeys, new Options(day, LicenseKey: OtherLicenseKey), new Expected(LicenseFileCodes.LicenseKeyMismatch), true),
            new("plain with the clock set back behind a trusted time", plain, DefaultKeys, new Options(day, TrustedTime: Day(2)), new Expected(LicenseFileCodes.ClockTampered), false),
            // JOSE libraries check exp and nbf; an iat in the future is the format's own rule.
            new("plain before it was issued", plain, DefaultKeys, new Options(Day(-1)), new Expected(LicenseFileCodes.NotYetValid), false),
            new("plain after its time to live", plain, DefaultKeys, new Options(Day(31)), new Expected(LicenseFileCodes.FileExpired), true),
            new("machine-plain without a fingerprint", v["machine-plain"], DefaultKeys, new Options(day), new Expected(LicenseFileCodes.FingerprintRequired), false),
            new("machine-plain on a new fingerprint with half its components changed", v["machine-plain"], DefaultKeys,
                new Options(day, Fingerprint: OtherFingerprint, Components: halfChanged), new Expected(LicenseFileCodes.FingerprintMismatch), false),
            new("a file of a license revoked when it was issued", Issue(TestLicenses.Claims(status: "revoked")), DefaultKeys, new Options(day),
                new Expected(LicenseFileCodes.Revoked), false),
            new("a file of a license suspended when it was issued", Issue(TestLicenses.Claims(status: "suspended")), DefaultKeys, new Options(day),
                new Expected(LicenseFileCodes.Suspended), false),
            new("plain with the published revocation list kept", plain, DefaultKeys, new Options(day, RevocationList: v["revocation-list"]),
                new Expected(LicenseFileCodes.Revoked, RevocationListVersion: 3, RevocationListOutdated: false), false),
            new("machine-plain with a revocation list naming its machine", v["machine-plain"], DefaultKeys, onMachine with { RevocationList = machineGone },
                new Expected(LicenseFileCodes.NoMachine, RevocationListVersion: 4), false),
            new("a file issued at the kept revocation list's version, which names its license (reinstated since)",
                Issue(TestLicenses.Claims() with { RevocationVersion = 3 }), DefaultKeys, new Options(day, RevocationList: v["revocation-list"]),
                new Expected(LicenseFileCodes.Valid, RevocationListVersion: 3, RevocationListOutdated: false), false),
            new("a file of a license that expired, without grace", Issue(TestLicenses.Claims(licenseExpiresAt: TestLicenses.IssuedAt.AddDays(1))), DefaultKeys,
                new Options(Day(2)), new Expected(LicenseFileCodes.Expired), false),
            new("machine-plain requiring an entitlement it lacks", v["machine-plain"], DefaultKeys, onMachine with { RequiredEntitlements = ["audit"] },
                new Expected(LicenseFileCodes.EntitlementsMissing), false),
        ];

        var jwks = JsonDocument.Parse(v["jwks"]).RootElement;
        var kit = new
        {
            Description = "Licenz conformance kit: license files. For each case, check `file` with the key set `keys` and the application's " +
                          "`options` (`now` the current time; `trusted_time` the latest trusted time already remembered for acct_test; " +
                          "`revocation_list` the revocation list kept for acct_test), and answer `expected.code` (and the other `expected` " +
                          "members given). `independent`: a plain JOSE verifier reaches the same verdict. Format: docs/license-file-format.md.",
            Keys = new Dictionary<string, JsonElement>
            {
                [DefaultKeys] = jwks,
                [OtherKeys] = JsonDocument.Parse(v["jwks"].Replace(TestLicenses.Keys(key).KeyIds.Single(), "other").Replace("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", OtherX)).RootElement,
                [SmallOrderKeys] = JsonDocument.Parse(v["jwks"].Replace("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", Identity)).RootElement,
            },
            Cases = cases,
        };
        return JsonSerializer.Serialize(kit, Json).Replace("\r\n", "\n") + "\n";
    }

    private static string ResponsesKit()
    {
        using var key = TestLicenses.SigningKey();
        const string nonce = "kit-nonce-0123456789";
        var date = ResponseSignature.HttpDate(TestLicenses.IssuedAt);
        var body = "{\"data\":{\"valid\":true,\"code\":\"VALID\",\"detail\":\"The license is valid.\",\"nonce\":\"" + nonce + "\",\"account_id\":\"acct_test\",\"revocation_version\":2}}";
        var invalid = body.Replace("\"valid\":true,\"code\":\"VALID\"", "\"valid\":false,\"code\":\"REVOKED\"", StringComparison.Ordinal);
        Dictionary<string, string> Signed(string text, int status = 200, string? signedNonce = nonce)
        {
            var digest = ResponseSignature.ContentDigest(Encoding.UTF8.GetBytes(text));
            var (input, signature) = ResponseSigner.Sign(status, digest, date, signedNonce, TestLicenses.IssuedAt, key);
            return new Dictionary<string, string> { ["content-digest"] = digest, ["date"] = date, ["signature-input"] = input, ["signature"] = signature };
        }

        var valid = Signed(body);
        var otherNonce = body.Replace(nonce, "another-nonce-98765", StringComparison.Ordinal);
        ResponseCase[] cases =
        [
            new("a signed VALID answer", 200, valid, body, nonce, DefaultKeys, new Expected(ResponseSignatureCodes.Valid)),
            new("no signature", 200, new Dictionary<string, string> { ["date"] = date }, body, nonce, DefaultKeys, new Expected(ResponseSignatureCodes.Unsigned)),
            new("a Signature-Input that is not a structured field", 200, new Dictionary<string, string>(valid) { ["signature-input"] = "licenz=(\"@status\"" },
                body, nonce, DefaultKeys, new Expected(ResponseSignatureCodes.Malformed)),
            new("the body turned into a refusal under the same headers", 200, valid, invalid, nonce, DefaultKeys, new Expected(ResponseSignatureCodes.DigestMismatch)),
            new("a refusal with its digest recomputed under the old signature", 200, new Dictionary<string, string>(valid)
            {
                ["content-digest"] = ResponseSignature.ContentDigest(Encoding.UTF8.GetBytes(invalid)),
            }, invalid, nonce, DefaultKeys, new Expected(ResponseSignatureCodes.BadSignature)),
            new("the status changed", 500, valid, body, nonce, DefaultKeys, new Expected(ResponseSignatureCodes.BadSignature)),
            new("signed by a key not in the set", 200, valid, body, nonce, OtherKeys, new Expected(ResponseSignatureCodes.UnknownKey)),
            new("an answer to another request (another nonce)", 200, Signed(otherNonce, signedNonce: "another-nonce-98765"), otherNonce, nonce, DefaultKeys,
                new Expected(ResponseSignatureCodes.NonceMismatch)),
        ];

        var kit = new
        {
            Description = "Licenz conformance kit: signed verification answers. For each case, check the answer (`status`, `headers`, the " +
                          "exact `body` bytes as UTF-8) against the key set `keys`, for a request that sent `nonce`, and answer `expected.code`. " +
                          "Format: docs/license-file-format.md, \"Signed verification responses\".",
            Keys = new Dictionary<string, JsonElement>
            {
                [DefaultKeys] = JsonDocument.Parse(TestVectorTests.Published["jwks"]).RootElement,
                [OtherKeys] = JsonDocument.Parse(TestVectorTests.Published["jwks"].Replace(key.KeyId, "other").Replace("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", OtherX)).RootElement,
            },
            Cases = cases,
        };
        return JsonSerializer.Serialize(kit, Json).Replace("\r\n", "\n") + "\n";
    }
}

using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.Interop;

/// <summary>
/// "A verifier no one here wrote" (issue 3 §9): server-issued license files (plain, encrypted, encrypted and bound
/// to a machine) and signed verify responses are checked by <c>tests/interop/verify.mjs</c> — npm's <c>jose</c>
/// (JWS/JWE), <c>http-message-signatures</c> (RFC 9421) and Node's crypto (HKDF, RFC 9530 digest) — fed nothing
/// but the JWKS the server publishes anonymously. The same verifier must refuse every forgery.
/// </summary>
public sealed class JoseInteropTests(LicenzApplication app) : IClassFixture<LicenzApplication>, IAsyncLifetime
{
    private const string Fingerprint = "7d865e959b2466918c9863afca942d0fb89d7c9ac0c99bafc3749504ded97730";

    /// <summary>Skips (or fails, under LICENZ_REQUIRE_NODE) before any server work when Node.js or the packages are missing.</summary>
    public ValueTask InitializeAsync()
    {
        NodeVerifier.Require();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task LicenseFilesVerifyWithJoseGivenOnlyTheJwks()
    {
        var issued = await IssueAsync();

        var results = await NodeVerifier.RunAsync(
        [
            issued.Job("plain", issued.Plain),
            issued.Job("encrypted", issued.Encrypted),
            issued.Job("bound", issued.Bound, fingerprint: Fingerprint),
            // The JWKS at /api/v1/.well-known/jwks.json serves the same keys.
            issued.Job("plain, api JWKS", issued.Plain) with { Jwks = issued.ApiJwks },
        ]);

        foreach (var (name, encrypted, bound) in new[] { ("plain", false, false), ("encrypted", true, false), ("bound", true, true) })
        {
            var file = results[name].GetProperty("licenseFile");
            Assert.Equal(encrypted, file.GetProperty("encrypted").GetBoolean());
            Assert.Equal(bound, file.GetProperty("bound").GetBoolean());
            Assert.Equal("EdDSA", file.Str("alg"));
            Assert.Equal("licenz-license+jwt", file.Str("typ"));
            Assert.Equal(issued.KeyId, file.Str("kid"));
            Assert.Equal(issued.LicenseId, file.Str("sub"));
            Assert.Equal(issued.LicenseKey, file.Str("licenseKey"));
            Assert.Equal(issued.ProductId, file.Str("productId"));
            Assert.Equal("active", file.Str("status"));
            Assert.Equal(app.Time.GetUtcNow().ToUnixTimeSeconds(), file.GetProperty("iat").GetInt64());
            Assert.Equal(app.Time.GetUtcNow().AddDays(30).ToUnixTimeSeconds(), file.GetProperty("exp").GetInt64());
            // The licensing model's claims, read as jose decoded them: the effective entitlements, the policy's grace and
            // check-in interval, and the machine a bound file is for.
            Assert.Equal([issued.Entitlement], file.GetProperty("entitlements").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(7 * 86400, file.GetProperty("gracePeriod").GetInt64());
            Assert.Equal(60 * 86400, file.GetProperty("checkInInterval").GetInt64());
            if (bound)
            {
                Assert.Equal(Fingerprint, file.Str("fingerprint"));
                Assert.Equal(issued.MachineId, file.Str("machineId"));
                Assert.Equal("exact", file.Str("fingerprintMatching"));
            }
            else
            {
                Assert.Equal(JsonValueKind.Null, file.GetProperty("fingerprint").ValueKind);
                Assert.Equal(JsonValueKind.Null, file.GetProperty("machineId").ValueKind);
            }
        }
    }

    /// <summary>
    /// The conformance kit (docs/vectors), judged by the independent verifier: every license file case a plain JOSE
    /// verifier can judge (marked <c>independent</c>) and every signed answer, with the verdict the kit states.
    /// </summary>
    [Fact]
    public async Task TheIndependentVerifierReachesTheKitsVerdicts()
    {
        using var files = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(NodeVerifier.RepositoryRoot, "docs", "vectors", "license-files.json")));
        using var responses = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(NodeVerifier.RepositoryRoot, "docs", "vectors", "responses.json")));
        static string? Optional(JsonElement element, string name) => element.TryGetProperty(name, out var value) ? value.GetString() : null;
        static bool Valid(JsonElement kitCase) => kitCase.GetProperty("expected").Str("code") == "VALID";

        var fileCases = files.RootElement.GetProperty("cases").EnumerateArray().Where(c => c.GetProperty("independent").GetBoolean()).ToList();
        var jobs = fileCases.Select(c =>
        {
            var options = c.GetProperty("options");
            return new VerifierJob
            {
                Name = "file: " + c.Str("name"),
                Jwks = files.RootElement.GetProperty("keys").GetProperty(c.Str("keys")).Clone(),
                Now = DateTimeOffset.Parse(options.Str("now"), System.Globalization.CultureInfo.InvariantCulture),
                LicenseFile = c.Str("file"),
                LicenseKey = Optional(options, "license_key"),
                ProductId = Optional(options, "product_id"),
                Fingerprint = Optional(options, "fingerprint"),
                ExpectValid = Valid(c),
            };
        }).ToList();
        var responseCases = responses.RootElement.GetProperty("cases").EnumerateArray().ToList();
        jobs.AddRange(responseCases.Select(c => new VerifierJob
        {
            Name = "answer: " + c.Str("name"),
            Jwks = responses.RootElement.GetProperty("keys").GetProperty(c.Str("keys")).Clone(),
            Now = DateTimeOffset.Parse(c.GetProperty("headers").Str("date"), System.Globalization.CultureInfo.InvariantCulture),
            Response = new CapturedResponse(c.GetProperty("status").GetInt32(),
                c.GetProperty("headers").EnumerateObject().ToDictionary(h => h.Name, h => h.Value.GetString()!), Convert.ToBase64String(Encoding.UTF8.GetBytes(c.Str("body")))),
            Nonce = c.Str("nonce"),
            ExpectValid = Valid(c),
        }));

        // RunAsync asserts every verdict; here, that the kit gave it enough of each kind to judge.
        await NodeVerifier.RunAsync(jobs);
        Assert.True(fileCases.Count(Valid) >= 5 && fileCases.Count(c => !Valid(c)) >= 12, $"{fileCases.Count} independent license file cases");
        Assert.True(responseCases.Count >= 8, $"{responseCases.Count} answer cases");
    }

    [Fact]
    public async Task JoseRejectsEveryAlteredOrForeignLicenseFile()
    {
        var issued = await IssueAsync();
        var jobs = new List<VerifierJob>
        {
            // Controls: the untouched files verify in the same run, so the rejections below are the forgeries'.
            issued.Job("plain", issued.Plain),
            issued.Job("encrypted", issued.Encrypted),
            issued.Job("bound", issued.Bound, fingerprint: Fingerprint),
        };

        // Every character of the compact JWS / JWE changed in turn: each change alters the decoded bytes.
        foreach (var (kind, file, fingerprint) in new[] { ("plain", issued.Plain, (string?)null), ("encrypted", issued.Encrypted, null), ("bound", issued.Bound, Fingerprint) })
        {
            var token = Unarmor(file);
            for (var position = 0; position < token.Length; position++)
            {
                var altered = AlterTokenCharacter(file, position);
                Assert.Equal(1, file.Zip(altered).Count(pair => pair.First != pair.Second));
                jobs.Add(issued.Job($"{kind}: {PartAt(token, position)} altered at {position}", altered, fingerprint) with { ExpectValid = false });
            }
        }

        // The claims re-signed by a key the JWKS does not hold, under the server's kid.
        var plainToken = Unarmor(issued.Plain);
        var signingInput = plainToken[..plainToken.LastIndexOf('.')];
        using (var impostor = SigningKey.Generate())
        {
            var forged = Armor(signingInput + "." + System.Buffers.Text.Base64Url.EncodeToString(impostor.Sign(Encoding.ASCII.GetBytes(signingInput))));
            jobs.Add(issued.Job("signed by another key under the server's kid", forged) with { ExpectValid = false });
        }

        // Untouched files, but checked against the wrong trust, the wrong secret or the wrong time.
        var (otherAccount, _) = await app.CreateAccountAsync($"Interop other {Guid.NewGuid():N}");
        using (var anonymous = app.CreateClient(apiKey: null, basePath: "/"))
        {
            var otherJwks = await JwksAsync(anonymous, $".well-known/jwks.json?account={otherAccount}");
            Assert.DoesNotContain(issued.KeyId, otherJwks.GetRawText(), StringComparison.Ordinal);
            jobs.Add(issued.Job("plain, another account's JWKS", issued.Plain) with { Jwks = otherJwks, ExpectValid = false });
            jobs.Add(issued.Job("encrypted, another account's JWKS", issued.Encrypted) with { Jwks = otherJwks, ExpectValid = false });
        }

        jobs.Add(issued.Job("encrypted, another license key", issued.Encrypted) with { LicenseKey = "LIC-00000-00000-00000", ExpectValid = false });
        jobs.Add(issued.Job("bound, another machine", issued.Bound, fingerprint: Fingerprint[..^1] + "1") with { ExpectValid = false });
        jobs.Add(issued.Job("bound, no fingerprint", issued.Bound) with { ExpectValid = false });
        jobs.Add(issued.Job("plain, another license expected", issued.Plain) with { LicenseId = "lic_someoneelse", ExpectValid = false });
        jobs.Add(issued.Job("plain, after its time to live", issued.Plain) with { Now = app.Time.GetUtcNow().AddDays(31), ExpectValid = false });
        jobs.Add(issued.Job("bound, after its time to live", issued.Bound, fingerprint: Fingerprint) with { Now = app.Time.GetUtcNow().AddDays(31), ExpectValid = false });

        var results = await NodeVerifier.RunAsync(jobs);

        // Each refusal for the reason the forgery targets, in jose's own words where jose decides.
        Assert.Contains("signature verification failed", Error(results, "signed by another key under the server's kid"));
        Assert.Contains("no applicable key found in the JSON Web Key Set", Error(results, "plain, another account's JWKS"));
        Assert.Contains("decryption operation failed", Error(results, "encrypted, another license key"));
        Assert.Contains("decryption operation failed", Error(results, "bound, another machine"));
        Assert.Contains("needs the machine fingerprint", Error(results, "bound, no fingerprint"));
        Assert.Contains("unexpected \"sub\" claim value", Error(results, "plain, another license expected"));
        Assert.Contains("\"exp\" claim timestamp check failed", Error(results, "plain, after its time to live"));
        Assert.Contains("\"exp\" claim timestamp check failed", Error(results, "bound, after its time to live"));
    }

    [Fact]
    public async Task SignedVerifyResponsesVerifyWithHttpMessageSignaturesGivenOnlyTheJwks()
    {
        var issued = await IssueAsync();
        using var client = app.CreateAdminClient();
        var nonce = NewNonce();
        var valid = await VerifyAsync(client, issued.LicenseKey, nonce);
        var unknownNonce = NewNonce();
        var unknown = await VerifyAsync(client, "LIC-00000-00000-00000", unknownNonce);

        // What the wire carried: the three covered components and the signature over them.
        Assert.Equal(ResponseSignature.ContentDigest(valid.Body), valid.Headers["content-digest"]);
        Assert.Equal(ResponseSignature.HttpDate(app.Time.GetUtcNow()), valid.Headers["date"]);
        Assert.StartsWith("licenz=(\"@status\" \"content-digest\" \"date\");", valid.Headers["signature-input"], StringComparison.Ordinal);

        var results = await NodeVerifier.RunAsync(
        [
            issued.ResponseJob("valid license", valid, nonce),
            issued.ResponseJob("unknown license", unknown, unknownNonce),
        ]);

        var checkedValid = results["valid license"].GetProperty("response");
        Assert.Equal(issued.KeyId, checkedValid.Str("keyid"));
        Assert.Equal("ed25519", checkedValid.Str("alg"));
        Assert.Equal(nonce, checkedValid.Str("nonce"));
        Assert.Equal(app.Time.GetUtcNow().ToUnixTimeSeconds(), checkedValid.GetProperty("created").GetInt64());
        Assert.True(checkedValid.GetProperty("valid").GetBoolean());
        Assert.Equal("VALID", checkedValid.Str("code"));

        // "Not found" is signed too: nothing in between can turn it into "valid".
        var checkedUnknown = results["unknown license"].GetProperty("response");
        Assert.False(checkedUnknown.GetProperty("valid").GetBoolean());
        Assert.Equal("NOT_FOUND", checkedUnknown.Str("code"));
        Assert.Equal(unknownNonce, checkedUnknown.Str("nonce"));
    }

    [Fact]
    public async Task HttpMessageSignaturesRejectsForgedAndReplayedResponses()
    {
        var issued = await IssueAsync();
        using var client = app.CreateAdminClient();
        var nonce = NewNonce();
        var response = await VerifyAsync(client, issued.LicenseKey, nonce);
        var unknownNonce = NewNonce();
        var unknown = await VerifyAsync(client, "LIC-00000-00000-00000", unknownNonce);

        // One byte of the body changed (VALID → VALIE), the digest left as signed; then the digest recomputed too.
        var body = response.Body;
        var at = Encoding.ASCII.GetString(body).IndexOf("\"VALID\"", StringComparison.Ordinal) + 5;
        Assert.True(at > 5);
        var altered = (byte[])body.Clone();
        altered[at] = (byte)'E';
        var alteredBody = response.WithBody(altered);

        // "Not found" turned into "valid": the body rewritten with its digest, under the signature of the real answer.
        var forgedValid = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(unknown.Body)
            .Replace("\"valid\":false", "\"valid\":true", StringComparison.Ordinal)
            .Replace("\"NOT_FOUND\"", "\"VALID\"", StringComparison.Ordinal));
        Assert.NotEqual(unknown.Body, forgedValid);

        var (otherAccount, _) = await app.CreateAccountAsync($"Interop other {Guid.NewGuid():N}");
        JsonElement otherJwks;
        using (var anonymous = app.CreateClient(apiKey: null, basePath: "/"))
        {
            otherJwks = await JwksAsync(anonymous, $".well-known/jwks.json?account={otherAccount}");
        }

        var results = await NodeVerifier.RunAsync(
        [
            issued.ResponseJob("untouched", response, nonce),
            issued.ResponseJob("body altered", alteredBody, nonce) with { ExpectValid = false },
            issued.ResponseJob("body altered, digest recomputed", alteredBody.WithHeader("content-digest", ResponseSignature.ContentDigest(altered)), nonce) with { ExpectValid = false },
            issued.ResponseJob("not found forged into valid", unknown.WithBody(forgedValid).WithHeader("content-digest", ResponseSignature.ContentDigest(forgedValid)), unknownNonce) with { ExpectValid = false },
            issued.ResponseJob("status altered", response with { Status = 203 }, nonce) with { ExpectValid = false },
            issued.ResponseJob("date altered", response.WithHeader("date", ResponseSignature.HttpDate(app.Time.GetUtcNow().AddSeconds(1))), nonce) with { ExpectValid = false },
            issued.ResponseJob("replayed for another nonce", response, NewNonce()) with { ExpectValid = false },
            issued.ResponseJob("signature of another response", response.WithHeader("signature", unknown.Headers["signature"]), nonce) with { ExpectValid = false },
            issued.ResponseJob("another account's JWKS", response, nonce) with { Jwks = otherJwks, ExpectValid = false },
        ]);

        Assert.Contains("does not match its Content-Digest", ResponseError(results, "body altered"));
        Assert.Contains("signature does not verify", ResponseError(results, "body altered, digest recomputed"));
        Assert.Contains("signature does not verify", ResponseError(results, "not found forged into valid"));
        Assert.Contains("signature does not verify", ResponseError(results, "status altered"));
        Assert.Contains("signature does not verify", ResponseError(results, "date altered"));
        Assert.Contains("a replay", ResponseError(results, "replayed for another nonce"));
        Assert.Contains("signature does not verify", ResponseError(results, "signature of another response"));
        Assert.Contains("Unknown key", ResponseError(results, "another account's JWKS"));
    }

    private sealed record Issued(
        string LicenseId, string LicenseKey, string ProductId, string KeyId, JsonElement Jwks, JsonElement ApiJwks,
        string Plain, string Encrypted, string Bound, DateTimeOffset Now, string MachineId, string Entitlement)
    {
        public VerifierJob Job(string name, string file, string? fingerprint = null) => new()
        {
            Name = name,
            Jwks = Jwks,
            Now = Now,
            LicenseFile = file,
            LicenseId = LicenseId,
            LicenseKey = LicenseKey,
            ProductId = ProductId,
            Fingerprint = fingerprint,
        };

        public VerifierJob ResponseJob(string name, CapturedResponse response, string nonce) => new()
        {
            Name = name,
            Jwks = Jwks,
            Now = Now,
            Response = response,
            Nonce = nonce,
        };
    }

    /// <summary>
    /// A product, a policy with an entitlement, a grace period and a check-in interval, a license of it with metadata and
    /// a machine activated on it, its three kinds of license file, and the JWKS fetched anonymously.
    /// </summary>
    private async Task<Issued> IssueAsync()
    {
        using var client = app.CreateAdminClient();
        var product = (await (await client.PostJsonAsync("products", new { name = $"Interop {Guid.NewGuid():N}" })).DataAsync(HttpStatusCode.Created)).Str("id");
        var entitlement = "export.pdf-" + Guid.NewGuid().ToString("N")[..6];
        await (await client.PostJsonAsync("entitlements", new { code = entitlement, name = "PDF export" })).DataAsync(HttpStatusCode.Created);
        var policy = await (await client.PostJsonAsync("policies", new
        {
            product_id = product,
            name = "Interop",
            duration = "P365D",
            grace_period = "P7D",
            check_in_interval = "P60D",
            entitlements = new[] { entitlement },
        })).DataAsync(HttpStatusCode.Created);
        var license = await (await client.PostJsonAsync("licenses", new
        {
            product_id = product,
            policy_id = policy.Str("id"),
            email = "holder@example.com",
            metadata = new { edition = "pro", seats = 3, note = "ünïcødé \"quoted\"" },
        })).DataAsync(HttpStatusCode.Created);
        var licenseId = license.Str("id");
        var machine = await (await client.PostJsonAsync("machines", new { key = license.Str("key"), fingerprint = Fingerprint, components = new { board = "b-1", cpu = "c-1" } }))
            .DataAsync(HttpStatusCode.Created);

        async Task<JsonElement> CheckOutAsync(object body, bool encrypted, string? fingerprint)
        {
            var data = await (await client.PostJsonAsync($"licenses/{licenseId}/license-file", body)).DataAsync();
            Assert.Equal(encrypted, data.GetProperty("encrypted").GetBoolean());
            Assert.Equal(fingerprint, data.GetProperty("fingerprint").GetString());
            return data;
        }

        var plain = await CheckOutAsync(new { }, encrypted: false, fingerprint: null);
        var encrypted = await CheckOutAsync(new { encrypt = true }, encrypted: true, fingerprint: null);
        var bound = await CheckOutAsync(new { encrypt = true, fingerprint = Fingerprint }, encrypted: true, fingerprint: Fingerprint);

        using var anonymous = app.CreateClient(apiKey: null, basePath: "/");
        var jwks = await JwksAsync(anonymous, ".well-known/jwks.json");
        var apiJwks = await JwksAsync(anonymous, "api/v1/.well-known/jwks.json");
        var keyId = plain.Str("key_id");
        Assert.Contains(jwks.GetProperty("keys").EnumerateArray(), k => k.Str("kid") == keyId);

        Assert.Equal(machine.Str("id"), bound.Str("machine_id"));
        return new Issued(licenseId, license.Str("key"), product, keyId, jwks, apiJwks,
            plain.Str("license_file"), encrypted.Str("license_file"), bound.Str("license_file"), app.Time.GetUtcNow(), machine.Str("id"), entitlement);
    }

    private static async Task<JsonElement> JwksAsync(HttpClient anonymous, string path)
    {
        using var response = await anonymous.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/jwk-set+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static async Task<CapturedResponse> VerifyAsync(HttpClient client, string key, string nonce)
    {
        using var response = await client.PostJsonAsync("licenses/verify", new { key, nonce });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await CapturedResponse.FromAsync(response);
    }

    /// <summary>A nonce as a client would make one: random base64, so it carries + / = through the signature.</summary>
    private static string NewNonce() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    private static string Error(IReadOnlyDictionary<string, JsonElement> results, string name) =>
        results[name].GetProperty("licenseFile").Str("error");

    private static string ResponseError(IReadOnlyDictionary<string, JsonElement> results, string name) =>
        results[name].GetProperty("response").Str("error");

    private static string Unarmor(string file)
    {
        var lines = file.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(LicenseFile.BeginLine, lines[0]);
        Assert.Equal(LicenseFile.EndLine, lines[^1]);
        return string.Concat(lines[1..^1]);
    }

    private static string Armor(string token) =>
        LicenseFile.BeginLine + "\n" + string.Concat(token.Chunk(64).Select(line => new string(line) + "\n")) + LicenseFile.EndLine + "\n";

    /// <summary>The name of the part of a compact JWS or JWE that a position falls in.</summary>
    private static string PartAt(string token, int position)
    {
        string[] names = token.Count(c => c == '.') == 4 ? ["JWE header", "encrypted key", "IV", "ciphertext", "tag"] : ["JWS header", "payload", "signature"];
        return token[position] == '.' ? "separator" : names[token[..position].Count(c => c == '.')];
    }

    private const string Base64UrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// <summary>
    /// Changes the character at a position of the armored token (the armor's line breaks not counted). A base64url
    /// character has the top bit of its 6 flipped — never only the unused low bits of a part's last character, which
    /// lenient decoders (jose's among them) ignore, so the decoded bytes always change; a separator becomes a letter.
    /// </summary>
    private static string AlterTokenCharacter(string file, int position)
    {
        var index = LicenseFile.BeginLine.Length + 1 + position + (position / 64);
        var chars = file.ToCharArray();
        var value = Base64UrlAlphabet.IndexOf(chars[index], StringComparison.Ordinal);
        chars[index] = value < 0 ? 'A' : Base64UrlAlphabet[value ^ 32];
        return new string(chars);
    }
}

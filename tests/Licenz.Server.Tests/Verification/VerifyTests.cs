using System.Globalization;
using System.Net;
using System.Text.Json;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.Verification;

/// <summary>
/// <c>POST /licenses/verify</c>: HTTP 200 with <c>valid</c> and a code for every outcome, the license's public
/// fields (never the customer's email), the caller's nonce echoed, and the last validation time recorded.
/// </summary>
public sealed class VerifyTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnActiveLicenseIsValid()
    {
        using var client = app.CreateAdminClient();
        var license = await CreateLicenseAsync(client, await CreateProductAsync(client));

        var response = await client.PostJsonAsync("licenses/verify", new { key = license.Str("key") });

        var result = await response.DataAsync(HttpStatusCode.OK);
        Assert.True(result.GetProperty("valid").GetBoolean());
        Assert.Equal("VALID", result.Str("code"));
        Assert.False(string.IsNullOrWhiteSpace(result.Str("detail")));
        Assert.Equal(JsonValueKind.Null, result.GetProperty("nonce").ValueKind);
        Assert.Equal(Iso(app.Time.GetUtcNow()), result.Str("verified_at"));
        Assert.Equal(license.Str("id"), result.GetProperty("license").Str("id"));
    }

    [Fact]
    public async Task TheAnswerCarriesTheLicensesPublicFieldsAndNeverTheEmail()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        const string email = "private.person@example.com";
        var license = await CreateLicenseAsync(client, product, "subscription", email, new { metadata = new { edition = "pro", seats = 3 } });

        var response = await client.PostJsonAsync("licenses/verify", new { key = license.Str("key") });

        var text = await response.Content.ReadAsStringAsync(Ct);
        var shown = (await response.DataAsync()).GetProperty("license");
        foreach (var field in new[] { "id", "key", "product_id", "type", "status", "expires_at", "created_at" })
        {
            Assert.Equal(license.Str(field), shown.Str(field));
        }

        Assert.True(JsonElement.DeepEquals(license.GetProperty("metadata"), shown.GetProperty("metadata")));
        Assert.False(shown.TryGetProperty("email", out _), shown.GetRawText());
        Assert.DoesNotContain(email, text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("private.person", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AnUnknownKeyIsNotFoundWithNoLicense()
    {
        using var client = app.CreateAdminClient();

        var result = await VerifyAsync(client, new { key = LicenseKeyGenerator.Generate() });

        AssertVerdict(result, valid: false, "NOT_FOUND");
        Assert.Equal(JsonValueKind.Null, result.GetProperty("license").ValueKind);
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("LIC-UUUUU-UUUUU-UUUUU")]
    [InlineData("LIC-00000-00000-00001")]
    [InlineData("LIC-00000-00000-0000")]
    [InlineData("lic_00000000000000000000000000")]
    [InlineData("12345")]
    [InlineData("' OR 1=1 --")]
    [InlineData("LIC-😀😀😀😀😀-00000-00000")]
    public async Task AMalformedKeyIsNotFoundWithNoLicense(string key)
    {
        using var client = app.CreateAdminClient();

        var result = await VerifyAsync(client, new { key, nonce = "n-0123456789" });

        AssertVerdict(result, valid: false, "NOT_FOUND");
        Assert.Equal(JsonValueKind.Null, result.GetProperty("license").ValueKind);
        Assert.Equal("n-0123456789", result.Str("nonce"));
    }

    [Fact]
    public async Task AKeyOfAnotherAccountIsNotFoundAndLeavesNoTrace()
    {
        using var client = app.CreateAdminClient();
        var (_, otherKey) = await app.CreateAccountAsync("Other vendor (verify)");
        using var other = app.CreateClient(otherKey);
        var theirs = await CreateLicenseAsync(other, await CreateProductAsync(other));

        var result = await VerifyAsync(client, new { key = theirs.Str("key"), product_id = theirs.Str("product_id") });
        await app.FlushActivityAsync();

        AssertVerdict(result, valid: false, "NOT_FOUND");
        Assert.Equal(JsonValueKind.Null, result.GetProperty("license").ValueKind);
        var fetched = await GetLicenseAsync(other, theirs.Str("id"));
        Assert.Equal(JsonValueKind.Null, fetched.GetProperty("last_validated_at").ValueKind);
        Assert.Equal("VALID", (await VerifyAsync(other, new { key = theirs.Str("key") })).Str("code"));
    }

    [Fact]
    public async Task ASuspendedLicenseIsNotValid()
    {
        using var client = app.CreateAdminClient();
        var license = await CreateLicenseAsync(client, await CreateProductAsync(client));
        await (await client.PostAsync($"licenses/{license.Str("id")}/suspend", null, Ct)).DataAsync();

        var result = await VerifyAsync(client, new { key = license.Str("key") });

        AssertVerdict(result, valid: false, "SUSPENDED");
        Assert.Equal("suspended", result.GetProperty("license").Str("status"));
    }

    [Fact]
    public async Task AnExpiredLicenseIsNotValid()
    {
        using var client = app.CreateAdminClient();
        var license = await CreateLicenseAsync(client, await CreateProductAsync(client), "trial", extra: new { expires_at = Iso(app.Time.GetUtcNow().AddHours(1)) });
        Assert.Equal("VALID", (await VerifyAsync(client, new { key = license.Str("key") })).Str("code"));

        app.Time.Advance(TimeSpan.FromHours(1));
        var result = await VerifyAsync(client, new { key = license.Str("key") });

        AssertVerdict(result, valid: false, "EXPIRED");
        Assert.Equal("expired", result.GetProperty("license").Str("status"));
        Assert.Equal(license.Str("expires_at"), result.GetProperty("license").Str("expires_at"));
    }

    [Fact]
    public async Task ARevokedLicenseIsNotValid()
    {
        using var client = app.CreateAdminClient();
        var license = await CreateLicenseAsync(client, await CreateProductAsync(client));
        await (await client.PostAsync($"licenses/{license.Str("id")}/revoke", null, Ct)).DataAsync();

        var result = await VerifyAsync(client, new { key = license.Str("key") });

        AssertVerdict(result, valid: false, "REVOKED");
        Assert.Equal("revoked", result.GetProperty("license").Str("status"));
    }

    [Fact]
    public async Task ARevokedLicenseStaysRevokedAfterItsExpiry()
    {
        using var client = app.CreateAdminClient();
        var license = await CreateLicenseAsync(client, await CreateProductAsync(client), "trial", extra: new { expires_at = Iso(app.Time.GetUtcNow().AddMinutes(5)) });
        await (await client.PostAsync($"licenses/{license.Str("id")}/revoke", null, Ct)).DataAsync();
        app.Time.Advance(TimeSpan.FromMinutes(10));

        AssertVerdict(await VerifyAsync(client, new { key = license.Str("key") }), valid: false, "REVOKED");
    }

    [Fact]
    public async Task ALicenseOfAnotherProductIsAScopeMismatch()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var otherProduct = await CreateProductAsync(client);
        var license = await CreateLicenseAsync(client, product);

        var mismatch = await VerifyAsync(client, new { key = license.Str("key"), product_id = otherProduct });
        var unknownProduct = await VerifyAsync(client, new { key = license.Str("key"), product_id = "prod_00000000000000000000000000" });
        var match = await VerifyAsync(client, new { key = license.Str("key"), product_id = product });

        AssertVerdict(mismatch, valid: false, "PRODUCT_SCOPE_MISMATCH");
        Assert.Equal(product, mismatch.GetProperty("license").Str("product_id"));
        AssertVerdict(unknownProduct, valid: false, "PRODUCT_SCOPE_MISMATCH");
        AssertVerdict(match, valid: true, "VALID");
    }

    [Fact]
    public async Task TheRightProductDoesNotHideASuspension()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var license = await CreateLicenseAsync(client, product);
        await (await client.PostAsync($"licenses/{license.Str("id")}/suspend", null, Ct)).DataAsync();

        AssertVerdict(await VerifyAsync(client, new { key = license.Str("key"), product_id = product }), valid: false, "SUSPENDED");
    }

    [Fact]
    public async Task TheNonceIsEchoedInEveryOutcome()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var active = await CreateLicenseAsync(client, product);
        var revoked = await CreateLicenseAsync(client, product);
        await (await client.PostAsync($"licenses/{revoked.Str("id")}/revoke", null, Ct)).DataAsync();
        const string nonce = "3q2+7w==-._~:/0123456789";

        foreach (var key in new[] { active.Str("key"), revoked.Str("key"), LicenseKeyGenerator.Generate(), "garbage" })
        {
            var result = await VerifyAsync(client, new { key, nonce });
            Assert.Equal(nonce, result.Str("nonce"));
        }

        var longest = new string('n', 128);
        Assert.Equal(longest, (await VerifyAsync(client, new { key = active.Str("key"), nonce = longest })).Str("nonce"));
    }

    [Fact]
    public async Task EveryOutcomeIsHttp200()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var valid = await CreateLicenseAsync(client, product);
        var suspended = await CreateLicenseAsync(client, product);
        var revoked = await CreateLicenseAsync(client, product);
        var expired = await CreateLicenseAsync(client, product, "trial", extra: new { expires_at = Iso(app.Time.GetUtcNow().AddSeconds(30)) });
        await (await client.PostAsync($"licenses/{suspended.Str("id")}/suspend", null, Ct)).DataAsync();
        await (await client.PostAsync($"licenses/{revoked.Str("id")}/revoke", null, Ct)).DataAsync();
        app.Time.Advance(TimeSpan.FromMinutes(1));

        var cases = new (object Body, string Code)[]
        {
            (new { key = valid.Str("key") }, "VALID"),
            (new { key = LicenseKeyGenerator.Generate() }, "NOT_FOUND"),
            (new { key = "not a key" }, "NOT_FOUND"),
            (new { key = suspended.Str("key") }, "SUSPENDED"),
            (new { key = expired.Str("key") }, "EXPIRED"),
            (new { key = revoked.Str("key") }, "REVOKED"),
            (new { key = valid.Str("key"), product_id = "prod_other" }, "PRODUCT_SCOPE_MISMATCH"),
        };

        foreach (var (body, code) in cases)
        {
            var response = await client.PostJsonAsync("licenses/verify", body);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var result = await response.DataAsync();
            AssertVerdict(result, valid: code == "VALID", code);
        }
    }

    [Theory]
    [InlineData("verify_only")]
    [InlineData("read_only")]
    public async Task VerifyOnlyAndReadOnlyKeysCanVerify(string type)
    {
        using var admin = app.CreateAdminClient();
        var license = await CreateLicenseAsync(admin, await CreateProductAsync(admin));
        var created = await (await admin.PostJsonAsync("api-keys", new { type, name = $"{type} verifier" })).DataAsync(HttpStatusCode.Created);
        using var client = app.CreateClient(created.Str("key"));

        var result = await VerifyAsync(client, new { key = license.Str("key"), nonce = type });

        AssertVerdict(result, valid: true, "VALID");
        Assert.Equal(type, result.Str("nonce"));
        Assert.False(result.GetProperty("license").TryGetProperty("email", out _));
    }

    [Fact]
    public async Task AVerifyOnlyKeyCanVerifyButNotReadTheLicense()
    {
        using var admin = app.CreateAdminClient();
        var license = await CreateLicenseAsync(admin, await CreateProductAsync(admin));
        var created = await (await admin.PostJsonAsync("api-keys", new { type = "verify_only", name = "Desktop app" })).DataAsync(HttpStatusCode.Created);
        using var client = app.CreateClient(created.Str("key"));

        AssertVerdict(await VerifyAsync(client, new { key = license.Str("key") }), valid: true, "VALID");
        await (await client.GetAsync($"licenses/{license.Str("id")}", Ct)).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task TheLastValidationTimeIsRecordedAtTheServersClock()
    {
        using var client = app.CreateAdminClient();
        var license = await CreateLicenseAsync(client, await CreateProductAsync(client));
        var id = license.Str("id");
        app.Time.Advance(TimeSpan.FromMinutes(3));
        var first = Iso(app.Time.GetUtcNow());

        await VerifyAsync(client, new { key = license.Str("key") });
        await app.FlushActivityAsync();
        Assert.Equal(first, (await GetLicenseAsync(client, id)).Str("last_validated_at"));

        app.Time.Advance(TimeSpan.FromHours(2));
        var second = Iso(app.Time.GetUtcNow());
        await VerifyAsync(client, new { key = license.Str("key").ToLowerInvariant() });
        await app.FlushActivityAsync();
        Assert.Equal(second, (await GetLicenseAsync(client, id)).Str("last_validated_at"));
    }

    [Fact]
    public async Task AFailedVerificationOfAKnownLicenseIsRecordedToo()
    {
        using var client = app.CreateAdminClient();
        var license = await CreateLicenseAsync(client, await CreateProductAsync(client));
        await (await client.PostAsync($"licenses/{license.Str("id")}/suspend", null, Ct)).DataAsync();
        app.Time.Advance(TimeSpan.FromSeconds(42));

        AssertVerdict(await VerifyAsync(client, new { key = license.Str("key") }), valid: false, "SUSPENDED");
        await app.FlushActivityAsync();

        Assert.Equal(Iso(app.Time.GetUtcNow()), (await GetLicenseAsync(client, license.Str("id"))).Str("last_validated_at"));
    }

    [Fact]
    public async Task AKeyTypedInLowerCaseWithoutDashesVerifies()
    {
        using var client = app.CreateAdminClient();
        var license = await CreateLicenseAsync(client, await CreateProductAsync(client));
        var key = license.Str("key");

        foreach (var typed in new[] { key.ToLowerInvariant().Replace("-", "", StringComparison.Ordinal), key[4..].ToLowerInvariant(), $"  {key}  " })
        {
            var result = await VerifyAsync(client, new { key = typed });
            AssertVerdict(result, valid: true, "VALID");
            Assert.Equal(key, result.GetProperty("license").Str("key"));
        }
    }

    [Fact]
    public async Task ALicenseDeletedIsNotFound()
    {
        using var client = app.CreateAdminClient();
        var license = await CreateLicenseAsync(client, await CreateProductAsync(client));
        await (await client.DeleteAsync($"licenses/{license.Str("id")}", Ct)).DataAsync();

        AssertVerdict(await VerifyAsync(client, new { key = license.Str("key") }), valid: false, "NOT_FOUND");
    }

    [Theory]
    [InlineData("""{}""", "key")]
    [InlineData("""{"key": ""}""", "key")]
    [InlineData("""{"key": 12345}""", "key")]
    [InlineData("""{"key": "LIC-00000-00000-00000", "fingerprint_typo": "x"}""", "fingerprint_typo")]
    [InlineData("""{"key": "LIC-00000-00000-00000", "product_id": 5}""", "product_id")]
    public async Task ARequestWithoutAUsableKeyFieldIsABadRequest(string json, string field)
    {
        using var client = app.CreateAdminClient();

        var response = await client.PostRawAsync("licenses/verify", json);

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal(field, error.Str("field"));
    }

    /// <summary>The nonce is echoed into the response signature's parameters, so it is held to a token alphabet.</summary>
    [Theory]
    [InlineData("n-0123456789-too-long")]
    [InlineData("short")]
    [InlineData("ñ-0123456789")]
    [InlineData("has space 0123")]
    [InlineData("quote\"0123456")]
    public async Task ANonceOutsideEightToOneHundredTwentyEightTokenCharactersIsRefused(string nonce)
    {
        using var client = app.CreateAdminClient();
        var value = nonce == "n-0123456789-too-long" ? new string('n', 129) : nonce;

        var response = await client.PostJsonAsync("licenses/verify", new { key = LicenseKeyGenerator.Generate(), nonce = value });

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("nonce", error.Str("field"));
    }

    // ---- helpers ----

    private static void AssertVerdict(JsonElement result, bool valid, string code)
    {
        Assert.Equal(code, result.Str("code"));
        Assert.Equal(valid, result.GetProperty("valid").GetBoolean());
        Assert.False(string.IsNullOrWhiteSpace(result.Str("detail")));
        Assert.Matches("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$", result.Str("verified_at"));
        var license = result.GetProperty("license");
        Assert.Equal(code == "NOT_FOUND" ? JsonValueKind.Null : JsonValueKind.Object, license.ValueKind);
        if (license.ValueKind == JsonValueKind.Object)
        {
            Assert.False(license.TryGetProperty("email", out _), license.GetRawText());
        }
    }

    private static async Task<JsonElement> VerifyAsync(HttpClient client, object body) =>
        await (await client.PostJsonAsync("licenses/verify", body)).DataAsync(HttpStatusCode.OK);

    private static async Task<string> CreateProductAsync(HttpClient client)
    {
        var response = await client.PostJsonAsync("products", new { name = $"Verify {Guid.NewGuid():N}" });
        return (await response.DataAsync(HttpStatusCode.Created)).Str("id");
    }

    private static async Task<JsonElement> CreateLicenseAsync(
        HttpClient client, string productId, string type = "subscription", string email = "holder@example.com", object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["product_id"] = productId, ["email"] = email, ["type"] = type };
        if (extra is not null)
        {
            foreach (var property in JsonSerializer.SerializeToElement(extra).EnumerateObject())
            {
                body[property.Name] = property.Value;
            }
        }

        return await (await client.PostJsonAsync("licenses", body)).DataAsync(HttpStatusCode.Created);
    }

    private static async Task<JsonElement> GetLicenseAsync(HttpClient client, string id) =>
        await (await client.GetAsync($"licenses/{id}", Ct)).DataAsync();

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

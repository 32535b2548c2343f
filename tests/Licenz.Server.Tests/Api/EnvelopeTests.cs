using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.Api;

/// <summary>
/// The page's response format: every success is <c>{"data": …}</c> (lists add <c>pagination</c>), every error on
/// every path is exactly <c>{"error": {"code", "message", "status"}}</c>, nothing is cached, no internals leak, and
/// the API answers the same under <c>/api/v1</c> and <c>/v1</c>.
/// </summary>
public sealed class EnvelopeTests(EnvelopeApplication app) : IClassFixture<EnvelopeApplication>
{
    private const string InvalidKeyMessage = "The API key provided is invalid or expired";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("GET", "/api/v1/nope", true)]
    [InlineData("GET", "/api/v1/nope", false)]
    [InlineData("GET", "/nope", true)]
    [InlineData("GET", "/nope", false)]
    [InlineData("GET", "/api/v2/licenses", true)]
    [InlineData("GET", "/api/v2/licenses", false)]
    [InlineData("GET", "/v2/licenses", true)]
    [InlineData("GET", "/v1x/licenses", true)]
    [InlineData("GET", "/api/v1/licenses/lic_0000/nope", true)]
    [InlineData("POST", "/api/v1/nope", true)]
    [InlineData("DELETE", "/api/v1", true)]
    [InlineData("GET", "/v1/nope", true)]
    public async Task UnknownRoutesAreNotFoundInTheEnvelope(string method, string path, bool withKey)
    {
        using var client = app.CreateClient(withKey ? app.AdminKey : null, "/");

        using var response = await SendAsync(client, method, path, method == "POST" ? """{"name":"x"}""" : null);

        var error = await ErrorAsync(response, HttpStatusCode.NotFound, "not_found");
        // A hint about the methods a path accepts may follow; the route itself is named exactly as sent.
        Assert.StartsWith($"No such endpoint: {method} {path}.", error.Str("message"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PUT", "/api/v1/licenses", "GET, POST")]
    [InlineData("DELETE", "/api/v1/licenses", "GET, POST")]
    [InlineData("PUT", "/api/v1/products", "GET, POST")]
    [InlineData("PUT", "/api/v1/licenses/{license}", "DELETE, GET, PATCH")]
    [InlineData("POST", "/api/v1/products/{product}", "DELETE, GET, PATCH")]
    [InlineData("GET", "/api/v1/licenses/{license}/suspend", "POST")]
    [InlineData("DELETE", "/api/v1/licenses/{license}/renew", "POST")]
    [InlineData("PATCH", "/api/v1/api-keys", "GET, POST")]
    [InlineData("GET", "/api/v1/api-keys/key_0000", "DELETE")]
    [InlineData("PUT", "/v1/licenses", "GET, POST")]
    public async Task AWrongMethodIsNotFoundAndNamesTheMethodsThePathAccepts(string method, string path, string accepted)
    {
        using var client = app.CreateClient(app.AdminKey, "/");
        path = app.Fill(path);

        using var response = await SendAsync(client, method, path, method is "PUT" or "POST" or "PATCH" ? """{"name":"x"}""" : null);

        var error = await ErrorAsync(response, HttpStatusCode.NotFound, "not_found");
        var message = error.Str("message");
        Assert.StartsWith($"No such endpoint: {method} {path}.", message, StringComparison.Ordinal);
        var named = message[(message.IndexOf("accepts:", StringComparison.Ordinal) + "accepts:".Length)..]
            .Trim(' ', '.').Split(", ").Order(StringComparer.Ordinal);
        Assert.Equal(accepted.Split(", "), named);
    }

    [Theory]
    [InlineData(null, "unauthorized", "Missing API key")]
    [InlineData("Bearer lzk_admin_doesnotexist0000000000000000", "invalid_api_key", InvalidKeyMessage)]
    [InlineData("Bearer not-even-the-right-shape", "invalid_api_key", InvalidKeyMessage)]
    [InlineData("Basic dXNlcjpwYXNzd29yZA==", "unauthorized", "Bearer YOUR_API_KEY")]
    [InlineData("Bearer", "unauthorized", "Bearer YOUR_API_KEY")]
    [InlineData("Token abc", "unauthorized", "Bearer YOUR_API_KEY")]
    public async Task MissingOrUnknownKeysAreUnauthorizedInTheEnvelope(string? authorization, string code, string says)
    {
        using var client = app.CreateClient(null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "licenses");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await client.SendAsync(request, Cancel);

        var error = await ErrorAsync(response, HttpStatusCode.Unauthorized, code);
        Assert.Contains(says, error.Str("message"), StringComparison.Ordinal);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task RevokedAndExpiredKeysGetThePagesInvalidKeyError()
    {
        foreach (var key in new[] { app.RevokedKey, app.ExpiredKey })
        {
            using var client = app.CreateClient(key);
            using var response = await client.GetAsync("products", Cancel);

            var error = await ErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_api_key");
            Assert.Equal(InvalidKeyMessage, error.Str("message"));
        }
    }

    [Theory]
    [InlineData("read_only", "POST", "products", """{"name":"Not allowed"}""")]
    [InlineData("read_only", "DELETE", "licenses/{license}", null)]
    [InlineData("read_only", "GET", "api-keys", null)]
    [InlineData("verify_only", "GET", "licenses", null)]
    [InlineData("verify_only", "PATCH", "products/{product}", """{"name":"Not allowed"}""")]
    [InlineData("verify_only", "POST", "api-keys", """{"type":"admin","name":"Escalation"}""")]
    public async Task KeysWithoutThePermissionAreForbiddenInTheEnvelope(string keyType, string method, string path, string? body)
    {
        using var client = app.CreateClient(keyType == "read_only" ? app.ReadOnlyKey : app.VerifyOnlyKey);
        app.Time.Advance(TimeSpan.FromMinutes(1));
        var before = await app.SnapshotDatabaseAsync();

        using var response = await SendAsync(client, method, app.Fill(path), body);

        var error = await ErrorAsync(response, HttpStatusCode.Forbidden, "forbidden");
        Assert.Contains($"This {keyType} API key cannot", error.Str("message"), StringComparison.Ordinal);
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Theory]
    [InlineData("GET", "licenses/lic_0000000000000000000000000", null, "lic_0000000000000000000000000")]
    [InlineData("GET", "licenses/LIC-AAAAA-AAAAA-AAAAA", null, "LIC-AAAAA-AAAAA-AAAAA")]
    [InlineData("PATCH", "licenses/lic_0000000000000000000000000", """{"email":"a@example.com"}""", "lic_0000000000000000000000000")]
    [InlineData("DELETE", "licenses/lic_0000000000000000000000000", null, "lic_0000000000000000000000000")]
    [InlineData("POST", "licenses/lic_0000000000000000000000000/suspend", null, "lic_0000000000000000000000000")]
    [InlineData("POST", "licenses/lic_0000000000000000000000000/renew", """{"days":30}""", "lic_0000000000000000000000000")]
    [InlineData("GET", "products/prod_0000000000000000000000000", null, "prod_0000000000000000000000000")]
    [InlineData("PATCH", "products/prod_0000000000000000000000000", """{"name":"x"}""", "prod_0000000000000000000000000")]
    [InlineData("DELETE", "products/prod_0000000000000000000000000", null, "prod_0000000000000000000000000")]
    [InlineData("DELETE", "api-keys/key_0000000000000000000000000", null, "key_0000000000000000000000000")]
    [InlineData("GET", "products/{other_product}", null, "{other_product}")]
    [InlineData("DELETE", "products/{other_product}", null, "{other_product}")]
    [InlineData("GET", "licenses/{other_license}", null, "{other_license}")]
    public async Task UnknownIdsAreNotFoundInTheEnvelopeAndNamed(string method, string path, string? body, string id)
    {
        using var client = app.CreateAdminClient();
        app.Time.Advance(TimeSpan.FromMinutes(1));
        var before = await app.SnapshotDatabaseAsync();

        using var response = await SendAsync(client, method, app.Fill(path), body);

        var error = await ErrorAsync(response, HttpStatusCode.NotFound, "not_found");
        Assert.Contains($"'{app.Fill(id)}'", error.Str("message"), StringComparison.Ordinal);
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Theory]
    [InlineData("GET", "licenses?limit=0", null, "limit", "limit")]
    [InlineData("GET", "licenses?limit=many", null, "limit", "limit")]
    [InlineData("GET", "licenses?limit=1&limit=2", null, "limit", "more than once")]
    [InlineData("GET", "licenses?status=bogus", null, "status", "active, suspended, revoked, expired")]
    [InlineData("GET", "licenses?cursor=not-a-cursor", null, "cursor", "cursor")]
    [InlineData("GET", "products?colour=red", null, "colour", "Unknown query parameter 'colour'")]
    [InlineData("POST", "products", "{}", "name", "'name' is required")]
    [InlineData("POST", "licenses", """{"product_id":"prod_0000000000000000000000000","email":"a@example.com","type":"trial"}""", "product_id", "no product")]
    [InlineData("POST", "licenses/{license}/reinstate", null, null, "not suspended")]
    [InlineData("DELETE", "products/{product}", null, null, "still has")]
    public async Task BadRequestsAreInTheEnvelopeAndNameTheFieldAtFault(string method, string path, string? body, string? field, string says)
    {
        using var client = app.CreateAdminClient();
        app.Time.Advance(TimeSpan.FromMinutes(1));
        var before = await app.SnapshotDatabaseAsync();

        using var response = await SendAsync(client, method, app.Fill(path), body);

        var error = await ErrorAsync(response, HttpStatusCode.BadRequest, "bad_request");
        Assert.Contains(says, error.Str("message"), StringComparison.Ordinal);
        if (field is null)
        {
            Assert.False(error.TryGetProperty("field", out _));
        }
        else
        {
            Assert.Equal(field, error.Str("field"));
        }

        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Fact]
    public async Task ABodyThatIsNotJsonIsABadRequestInTheEnvelope()
    {
        using var client = app.CreateAdminClient();

        using var response = await client.PostAsync("products", new StringContent("name=Widget", Encoding.UTF8, "text/plain"), Cancel);

        var error = await ErrorAsync(response, HttpStatusCode.BadRequest, "bad_request");
        Assert.Contains("Content-Type: application/json", error.Str("message"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "products/{product}", null, HttpStatusCode.OK)]
    [InlineData("GET", "licenses/{license}", null, HttpStatusCode.OK)]
    [InlineData("GET", "licenses/{license_key}", null, HttpStatusCode.OK)]
    [InlineData("POST", "products", """{"name":"Envelope check"}""", HttpStatusCode.Created)]
    [InlineData("POST", "licenses", """{"product_id":"{product}","email":"envelope@example.com","type":"perpetual"}""", HttpStatusCode.Created)]
    [InlineData("PATCH", "products/{product}", """{"metadata":{"checked":true}}""", HttpStatusCode.OK)]
    [InlineData("POST", "licenses/verify", """{"key":"{license_key}","nonce":"n-0123456789"}""", HttpStatusCode.OK)]
    [InlineData("POST", "api-keys", """{"type":"verify_only","name":"Envelope check"}""", HttpStatusCode.Created)]
    public async Task ASingleResultIsAnObjectUnderData(string method, string path, string? body, HttpStatusCode status)
    {
        using var client = app.CreateAdminClient();

        using var response = await SendAsync(client, method, app.Fill(path), body is null ? null : app.Fill(body));

        var root = await SuccessAsync(response, status);
        Assert.Equal(["data"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Object, root.GetProperty("data").ValueKind);
    }

    [Fact]
    public async Task ADeleteAnswersWithTheDeletedIdUnderData()
    {
        using var client = app.CreateAdminClient();
        var product = await (await client.PostJsonAsync("products", new { name = "Short-lived" })).DataAsync(HttpStatusCode.Created);

        using var response = await client.DeleteAsync($"products/{product.Str("id")}", Cancel);

        var root = await SuccessAsync(response, HttpStatusCode.OK);
        Assert.Equal(["data"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(product.Str("id"), root.GetProperty("data").Str("id"));
        Assert.True(root.GetProperty("data").GetProperty("deleted").GetBoolean());
    }

    [Theory]
    [InlineData("licenses")]
    [InlineData("products")]
    [InlineData("api-keys")]
    public async Task AListIsAnArrayUnderDataWithPagination(string resource)
    {
        using var client = app.CreateAdminClient();

        using var response = await client.GetAsync($"{resource}?limit=1", Cancel);

        var root = await SuccessAsync(response, HttpStatusCode.OK);
        Assert.Equal(["data", "pagination"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Array, root.GetProperty("data").ValueKind);
        Assert.Single(root.GetProperty("data").EnumerateArray());
        var pagination = root.GetProperty("pagination");
        Assert.Equal(["has_more", "limit", "next_cursor", "total"], pagination.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(1, pagination.GetProperty("limit").GetInt32());
        Assert.True(pagination.GetProperty("total").GetInt32() >= 2, $"The fixture made at least two {resource}: {pagination}");
        Assert.True(pagination.GetProperty("has_more").GetBoolean());

        var next = await SuccessAsync(await client.GetAsync($"{resource}?limit=1&cursor={pagination.Str("next_cursor")}", Cancel), HttpStatusCode.OK);
        Assert.NotEqual(root.GetProperty("data")[0].Str("id"), next.GetProperty("data")[0].Str("id"));
    }

    [Fact]
    public async Task AnEmptyListIsStillDataWithPagination()
    {
        using var client = app.CreateAdminClient();

        using var response = await client.GetAsync("licenses?email=nobody@example.com", Cancel);

        var root = await SuccessAsync(response, HttpStatusCode.OK);
        Assert.Empty(root.GetProperty("data").EnumerateArray());
        var pagination = root.GetProperty("pagination");
        Assert.Equal(0, pagination.GetProperty("total").GetInt32());
        Assert.False(pagination.GetProperty("has_more").GetBoolean());
        Assert.Equal(JsonValueKind.Null, pagination.GetProperty("next_cursor").ValueKind);
    }

    public static TheoryData<string, string, string, string?> AnyResponse => new()
    {
        { "admin", "GET", "/api/v1/licenses", null },
        { "admin", "POST", "/api/v1/products", """{"name":"Cache check"}""" },
        { "admin", "POST", "/api/v1/licenses/verify", """{"key":"LIC-AAAAA-AAAAA-AAAAA"}""" },
        { "admin", "GET", "/v1/products", null },
        { "admin", "GET", "/api/v1/nope", null },
        { "admin", "PUT", "/api/v1/licenses", null },
        { "admin", "GET", "/api/v1/licenses?limit=0", null },
        { "admin", "GET", "/api/v1/products/prod_0000000000000000000000000", null },
        { "admin", "POST", "/api/v1/products", "{" },
        { "none", "GET", "/api/v1/licenses", null },
        { "read_only", "POST", "/api/v1/products", """{"name":"Nope"}""" },
    };

    [Theory]
    [MemberData(nameof(AnyResponse))]
    public async Task NoResponseMayBeCached(string key, string method, string path, string? body)
    {
        using var client = app.CreateClient(key switch { "admin" => app.AdminKey, "read_only" => app.ReadOnlyKey, _ => null }, "/");

        using var response = await SendAsync(client, method, path, body);

        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
    }

    [Theory]
    [MemberData(nameof(AnyResponse))]
    public async Task NoResponseRevealsInternals(string key, string method, string path, string? body)
    {
        using var client = app.CreateClient(key switch { "admin" => app.AdminKey, "read_only" => app.ReadOnlyKey, _ => null }, "/");

        using var response = await SendAsync(client, method, path, body);

        var text = await response.Content.ReadAsStringAsync(Cancel);
        AssertNoInternals(text);
        Assert.False(response.Headers.Contains("Server"), "The Server header names the web server.");
        Assert.False(response.Headers.Contains("X-Powered-By"));
    }

    [Theory]
    [InlineData("/api/v1", "/v1")]
    [InlineData("/v1", "/api/v1")]
    public async Task AProductCreatedUnderOneBaseIsReadUnderTheOtherAndLocatedUnderItsOwn(string createdUnder, string readUnder)
    {
        using var creator = app.CreateClient(app.AdminKey, createdUnder + "/");
        using var reader = app.CreateClient(app.AdminKey, readUnder + "/");
        using var root = app.CreateClient(app.AdminKey, "/");

        using var created = await creator.PostJsonAsync("products", new { name = $"Made under {createdUnder}" });
        var product = await created.DataAsync(HttpStatusCode.Created);

        Assert.Equal($"{createdUnder}/products/{product.Str("id")}", created.Headers.Location?.OriginalString);
        var viaLocation = await (await root.GetAsync(created.Headers.Location, Cancel)).DataAsync();
        var viaOtherBase = await (await reader.GetAsync($"products/{product.Str("id")}", Cancel)).DataAsync();
        Assert.Equal(product.GetRawText(), viaLocation.GetRawText());
        Assert.Equal(product.GetRawText(), viaOtherBase.GetRawText());
    }

    [Theory]
    [InlineData("/api/v1", "/v1")]
    [InlineData("/v1", "/api/v1")]
    public async Task ALicenseCreatedUnderOneBaseIsReadAndVerifiedUnderTheOther(string createdUnder, string readUnder)
    {
        using var creator = app.CreateClient(app.AdminKey, createdUnder + "/");
        using var reader = app.CreateClient(app.AdminKey, readUnder + "/");
        using var verifier = app.CreateClient(app.VerifyOnlyKey, readUnder + "/");

        using var created = await creator.PostJsonAsync("licenses", new { product_id = app.ProductId, email = "bases@example.com", type = "subscription" });
        var license = await created.DataAsync(HttpStatusCode.Created);

        Assert.Equal($"{createdUnder}/licenses/{license.Str("id")}", created.Headers.Location?.OriginalString);
        var read = await (await reader.GetAsync($"licenses/{license.Str("id")}", Cancel)).DataAsync();
        Assert.Equal(license.GetRawText(), read.GetRawText());
        var verified = await (await verifier.PostJsonAsync("licenses/verify", new { key = license.Str("key") })).DataAsync();
        Assert.Equal("VALID", verified.Str("code"));
        Assert.Equal(license.Str("id"), verified.GetProperty("license").Str("id"));
    }

    [Theory]
    [InlineData("/api/v1")]
    [InlineData("/v1")]
    public async Task AnApiKeyIsLocatedUnderTheBaseItWasCreatedThrough(string createdUnder)
    {
        using var creator = app.CreateClient(app.AdminKey, createdUnder + "/");

        using var created = await creator.PostJsonAsync("api-keys", new { type = "read_only", name = $"Made under {createdUnder}" });
        var key = await created.DataAsync(HttpStatusCode.Created);

        Assert.Equal($"{createdUnder}/api-keys/{key.Str("id")}", created.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("licenses")]
    [InlineData("products")]
    [InlineData("api-keys")]
    [InlineData("licenses/{license}")]
    [InlineData("products/{product}")]
    public async Task BothBasesGiveTheSameAnswer(string path)
    {
        using var full = app.CreateClient(app.AdminKey, "/api/v1/");
        using var alias = app.CreateClient(app.AdminKey, "/v1/");

        var viaFull = await (await full.GetAsync(app.Fill(path), Cancel)).Content.ReadAsStringAsync(Cancel);
        var viaAlias = await (await alias.GetAsync(app.Fill(path), Cancel)).Content.ReadAsStringAsync(Cancel);

        Assert.StartsWith("{\"data\":", viaFull, StringComparison.Ordinal);
        Assert.Equal(viaFull, viaAlias);
    }

    [Fact]
    public async Task ErrorsUnderTheShortBaseNameThePathAsItWasSent()
    {
        using var client = app.CreateClient(app.AdminKey, "/");

        using var response = await client.GetAsync("/v1/licenses/lic_0000000000000000000000000/nope", Cancel);

        var error = await ErrorAsync(response, HttpStatusCode.NotFound, "not_found");
        Assert.Equal("No such endpoint: GET /v1/licenses/lic_0000000000000000000000000/nope.", error.Str("message"));
    }

    /// <summary>The shared envelope check, plus what every response carries: no caching, rate-limit headers, no internals.</summary>
    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var error = await response.ErrorAsync(status, code);
        AssertNoInternals(await response.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        foreach (var header in new[] { "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset" })
        {
            Assert.True(response.Headers.Contains(header), $"No {header} on a {(int)status} {code}.");
        }

        return error;
    }

    private static async Task<JsonElement> SuccessAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    private static void AssertNoInternals(string body)
    {
        foreach (var leak in new[] { "   at ", "Exception", ".cs:line", "Licenz.Server.", "System.", "Microsoft.", "StackTrace", "SQLite" })
        {
            Assert.DoesNotContain(leak, body, StringComparison.OrdinalIgnoreCase);
        }
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string path, string? json)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (json is not null)
        {
            request.Content = Infrastructure.Api.Json(json);
        }

        return client.SendAsync(request, Cancel);
    }
}

/// <summary>
/// A server with a product that has a license, read-only and verify-only keys, a revoked and an expired key, and
/// another account with a product and a license of its own.
/// </summary>
public sealed class EnvelopeApplication : LicenzApplication
{
    public string ProductId { get; private set; } = "";

    public string LicenseId { get; private set; } = "";

    public string LicenseKey { get; private set; } = "";

    public string ReadOnlyKey { get; private set; } = "";

    public string VerifyOnlyKey { get; private set; } = "";

    public string RevokedKey { get; private set; } = "";

    public string ExpiredKey { get; private set; } = "";

    public string OtherProductId { get; private set; } = "";

    public string OtherLicenseId { get; private set; } = "";

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        using var admin = CreateAdminClient();
        ProductId = (await (await admin.PostJsonAsync("products", new { name = "Envelope product" })).DataAsync(HttpStatusCode.Created)).Str("id");
        var license = await (await admin.PostJsonAsync("licenses", new { product_id = ProductId, email = "customer@example.com", type = "subscription" }))
            .DataAsync(HttpStatusCode.Created);
        (LicenseId, LicenseKey) = (license.Str("id"), license.Str("key"));
        await (await admin.PostJsonAsync("products", new { name = "Second product" })).DataAsync(HttpStatusCode.Created);
        await (await admin.PostJsonAsync("licenses", new { product_id = ProductId, email = "second@example.com", type = "trial" })).DataAsync(HttpStatusCode.Created);

        ReadOnlyKey = await NewKeyAsync(admin, "read_only", null);
        VerifyOnlyKey = await NewKeyAsync(admin, "verify_only", null);
        var revoked = await (await admin.PostJsonAsync("api-keys", new { type = "admin", name = "Revoked" })).DataAsync(HttpStatusCode.Created);
        RevokedKey = revoked.Str("key");
        await (await admin.DeleteAsync($"api-keys/{revoked.Str("id")}")).DataAsync();
        var expiresAt = Time.GetUtcNow().AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        ExpiredKey = await NewKeyAsync(admin, "admin", expiresAt);
        Time.Advance(TimeSpan.FromHours(2));

        var (_, otherAdminKey) = await CreateAccountAsync("Other account");
        using var other = CreateClient(otherAdminKey);
        OtherProductId = (await (await other.PostJsonAsync("products", new { name = "Theirs" })).DataAsync(HttpStatusCode.Created)).Str("id");
        OtherLicenseId = (await (await other.PostJsonAsync("licenses", new { product_id = OtherProductId, email = "theirs@example.com", type = "perpetual" }))
            .DataAsync(HttpStatusCode.Created)).Str("id");
    }

    /// <summary>Fills <c>{product}</c>, <c>{license}</c>, <c>{license_key}</c>, <c>{other_product}</c> and <c>{other_license}</c>.</summary>
    public string Fill(string text) => text
        .Replace("{product}", ProductId, StringComparison.Ordinal)
        .Replace("{license}", LicenseId, StringComparison.Ordinal)
        .Replace("{license_key}", LicenseKey, StringComparison.Ordinal)
        .Replace("{other_product}", OtherProductId, StringComparison.Ordinal)
        .Replace("{other_license}", OtherLicenseId, StringComparison.Ordinal);

    private static async Task<string> NewKeyAsync(HttpClient admin, string type, string? expiresAt) =>
        (await (await admin.PostJsonAsync("api-keys", new { type, name = $"{type} key", expires_at = expiresAt })).DataAsync(HttpStatusCode.Created)).Str("key");
}

using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.Api;

/// <summary>
/// The API page (api-authentication), statement by statement, replayed against the server. Each test names the
/// sentence it checks; the deeper suites (authorization matrix, bad input, rate limits, dashboard) cover each in full.
/// </summary>
public sealed partial class ApiPageTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    // "The Licenz API uses API keys for authentication. All requests must include your API key in the header."
    [Fact]
    public async Task ARequestWithoutTheApiKeyHeaderIsRefused()
    {
        using var anonymous = app.CreateClient(apiKey: null);

        var response = await anonymous.GetAsync("licenses");

        var error = await response.ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Contains("Authorization: Bearer", error.Str("message"), StringComparison.Ordinal);
    }

    // "Include your API key in the Authorization header: curl https://…/v1/licenses -H "Authorization: Bearer YOUR_API_KEY""
    [Fact]
    public async Task TheCurlExampleListsLicensesUnderTheV1Base()
    {
        using var client = app.CreateClient(app.AdminKey, "/v1/");

        var response = await client.GetAsync("licenses");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(JsonValueKind.Array, (await response.DataAsync()).ValueKind);
    }

    // "Admin — Full access — Dashboard, management scripts"
    [Fact]
    public async Task AnAdminKeyHasFullAccess()
    {
        using var admin = app.CreateAdminClient();
        var product = await (await admin.PostJsonAsync("products", new { name = "Admin access" })).DataAsync(HttpStatusCode.Created);
        var license = await (await admin.PostJsonAsync("licenses", new { product_id = product.Str("id"), email = "a@example.com", type = "perpetual" })).DataAsync(HttpStatusCode.Created);

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"licenses/{license.Str("id")}/suspend", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("api-keys")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"licenses/{license.Str("id")}")).StatusCode);
    }

    // "Read-only — Read licenses, products — Reporting, monitoring"
    [Fact]
    public async Task AReadOnlyKeyReadsLicensesAndProductsButWritesNothing()
    {
        using var reader = app.CreateClient(await KeyAsync("read_only"));
        var before = await app.SnapshotDatabaseAsync();

        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("licenses")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("products")).StatusCode);
        await (await reader.PostJsonAsync("products", new { name = "Not allowed" })).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(before, await SnapshotIgnoringUsageAsync(before));
    }

    // "Verify-only — Verify licenses only — Client applications"
    [Fact]
    public async Task AVerifyOnlyKeyVerifiesLicensesOnly()
    {
        using var verifier = app.CreateClient(await KeyAsync("verify_only"));

        Assert.Equal(HttpStatusCode.OK, (await verifier.PostJsonAsync("licenses/verify", new { key = LicenseKeyGenerator.Generate() })).StatusCode);
        await (await verifier.GetAsync("licenses")).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await verifier.GetAsync("products")).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    // "Self-hosted: https://your-domain.com/api/v1"
    [Fact]
    public async Task TheSelfHostedBaseIsApiV1()
    {
        using var client = app.CreateAdminClient();

        Assert.Equal(new Uri(app.HttpsAddress, "/api/v1/"), client.BaseAddress);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("licenses")).StatusCode);
    }

    // "Use HTTPS (HTTP requests will be rejected)"
    [Fact]
    public async Task AnHttpRequestIsRejected()
    {
        using var plain = app.CreateHttpClient(app.AdminKey);

        var response = await plain.GetAsync("licenses");

        var error = await response.ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Contains("HTTPS is required", error.Str("message"), StringComparison.Ordinal);
    }

    // "Send JSON bodies with Content-Type: application/json"
    [Fact]
    public async Task ABodyThatIsNotJsonIsRefused()
    {
        using var client = app.CreateAdminClient();

        var response = await client.PostAsync("products", new StringContent("name=Form", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"));

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Contains("Content-Type: application/json", error.Str("message"), StringComparison.Ordinal);
    }

    // "Response Format: All responses are JSON with consistent structure" — the error example, word for word.
    [Fact]
    public async Task TheErrorExampleIsWhatAnInvalidKeyGets()
    {
        using var client = app.CreateClient("lz_admin_" + new string('Z', 40));

        var response = await client.GetAsync("licenses");

        var body = await response.BodyAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_api_key", body.GetProperty("error").Str("code"));
        Assert.Equal("The API key provided is invalid or expired", body.GetProperty("error").Str("message"));
        Assert.Equal(401, body.GetProperty("error").GetProperty("status").GetInt32());
    }

    // The error code table: 400 bad_request, 401 unauthorized, 403 forbidden, 404 not_found (429 and 500 in their own suites).
    [Fact]
    public async Task EachErrorCodeOfTheTableComesWithItsStatus()
    {
        using var admin = app.CreateAdminClient();
        using var anonymous = app.CreateClient(apiKey: null);
        using var verifier = app.CreateClient(await KeyAsync("verify_only"));

        await (await admin.PostRawAsync("licenses", "{")).ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        await (await anonymous.GetAsync("licenses")).ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await (await verifier.GetAsync("licenses")).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await admin.GetAsync("licenses/lic_missing")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    // "Rate limit headers are included in all responses"
    [Fact]
    public async Task RateLimitHeadersAreOnSuccessesAndErrorsAlike()
    {
        using var admin = app.CreateAdminClient();
        using var anonymous = app.CreateClient(apiKey: null);

        foreach (var response in new[] { await admin.GetAsync("licenses"), await anonymous.GetAsync("licenses"), await admin.GetAsync("nope") })
        {
            // When the oldest request of the budget leaves its sliding minute: within the next minute.
            var now = app.Time.GetUtcNow().ToUnixTimeSeconds();
            Assert.True(long.TryParse(response.Headers.GetValues("X-RateLimit-Reset").Single(), out var reset));
            Assert.InRange(reset, now, now + 60);
            Assert.NotEmpty(response.Headers.GetValues("X-RateLimit-Limit").Single());
            Assert.NotEmpty(response.Headers.GetValues("X-RateLimit-Remaining").Single());
        }
    }

    private async Task<string> KeyAsync(string type)
    {
        using var admin = app.CreateAdminClient();
        return (await (await admin.PostJsonAsync("api-keys", new { type, name = type + " page test" })).DataAsync(HttpStatusCode.Created)).Str("key");
    }

    /// <summary>A snapshot of now, but with last-used times taken from <paramref name="before"/>'s rows (reads record their key's use).</summary>
    private async Task<string> SnapshotIgnoringUsageAsync(string before)
    {
        var now = await app.SnapshotDatabaseAsync();
        return UsageColumn().Replace(now, "LastUsedAt=…") == UsageColumn().Replace(before, "LastUsedAt=…") ? before : now;
    }

    [GeneratedRegex("LastUsedAt=[^|]*")]
    private static partial Regex UsageColumn();

    [Fact]
    public async Task TheCreateLicenseExampleAnswersWithThePagesFields()
    {
        using var client = app.CreateAdminClient();
        var product = await (await client.PostJsonAsync("products", new { name = "Page example" })).DataAsync(HttpStatusCode.Created);

        var response = await client.PostJsonAsync("licenses", new
        {
            product_id = product.Str("id"),
            email = "customer@example.com",
            type = "subscription",
        });

        var license = await response.DataAsync(HttpStatusCode.Created);
        Assert.Matches("^lic_[0-9a-z]+$", license.Str("id"));
        Assert.Matches(LicenseKeyPattern(), license.Str("key"));
        Assert.Equal(product.Str("id"), license.Str("product_id"));
        Assert.Equal("active", license.Str("status"));
        Assert.Equal("2026-01-15T10:30:00Z", license.Str("created_at"));
    }

    [GeneratedRegex("^LIC-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$")]
    private static partial Regex LicenseKeyPattern();
}

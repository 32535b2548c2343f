using System.Net;
using System.Text.Json;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.Metrics;

/// <summary>
/// <c>/metrics</c>, scraped over HTTPS after real requests: each series moves by exactly what the requests did. The
/// exporter publishes only its own host's meters, so other test hosts running at the same time do not show here.
/// </summary>
public sealed class MetricsTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private const string VerifyRoute = "/api/v1/licenses/verify";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task VerificationsAreTimedPerRouteAndCountedByCodeWithTheirCacheLookups()
    {
        using var admin = app.CreateAdminClient();
        var product = await (await admin.PostJsonAsync("products", new { name = "Metered" })).DataAsync(HttpStatusCode.Created);
        var license = await (await admin.PostJsonAsync("licenses", new { product_id = product.Str("id"), email = "metered@example.com", type = "perpetual" }))
            .DataAsync(HttpStatusCode.Created);
        var before = await Scrape.TakeAsync(app);

        Assert.Equal("VALID", await VerifyAsync(admin, license.Str("key")));
        Assert.Equal("VALID", await VerifyAsync(admin, license.Str("key")));
        await (await admin.PostAsync($"licenses/{license.Str("id")}/suspend", null)).DataAsync();
        Assert.Equal("SUSPENDED", await VerifyAsync(admin, license.Str("key")));
        Assert.Equal("NOT_FOUND", await VerifyAsync(admin, LicenseKeyGenerator.Generate()));
        var after = await Scrape.TakeAsync(app);

        double Moved(string name, params (string, string)[] labels) => after.Sum(name, labels) - before.Sum(name, labels);

        // Per endpoint: the route template, never the path a client sent.
        (string, string)[] verify200 = [("http_route", VerifyRoute), ("http_request_method", "POST"), ("http_response_status_code", "200")];
        Assert.Equal("histogram", after.TypeOf("http_server_request_duration_seconds"));
        Assert.Equal(4, Moved("http_server_request_duration_seconds_count", verify200));
        Assert.True(Moved("http_server_request_duration_seconds_sum", verify200) > 0);
        Assert.Equal(4, Moved("http_server_request_duration_seconds_bucket", [.. verify200, ("le", "+Inf")]));
        Assert.Contains(after.Matching("http_server_request_duration_seconds_bucket", verify200), bucket => bucket.Labels["le"] == "0.005");
        Assert.Equal(1, Moved("http_server_request_duration_seconds_count", ("http_route", "/api/v1/licenses/{id}/suspend")));
        Assert.DoesNotContain(after.Samples, sample => sample.Labels.TryGetValue("http_route", out var route) && route.Contains("metrics", StringComparison.Ordinal));

        Assert.Equal("counter", after.TypeOf("licenz_verifications_total"));
        Assert.Equal(2, Moved("licenz_verifications_total", ("code", "VALID")));
        Assert.Equal(1, Moved("licenz_verifications_total", ("code", "SUSPENDED")));
        Assert.Equal(1, Moved("licenz_verifications_total", ("code", "NOT_FOUND")));
        Assert.Equal(4, Moved("licenz_verifications_total"));

        // The first verification reads the database and fills the cache, the second is served from it; the suspension
        // drops the entry (read again), and an unknown key is always a read.
        Assert.Equal(1, Moved("licenz_cache_lookups_total", ("cache", "license"), ("result", "hit")));
        Assert.Equal(3, Moved("licenz_cache_lookups_total", ("cache", "license"), ("result", "miss")));

        // The admin key was read when the product was created: each of the five requests since found it in memory.
        Assert.Equal(5, Moved("licenz_cache_lookups_total", ("cache", "api_key"), ("result", "hit")));
        Assert.Equal(0, Moved("licenz_cache_lookups_total", ("cache", "api_key"), ("result", "miss")));

        Assert.Equal(1, after.Sum("target_info", ("service_name", "licenz")));
    }

    [Fact]
    public async Task NoSeriesNamesAnAccountAKeyOrACustomer()
    {
        using var admin = app.CreateAdminClient();
        var product = await (await admin.PostJsonAsync("products", new { name = "Private" })).DataAsync(HttpStatusCode.Created);
        var license = await (await admin.PostJsonAsync("licenses", new { product_id = product.Str("id"), email = "private-customer@example.com", type = "perpetual" }))
            .DataAsync(HttpStatusCode.Created);
        var verified = await (await admin.PostJsonAsync("licenses/verify", new { key = license.Str("key") })).DataAsync();
        await (await admin.PostJsonAsync("licenses/verify", new { key = LicenseKeyGenerator.Generate() })).DataAsync();

        var scrape = await Scrape.TakeAsync(app);

        string[] secrets =
        [
            verified.Str("account_id"), app.AdminKey, license.Str("key"), license.Str("id"), product.Str("id"), "private-customer",
        ];
        Assert.All(secrets, secret => Assert.DoesNotContain(secret, scrape.Text, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task TheMetricsAreOutsideTheApiAndItsDocument()
    {
        using var root = app.CreateClient(null, "/");
        using var response = await root.GetAsync("/metrics", Cancel);
        var document = await root.GetStringAsync("/api/v1/openapi.json", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("X-RateLimit-Limit"), "A scrape must not count against a rate-limit budget.");
        Assert.True(response.Headers.CacheControl?.NoStore, "A scrape must not be cached.");
        using var parsed = JsonDocument.Parse(document);
        Assert.DoesNotContain(parsed.RootElement.GetProperty("paths").EnumerateObject(), path => path.Name.Contains("metrics", StringComparison.Ordinal));
    }

    private static async Task<string> VerifyAsync(HttpClient client, string key) =>
        (await (await client.PostJsonAsync("licenses/verify", new { key })).DataAsync()).Str("code");
}

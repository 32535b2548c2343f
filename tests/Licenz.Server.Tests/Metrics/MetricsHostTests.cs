using System.Net;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.Metrics;

/// <summary>
/// What needs a server of its own: a small budget to run out of, a writer that does not flush by itself, other access
/// settings, metrics off.
/// </summary>
public sealed class MetricsHostTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RateLimitedRequestsAreCountedByPlanOrAsAnonymous()
    {
        await using var app = new LicenzApplication()
            .WithSetting("Licenz:Plan", "free")
            .WithSetting("Licenz:AnonymousRequestsPerMinute", "2");
        await app.InitializeAsync();
        app.StartNextWindow();
        var before = await Scrape.TakeAsync(app);

        using (var anonymous = app.CreateClient(null))
        {
            // Until the first refusal (the test client's own fetch of the OpenAPI document spends some of the budget too).
            var refused = false;
            for (var i = 0; i < 3 && !refused; i++)
            {
                using var response = await anonymous.GetAsync("products", Cancel);
                refused = response.StatusCode == HttpStatusCode.TooManyRequests;
            }

            Assert.True(refused, "Three requests without a key were not refused with a budget of two.");
        }

        using (var admin = app.CreateAdminClient())
        {
            for (var i = 0; i < 100; i++)
            {
                await (await admin.GetAsync("products", Cancel)).DataAsync();
            }

            await (await admin.GetAsync("products", Cancel)).ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        }

        var after = await Scrape.TakeAsync(app);
        Assert.Equal("counter", after.TypeOf("licenz_rate_limited_requests_total"));
        Assert.Equal(1, after.Sum("licenz_rate_limited_requests_total", ("plan", "anonymous")) - before.Sum("licenz_rate_limited_requests_total", ("plan", "anonymous")));
        Assert.Equal(1, after.Sum("licenz_rate_limited_requests_total", ("plan", "free")) - before.Sum("licenz_rate_limited_requests_total", ("plan", "free")));
        Assert.Equal(2, after.Sum("licenz_rate_limited_requests_total") - before.Sum("licenz_rate_limited_requests_total"));

        // The route as the router knows it: the group's prefix and the list's pattern ("/").
        (string, string)[] refusedLists = [("http_route", "/api/v1/products/"), ("http_response_status_code", "429")];
        Assert.Equal(2, after.Sum("http_server_request_duration_seconds_count", refusedLists) - before.Sum("http_server_request_duration_seconds_count", refusedLists));
    }

    [Fact]
    public async Task TheActivityWriterReportsWhatWaitsAndHowFarItLagsBehind()
    {
        // The writer's own loop would flush every ten minutes only: the test decides when it flushes.
        await using var app = new LicenzApplication().WithSetting("Licenz:Activity:FlushInterval", "00:10:00");
        await app.InitializeAsync();
        using var admin = app.CreateAdminClient();
        var product = await (await admin.PostJsonAsync("products", new { name = "Lagging" })).DataAsync(HttpStatusCode.Created);
        var license = await (await admin.PostJsonAsync("licenses", new { product_id = product.Str("id"), email = "lag@example.com", type = "perpetual" }))
            .DataAsync(HttpStatusCode.Created);
        await app.FlushActivityAsync();

        await (await admin.PostJsonAsync("licenses/verify", new { key = license.Str("key") })).DataAsync();
        app.Time.Advance(TimeSpan.FromSeconds(42));
        var behind = await Scrape.TakeAsync(app);

        Assert.Equal("gauge", behind.TypeOf("licenz_activity_lag_seconds"));
        Assert.Equal(42, behind.Sum("licenz_activity_lag_seconds"));
        Assert.Equal(1, behind.Sum("licenz_activity_waiting", ("kind", "license")));
        Assert.Equal(1, behind.Sum("licenz_activity_waiting", ("kind", "api_key")));

        // The license was created by the group-commit writer, alone: one write, one transaction, no failed group.
        Assert.Equal("counter", behind.TypeOf("licenz_group_commit_writes_total"));
        Assert.Equal(1, behind.Sum("licenz_group_commit_writes_total"));
        Assert.Equal(1, behind.Sum("licenz_group_commit_transactions_total"));
        Assert.Equal(0, behind.Sum("licenz_group_commit_failed_groups_total"));

        await app.FlushActivityAsync();
        var caughtUp = await Scrape.TakeAsync(app);

        Assert.Equal(0, caughtUp.Sum("licenz_activity_lag_seconds"));
        Assert.Equal(0, caughtUp.Sum("licenz_activity_waiting"));
    }

    [Fact]
    public async Task TheActivityWriterIsReportedBeforeAnyRequest()
    {
        await using var app = new LicenzApplication();
        await app.InitializeAsync();

        var scrape = await Scrape.TakeAsync(app);

        Assert.Single(scrape.Matching("licenz_activity_lag_seconds"));
        Assert.Equal(0, scrape.Sum("licenz_activity_waiting", ("kind", "license")));
        Assert.Single(scrape.Matching("licenz_activity_waiting", ("kind", "api_key")));
    }

    [Fact]
    public async Task OnlyInternalNetworksMayReadTheMetricsByDefaultAsTheTrustedProxyForwardsThem()
    {
        await using var app = new LicenzApplication().WithSetting("Licenz:TrustedProxies:0", "127.0.0.1");
        await app.InitializeAsync();

        await Scrape.TakeAsync(app);
        await Scrape.TakeAsync(app, forwardedFor: "10.20.30.40");
        await Scrape.TakeAsync(app, forwardedFor: "fd00::17");
        await AssertRefusedAsync(app, forwardedFor: "203.0.113.9");
        await AssertRefusedAsync(app, forwardedFor: "2001:db8::1");
    }

    [Fact]
    public async Task ConfiguredNetworksReplaceTheDefault()
    {
        await using var app = new LicenzApplication()
            .WithSetting("Licenz:TrustedProxies:0", "127.0.0.1")
            .WithSetting("Licenz:Metrics:AllowedNetworks:0", "203.0.113.0/24")
            .WithSetting("Licenz:Metrics:AllowedNetworks:1", "198.51.100.7");
        await app.InitializeAsync();

        await Scrape.TakeAsync(app, forwardedFor: "203.0.113.9");
        await Scrape.TakeAsync(app, forwardedFor: "198.51.100.7");
        await AssertRefusedAsync(app, forwardedFor: null);
        await AssertRefusedAsync(app, forwardedFor: "10.20.30.40");
    }

    [Fact]
    public async Task MetricsCanBeTurnedOff()
    {
        await using var app = new LicenzApplication().WithSetting("Licenz:Metrics:Enabled", "false");
        await app.InitializeAsync();
        using var client = app.CreateClient(null, "/");

        using var response = await client.GetAsync("/metrics", Cancel);

        await response.ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    private static async Task AssertRefusedAsync(LicenzApplication app, string? forwardedFor)
    {
        using var client = app.CreateClient(null, "/");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        using var response = await client.SendAsync(request, Cancel);
        var error = await response.ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Contains("Licenz:Metrics:AllowedNetworks", error.Str("message"), StringComparison.Ordinal);
        Assert.DoesNotContain("licenz_", await response.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
    }
}

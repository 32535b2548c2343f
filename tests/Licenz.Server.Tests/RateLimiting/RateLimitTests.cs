using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Licenz.Server.Accounts;
using Licenz.Server.RateLimiting;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.RateLimiting;

/// <summary>A server whose default account is on the Free plan (100 requests a minute).</summary>
public sealed class FreePlanApplication : LicenzApplication
{
    public FreePlanApplication()
    {
        WithSetting("Licenz:Plan", "free");
    }
}

/// <summary>
/// A small budget for requests without a valid key, and the test client trusted as a proxy so that
/// <c>X-Forwarded-For</c> can stand for different client addresses.
/// </summary>
public sealed class AnonymousBudgetApplication : LicenzApplication
{
    public const int Budget = 5;

    public AnonymousBudgetApplication()
    {
        WithSetting("Licenz:Plan", "free");
        WithSetting("Licenz:AnonymousRequestsPerMinute", Budget.ToString(CultureInfo.InvariantCulture));
        WithSetting("Licenz:TrustedProxies:0", "127.0.0.1");
    }
}

public sealed class EnterprisePlanApplication : LicenzApplication
{
    public EnterprisePlanApplication()
    {
        WithSetting("Licenz:Plan", "enterprise");
    }
}

internal static class RateLimitHeaders
{
    public static string Header(this HttpResponseMessage response, string name)
    {
        Assert.True(response.Headers.TryGetValues(name, out var values), $"No {name} header on a {(int)response.StatusCode} response.");
        return Assert.Single(values);
    }

    public static void AssertHeaders(this HttpResponseMessage response, string limit, string remaining, long reset)
    {
        Assert.Equal(limit, response.Header("X-RateLimit-Limit"));
        Assert.Equal(remaining, response.Header("X-RateLimit-Remaining"));
        Assert.Equal(reset.ToString(CultureInfo.InvariantCulture), response.Header("X-RateLimit-Reset"));
    }

    public static void AssertHeaders(this HttpResponseMessage response, int limit, int remaining, long reset) =>
        response.AssertHeaders(limit.ToString(CultureInfo.InvariantCulture), remaining.ToString(CultureInfo.InvariantCulture), reset);
}

public sealed class RateLimitTests(FreePlanApplication app) : IClassFixture<FreePlanApplication>
{
    private const int FreeLimit = 100;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ASuccessfulResponseCarriesTheHeadersWithResetWhenItsOldestRequestLeavesTheMinute()
    {
        var window = app.StartNextWindow(secondsIn: 17);
        using var client = app.CreateAdminClient();

        using var first = await client.GetAsync("products", Cancel);
        await first.DataAsync();
        first.AssertHeaders(FreeLimit, FreeLimit - 1, window + 17 + 60);

        app.Time.Advance(TimeSpan.FromSeconds(42));
        using var second = await client.GetAsync("products", Cancel);
        await second.DataAsync();
        second.AssertHeaders(FreeLimit, FreeLimit - 2, window + 17 + 60);

        // A minute after the first, its slot is free again; the second is now the oldest.
        app.Time.Advance(TimeSpan.FromSeconds(18));
        using var third = await client.GetAsync("products", Cancel);
        await third.DataAsync();
        third.AssertHeaders(FreeLimit, FreeLimit - 2, window + 59 + 60);
    }

    [Fact]
    public async Task ErrorResponsesCarryTheHeadersOfTheBudgetTheyCountedAgainst()
    {
        using var admin = app.CreateAdminClient();

        // A fresh window for the set-up too: an earlier test may have spent this window's budget.
        app.StartNextWindow();
        var verifyKey = (await (await admin.PostJsonAsync("api-keys", new { type = "verify_only", name = "Rate limit headers" })).DataAsync(HttpStatusCode.Created)).Str("key");
        var window = app.StartNextWindow(secondsIn: 5);
        var reset = window + 5 + 60;
        var used = 0;

        using (var badRequest = await admin.PostRawAsync("products", "{\"name\": "))
        {
            await badRequest.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
            badRequest.AssertHeaders(FreeLimit, FreeLimit - ++used, reset);
        }

        // A verify-only key counts against the account's client budget, not the management one.
        using (var verifyOnly = app.CreateClient(verifyKey))
        using (var forbidden = await verifyOnly.GetAsync("products", Cancel))
        {
            await forbidden.ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
            forbidden.AssertHeaders(FreeLimit, FreeLimit - 1, reset);
        }

        using (var missing = await admin.GetAsync("products/prod_doesnotexist", Cancel))
        {
            await missing.ErrorAsync(HttpStatusCode.NotFound, "not_found");
            missing.AssertHeaders(FreeLimit, FreeLimit - ++used, reset);
        }

        using (var unknownRoute = await admin.GetAsync("no-such-endpoint", Cancel))
        {
            await unknownRoute.ErrorAsync(HttpStatusCode.NotFound, "not_found");
            unknownRoute.AssertHeaders(FreeLimit, FreeLimit - ++used, reset);
        }

        // Without a valid key the request counts against the client address, with the anonymous budget (100000 in the test host).
        using (var anonymous = app.CreateClient(apiKey: null))
        using (var unauthorized = await anonymous.GetAsync("products", Cancel))
        {
            await unauthorized.ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
            unauthorized.AssertHeaders(100_000, 100_000 - 1, reset);
        }

        using (var unknown = app.CreateClient("lz_admin_thisKeyWasNeverIssuedByThisServer000"))
        using (var invalid = await unknown.GetAsync("products", Cancel))
        {
            await invalid.ErrorAsync(HttpStatusCode.Unauthorized, "invalid_api_key");
            invalid.AssertHeaders(100_000, 100_000 - 2, reset);
        }

        using (var plain = app.CreateHttpClient(apiKey: null))
        using (var refused = await plain.GetAsync("products", Cancel))
        {
            await refused.ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
            Assert.Equal(reset.ToString(CultureInfo.InvariantCulture), refused.Header("X-RateLimit-Reset"));
            Assert.Equal("100000", refused.Header("X-RateLimit-Limit"));
        }
    }

    [Fact]
    public async Task TheHundredAndFirstRequestOnTheFreePlanIsRateLimitedNamingTheBudgetAndWritesNothing()
    {
        var window = app.StartNextWindow(secondsIn: 15);
        using var client = app.CreateAdminClient();
        for (var i = 1; i <= FreeLimit; i++)
        {
            using var response = await client.GetAsync("products", Cancel);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"Request {i} of {FreeLimit} got {(int)response.StatusCode}.");
            response.AssertHeaders(FreeLimit, FreeLimit - i, window + 15 + 60);
        }

        var before = await app.SnapshotDatabaseAsync();
        using (var limited = await client.PostJsonAsync("products", new { name = "Over the limit" }))
        {
            var error = await limited.ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
            Assert.Equal(
                "Too many requests: the management budget (admin and read-only keys) of this account's free plan allows 100 requests per minute. Retry after 60 seconds.",
                error.Str("message"));
            limited.AssertHeaders(FreeLimit, 0, window + 15 + 60);
            Assert.Equal(TimeSpan.FromSeconds(60), limited.Headers.RetryAfter?.Delta);
        }

        Assert.Equal(before, await app.SnapshotDatabaseAsync());

        app.Time.Advance(TimeSpan.FromSeconds(30));
        using (var stillLimited = await client.GetAsync("products", Cancel))
        {
            await stillLimited.ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
            Assert.Equal(TimeSpan.FromSeconds(30), stillLimited.Headers.RetryAfter?.Delta);
            stillLimited.AssertHeaders(FreeLimit, 0, window + 15 + 60);
        }
    }

    [Fact]
    public async Task ASlotComesBackAMinuteAfterTheRequestThatTookIt()
    {
        var window = app.StartNextWindow(secondsIn: 50);
        using var client = app.CreateAdminClient();
        for (var i = 1; i <= FreeLimit; i++)
        {
            using var response = await client.GetAsync("products", Cancel);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using (var limited = await client.GetAsync("products", Cancel))
        {
            await limited.ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        }

        app.Time.Advance(TimeSpan.FromSeconds(59));
        using (var lastSecond = await client.GetAsync("products", Cancel))
        {
            await lastSecond.ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
            Assert.Equal(TimeSpan.FromSeconds(1), lastSecond.Headers.RetryAfter?.Delta);
        }

        app.Time.Advance(TimeSpan.FromSeconds(1));
        using (var created = await client.PostJsonAsync("products", new { name = "After the reset" }))
        {
            await created.DataAsync(HttpStatusCode.Created);
            created.AssertHeaders(FreeLimit, FreeLimit - 1, window + 110 + 60);
            Assert.Null(created.Headers.RetryAfter);
        }
    }

    [Fact]
    public async Task CrossingAMinuteBoundaryDoesNotRefillTheBudget()
    {
        // A fixed window would let a second hundred through at 10:…:00, ten seconds after the first.
        var window = app.StartNextWindow(secondsIn: 50);
        using var client = app.CreateAdminClient();
        for (var i = 1; i <= FreeLimit; i++)
        {
            using var response = await client.GetAsync("products", Cancel);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        app.Time.SetUtcNow(DateTimeOffset.FromUnixTimeSeconds(window + 60));
        using (var nextMinute = await client.GetAsync("products", Cancel))
        {
            await nextMinute.ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
            Assert.Equal(TimeSpan.FromSeconds(50), nextMinute.Headers.RetryAfter?.Delta);
            nextMinute.AssertHeaders(FreeLimit, 0, window + 50 + 60);
        }

        app.Time.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds((window + 110) * 1000 - 1));
        using (var justBefore = await client.GetAsync("products", Cancel))
        {
            await justBefore.ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        }

        app.Time.Advance(TimeSpan.FromMilliseconds(1));
        using var aMinuteLater = await client.GetAsync("products", Cancel);
        await aMinuteLater.DataAsync();
    }

    [Fact]
    public async Task NoSixtySecondsEverLetMoreThanThePlanThrough()
    {
        // Bursts and trickles at uneven times over four minutes, across minute boundaries; then every accepted request
        // is checked against the minute that starts with it.
        var window = app.StartNextWindow(secondsIn: 40);
        using var client = app.CreateAdminClient();
        var accepted = new List<DateTimeOffset>();
        var random = new Random(20260115);
        var end = DateTimeOffset.FromUnixTimeSeconds(window + 40 + 240);
        while (app.Time.GetUtcNow() < end)
        {
            var burst = random.Next(4) == 0 ? random.Next(20, 60) : random.Next(1, 4);
            for (var i = 0; i < burst; i++)
            {
                using var response = await client.GetAsync("products?limit=1", Cancel);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    accepted.Add(app.Time.GetUtcNow());
                }
                else
                {
                    Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
                }
            }

            app.Time.Advance(TimeSpan.FromMilliseconds(random.Next(100, 4000)));
        }

        var busiest = accepted.Max(start => accepted.Count(t => t >= start && t < start.AddMinutes(1)));
        Assert.Equal(FreeLimit, busiest);
        Assert.True(accepted.Count > 3 * FreeLimit, $"Only {accepted.Count} accepted: the test did not keep the budget busy.");
    }

    [Fact]
    public async Task KeysOfOneAccountShareItsManagementBudgetAndAnotherAccountHasItsOwn()
    {
        using var admin = app.CreateAdminClient();

        // A fresh window for the set-up too: an earlier test may have spent this window's budget.
        app.StartNextWindow();
        var secondKey = (await (await admin.PostJsonAsync("api-keys", new { type = "admin", name = "Second key" })).DataAsync(HttpStatusCode.Created)).Str("key");
        var readKey = (await (await admin.PostJsonAsync("api-keys", new { type = "read_only", name = "Reporting" })).DataAsync(HttpStatusCode.Created)).Str("key");
        var (_, otherKey) = await app.CreateAccountAsync("Other account", Plan.Starter);

        var window = app.StartNextWindow();
        using var second = app.CreateClient(secondKey);
        using var reader = app.CreateClient(readKey);
        HttpClient[] clients = [admin, second, reader];
        for (var i = 1; i <= FreeLimit; i++)
        {
            using var response = await clients[i % clients.Length].GetAsync("products", Cancel);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.AssertHeaders(FreeLimit, FreeLimit - i, window + 60);
        }

        foreach (var client in clients)
        {
            using var limited = await client.GetAsync("products", Cancel);
            var error = await limited.ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
            Assert.Contains("management budget", error.Str("message"), StringComparison.Ordinal);
        }

        using var other = app.CreateClient(otherKey);
        using var otherResponse = await other.GetAsync("products", Cancel);
        await otherResponse.DataAsync();
        otherResponse.AssertHeaders(500, 499, window + 60);
    }

    [Theory]
    [InlineData(Plan.Free, "100")]
    [InlineData(Plan.Starter, "500")]
    [InlineData(Plan.Growth, "2000")]
    [InlineData(Plan.Business, "10000")]
    [InlineData(Plan.Enterprise, "unlimited")]
    public async Task AnAccountsPlanSetsItsLimit(Plan plan, string limit)
    {
        var (_, key) = await app.CreateAccountAsync($"On the {plan} plan", plan);
        var window = app.StartNextWindow(secondsIn: 3);
        using var client = app.CreateClient(key);
        using var response = await client.GetAsync("products", Cancel);
        await response.DataAsync();
        var remaining = limit == "unlimited" ? "unlimited" : (int.Parse(limit, CultureInfo.InvariantCulture) - 1).ToString(CultureInfo.InvariantCulture);
        response.AssertHeaders(limit, remaining, limit == "unlimited" ? window + 3 : window + 3 + 60);
    }
}

public sealed class AnonymousRateLimitTests(AnonymousBudgetApplication app) : IClassFixture<AnonymousBudgetApplication>
{
    private const int Budget = AnonymousBudgetApplication.Budget;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RequestsWithoutAValidKeyAreCountedPerClientAddress()
    {
        var window = app.StartNextWindow(secondsIn: 20);
        using var anonymous = app.CreateClient(apiKey: null);
        using var unknownKey = app.CreateClient("lz_read_thisKeyWasNeverIssuedByThisServer0000");
        for (var i = 1; i <= Budget; i++)
        {
            // Missing and unknown keys alike count against the address they come from.
            using var request = new HttpRequestMessage(HttpMethod.Get, "products");
            request.Headers.Add("X-Forwarded-For", "203.0.113.7");
            using var response = await (i % 2 == 0 ? unknownKey : anonymous).SendAsync(request, Cancel);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            response.AssertHeaders(Budget, Budget - i, window + 20 + 60);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, "products"))
        {
            request.Headers.Add("X-Forwarded-For", "203.0.113.7");
            using var limited = await anonymous.SendAsync(request, Cancel);
            var error = await limited.ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
            Assert.Equal(
                "Too many requests: the budget of requests without a valid API key from one address allows 5 requests per minute. Retry after 60 seconds.",
                error.Str("message"));
            limited.AssertHeaders(Budget, 0, window + 20 + 60);
            Assert.Equal(TimeSpan.FromSeconds(60), limited.Headers.RetryAfter?.Delta);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, "products"))
        {
            request.Headers.Add("X-Forwarded-For", "203.0.113.8");
            using var otherAddress = await anonymous.SendAsync(request, Cancel);
            await otherAddress.ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
            otherAddress.AssertHeaders(Budget, Budget - 1, window + 20 + 60);
        }

        // A valid key from the exhausted address is counted against its account instead.
        using (var request = new HttpRequestMessage(HttpMethod.Get, "products"))
        {
            request.Headers.Add("X-Forwarded-For", "203.0.113.7");
            using var admin = app.CreateAdminClient();
            using var authenticated = await admin.SendAsync(request, Cancel);
            await authenticated.DataAsync();
            Assert.Equal("100", authenticated.Header("X-RateLimit-Limit"));
        }

        app.StartNextWindow();
        using (var request = new HttpRequestMessage(HttpMethod.Get, "products"))
        {
            request.Headers.Add("X-Forwarded-For", "203.0.113.7");
            using var nextWindow = await anonymous.SendAsync(request, Cancel);
            await nextWindow.ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
            Assert.Equal((Budget - 1).ToString(CultureInfo.InvariantCulture), nextWindow.Header("X-RateLimit-Remaining"));
        }
    }
}

public sealed class EnterpriseRateLimitTests(EnterprisePlanApplication app) : IClassFixture<EnterprisePlanApplication>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EnterpriseResponsesSayUnlimitedWithNothingToWaitFor()
    {
        var window = app.StartNextWindow(secondsIn: 30);
        using var client = app.CreateAdminClient();
        using (var ok = await client.GetAsync("products", Cancel))
        {
            await ok.DataAsync();
            ok.AssertHeaders("unlimited", "unlimited", window + 30);
        }

        using (var missing = await client.GetAsync("licenses/lic_doesnotexist", Cancel))
        {
            await missing.ErrorAsync(HttpStatusCode.NotFound, "not_found");
            missing.AssertHeaders("unlimited", "unlimited", window + 30);
        }
    }

    [Fact]
    public async Task EnterpriseIsNeverRateLimitedEvenBeyondTheLargestPlan()
    {
        app.StartNextWindow();
        var requests = Plan.Business.RequestsPerMinute()!.Value + 50;
        var statuses = new ConcurrentDictionary<HttpStatusCode, int>();
        var next = 0;
        using var client = app.CreateAdminClient();
        var workers = Enumerable.Range(0, 8).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= requests)
            {
                using var response = await client.GetAsync("no-such-endpoint", Cancel);
                statuses.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
            }
        });
        await Task.WhenAll(workers);

        Assert.Equal(new Dictionary<HttpStatusCode, int> { [HttpStatusCode.NotFound] = requests }, statuses);
    }
}

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
    public async Task ASuccessfulResponseCarriesTheHeadersWithResetAtTheEndOfTheMinute()
    {
        var window = app.StartNextWindow(secondsIn: 17);
        using var client = app.CreateAdminClient();

        using var first = await client.GetAsync("products", Cancel);
        await first.DataAsync();
        first.AssertHeaders(FreeLimit, FreeLimit - 1, window + 60);

        app.Time.Advance(TimeSpan.FromSeconds(42));
        using var second = await client.GetAsync("products", Cancel);
        await second.DataAsync();
        second.AssertHeaders(FreeLimit, FreeLimit - 2, window + 60);
    }

    [Fact]
    public async Task ErrorResponsesCarryTheHeadersToo()
    {
        using var admin = app.CreateAdminClient();

        // A fresh window for the set-up too: an earlier test may have spent this window's budget.
        app.StartNextWindow();
        var verifyKey = (await (await admin.PostJsonAsync("api-keys", new { type = "verify_only", name = "Rate limit headers" })).DataAsync(HttpStatusCode.Created)).Str("key");
        var window = app.StartNextWindow(secondsIn: 5);
        var reset = window + 60;
        var used = 0;

        using (var badRequest = await admin.PostRawAsync("products", "{\"name\": "))
        {
            await badRequest.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
            badRequest.AssertHeaders(FreeLimit, FreeLimit - ++used, reset);
        }

        using (var verifyOnly = app.CreateClient(verifyKey))
        using (var forbidden = await verifyOnly.GetAsync("products", Cancel))
        {
            await forbidden.ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
            forbidden.AssertHeaders(FreeLimit, FreeLimit - ++used, reset);
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
    public async Task TheHundredAndFirstRequestOnTheFreePlanIsRateLimitedAndWritesNothing()
    {
        var window = app.StartNextWindow(secondsIn: 15);
        using var client = app.CreateAdminClient();
        for (var i = 1; i <= FreeLimit; i++)
        {
            using var response = await client.GetAsync("products", Cancel);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"Request {i} of {FreeLimit} got {(int)response.StatusCode}.");
            response.AssertHeaders(FreeLimit, FreeLimit - i, window + 60);
        }

        var before = await app.SnapshotDatabaseAsync();
        using (var limited = await client.PostJsonAsync("products", new { name = "Over the limit" }))
        {
            var error = await limited.ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
            Assert.Contains("100", error.Str("message"), StringComparison.Ordinal);
            limited.AssertHeaders(FreeLimit, 0, window + 60);
            Assert.Equal(TimeSpan.FromSeconds(45), limited.Headers.RetryAfter?.Delta);
        }

        Assert.Equal(before, await app.SnapshotDatabaseAsync());

        app.Time.Advance(TimeSpan.FromSeconds(30));
        using (var stillLimited = await client.GetAsync("products", Cancel))
        {
            await stillLimited.ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
            Assert.Equal(TimeSpan.FromSeconds(15), stillLimited.Headers.RetryAfter?.Delta);
        }
    }

    [Fact]
    public async Task TheBudgetComesBackWhenTheClockReachesTheNextMinute()
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

        app.Time.Advance(TimeSpan.FromSeconds(9));
        using (var lastSecond = await client.GetAsync("products", Cancel))
        {
            await lastSecond.ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
            Assert.Equal(TimeSpan.FromSeconds(1), lastSecond.Headers.RetryAfter?.Delta);
        }

        app.Time.Advance(TimeSpan.FromSeconds(1));
        using (var created = await client.PostJsonAsync("products", new { name = "After the reset" }))
        {
            await created.DataAsync(HttpStatusCode.Created);
            created.AssertHeaders(FreeLimit, FreeLimit - 1, window + 120);
            Assert.Null(created.Headers.RetryAfter);
        }
    }

    [Fact]
    public async Task KeysOfOneAccountShareItsBudgetAndAnotherAccountHasItsOwn()
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
            await limited.ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
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
        response.AssertHeaders(limit, remaining, window + 60);
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
            response.AssertHeaders(Budget, Budget - i, window + 60);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, "products"))
        {
            request.Headers.Add("X-Forwarded-For", "203.0.113.7");
            using var limited = await anonymous.SendAsync(request, Cancel);
            await limited.ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
            limited.AssertHeaders(Budget, 0, window + 60);
            Assert.Equal(TimeSpan.FromSeconds(40), limited.Headers.RetryAfter?.Delta);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, "products"))
        {
            request.Headers.Add("X-Forwarded-For", "203.0.113.8");
            using var otherAddress = await anonymous.SendAsync(request, Cancel);
            await otherAddress.ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
            otherAddress.AssertHeaders(Budget, Budget - 1, window + 60);
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
    public async Task EnterpriseResponsesSayUnlimited()
    {
        var window = app.StartNextWindow(secondsIn: 30);
        using var client = app.CreateAdminClient();
        using (var ok = await client.GetAsync("products", Cancel))
        {
            await ok.DataAsync();
            ok.AssertHeaders("unlimited", "unlimited", window + 60);
        }

        using (var missing = await client.GetAsync("licenses/lic_doesnotexist", Cancel))
        {
            await missing.ErrorAsync(HttpStatusCode.NotFound, "not_found");
            missing.AssertHeaders("unlimited", "unlimited", window + 60);
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

/// <summary>The in-memory counter store on its own: exact counts, separate windows and partitions, no lost updates.</summary>
public sealed class InMemoryRateLimitStoreTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private const long Window = 1_768_473_000;

    private static ParallelOptions Parallelism => new()
    {
        MaxDegreeOfParallelism = Math.Max(4, Environment.ProcessorCount),
        CancellationToken = TestContext.Current.CancellationToken,
    };

    [Fact]
    public async Task CountsEachPartitionSeparately()
    {
        var store = new InMemoryRateLimitStore();
        Assert.Equal(1, await store.IncrementAsync("account:a", Window, Minute, CancellationToken.None));
        Assert.Equal(2, await store.IncrementAsync("account:a", Window, Minute, CancellationToken.None));
        Assert.Equal(1, await store.IncrementAsync("account:b", Window, Minute, CancellationToken.None));
        Assert.Equal(1, await store.IncrementAsync("address:127.0.0.1", Window, Minute, CancellationToken.None));
        Assert.Equal(3, await store.IncrementAsync("account:a", Window, Minute, CancellationToken.None));
    }

    [Fact]
    public async Task ANewWindowStartsFromOne()
    {
        var store = new InMemoryRateLimitStore();
        for (var i = 0; i < 5; i++)
        {
            await store.IncrementAsync("account:a", Window, Minute, CancellationToken.None);
        }

        Assert.Equal(1, await store.IncrementAsync("account:a", Window + 60, Minute, CancellationToken.None));
        Assert.Equal(2, await store.IncrementAsync("account:a", Window + 60, Minute, CancellationToken.None));
        Assert.Equal(1, await store.IncrementAsync("account:a", Window + 120, Minute, CancellationToken.None));
    }

    [Fact]
    public async Task ConcurrentIncrementsAreCountedExactly()
    {
        var store = new InMemoryRateLimitStore();
        const int perPartition = 20_000;
        string[] partitions = ["account:a", "account:b", "address:10.0.0.1"];
        var seen = partitions.ToDictionary(p => p, _ => new ConcurrentBag<long>());

        await Parallel.ForAsync(0, perPartition * partitions.Length, Parallelism, async (i, cancellationToken) =>
        {
            var partition = partitions[i % partitions.Length];
            seen[partition].Add(await store.IncrementAsync(partition, Window, Minute, cancellationToken));
        });

        foreach (var partition in partitions)
        {
            // Every request got its own number: none lost, none counted twice.
            Assert.Equal(Enumerable.Range(1, perPartition).Select(n => (long)n), seen[partition].Order());
            Assert.Equal(perPartition + 1, await store.IncrementAsync(partition, Window, Minute, CancellationToken.None));
        }
    }

    [Fact]
    public async Task ConcurrentIncrementsAcrossAWindowChangeKeepTheNewWindowExact()
    {
        var store = new InMemoryRateLimitStore();
        const int requests = 20_000;
        var newWindowCounts = new ConcurrentBag<long>();
        await Parallel.ForAsync(0, requests, Parallelism, async (i, cancellationToken) =>
        {
            // Half the requests still arrive in the old window while the new one begins.
            if (i % 2 == 0)
            {
                await store.IncrementAsync("account:a", Window, Minute, cancellationToken);
            }
            else
            {
                newWindowCounts.Add(await store.IncrementAsync("account:a", Window + 60, Minute, cancellationToken));
            }
        });

        Assert.Equal(Enumerable.Range(1, requests / 2).Select(n => (long)n), newWindowCounts.Order());
        Assert.Equal(requests / 2 + 1, await store.IncrementAsync("account:a", Window + 60, Minute, CancellationToken.None));
    }
}

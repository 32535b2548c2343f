using Licenz.Sdk.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Licenz.Sdk.Tests.Client;

/// <summary>
/// The Free plan's 100 requests in any 60 seconds, on the server's fake clock: a slot frees a minute after the request that
/// took it. Waits for a retry happen on the client's <see cref="LicenzClientOptions.TimeProvider"/>: the tests advance
/// that clock when the client starts waiting.
/// </summary>
public sealed class RateLimitTests(FreePlanApplication app) : IClassFixture<FreePlanApplication>
{
    private const int FreeLimit = 100;

    [Fact(Timeout = Waiting.Timeout)]
    public async Task ResultsAndErrorsCarryTheRateLimitHeaders()
    {
        var reset = DateTimeOffset.FromUnixTimeSeconds(app.StartNextWindow(secondsIn: 17) + 17 + 60);
        using var client = app.CreateClient();

        var product = await client.Products.CreateAsync(new ProductCreateOptions { Name = "Headers" });
        Assert.Equal(new RateLimit(FreeLimit, FreeLimit - 1, reset), product.RateLimit);
        Assert.False(product.RateLimit!.IsUnlimited);

        app.Time.Advance(TimeSpan.FromSeconds(30));
        var page = await client.Products.ListAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(new RateLimit(FreeLimit, FreeLimit - 2, reset), page.RateLimit);
        Assert.All(page, p => Assert.Equal(page.RateLimit, p.RateLimit));

        var error = await Assert.ThrowsAsync<LicenzException>(() => client.Products.GetAsync("prod_missing"));
        Assert.Equal(new RateLimit(FreeLimit, FreeLimit - 3, reset), error.RateLimit);

        // Results compare by their data, not by the budget left when they were fetched.
        Same.Product(product, await client.Products.GetAsync(product.Id));
        Assert.Equal(new DeleteResult { Id = "x", Deleted = true, RateLimit = page.RateLimit }, new DeleteResult { Id = "x", Deleted = true });
    }

    [Fact(Timeout = Waiting.Timeout)]
    public async Task A429IsSentAgainAfterTheWaitTheServerAsksFor()
    {
        var window = app.StartNextWindow();
        var time = new ObservedTimeProvider(app.Time);
        using var interceptor = new Interceptor();
        using var client = app.CreateClient(interceptor, configure: o => o.TimeProvider = time);
        await ExhaustAsync(client);
        app.Time.Advance(TimeSpan.FromSeconds(50));
        var before = interceptor.Requests.Count;

        var call = client.Products.ListAsync(cancellationToken: TestContext.Current.CancellationToken);
        var wait = await time.NextWaitAsync();

        Assert.Equal(TimeSpan.FromSeconds(10), wait);
        Assert.False(call.IsCompleted);
        Assert.Equal(1, interceptor.Requests.Count - before);

        app.Time.Advance(wait);
        var page = await call;

        Assert.Equal(2, interceptor.Requests.Count - before);
        Assert.Equal(new RateLimit(FreeLimit, FreeLimit - 1, DateTimeOffset.FromUnixTimeSeconds(window + 120)), page.RateLimit);
    }

    [Fact(Timeout = Waiting.Timeout)]
    public async Task AWaitLongerThanTheBoundSurfacesAsRateLimitedAtOnce()
    {
        var reset = DateTimeOffset.FromUnixTimeSeconds(app.StartNextWindow(secondsIn: 5) + 5 + 60);
        var time = new ObservedTimeProvider(app.Time);
        using var interceptor = new Interceptor();
        using var client = app.CreateClient(interceptor, configure: o => o.TimeProvider = time);
        await ExhaustAsync(client);
        var before = interceptor.Requests.Count;
        var start = app.Time.GetUtcNow();

        var error = await Assert.ThrowsAsync<LicenzException>(() => client.Products.ListAsync(cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(LicenzErrorCodes.RateLimited, error.Code);
        Assert.Equal(429, error.Status);
        Assert.Contains($"{FreeLimit} requests per minute", error.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(60), error.RetryAfter);
        Assert.Equal(new RateLimit(FreeLimit, 0, reset), error.RateLimit);
        Assert.Equal(1, interceptor.Requests.Count - before);
        Assert.False(time.Waits.TryRead(out _));
        Assert.Equal(start, app.Time.GetUtcNow());
    }

    [Fact(Timeout = Waiting.Timeout)]
    public async Task TheBoundOnTheWaitIsConfigurable()
    {
        app.StartNextWindow();
        var time = new ObservedTimeProvider(app.Time);
        using var client = app.CreateClient(configure: o =>
        {
            o.TimeProvider = time;
            o.MaxRateLimitWait = TimeSpan.FromSeconds(5);
        });
        await ExhaustAsync(client);
        app.Time.Advance(TimeSpan.FromSeconds(50));

        var error = await Assert.ThrowsAsync<LicenzException>(() => client.Products.ListAsync(cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(LicenzErrorCodes.RateLimited, error.Code);
        Assert.Equal(TimeSpan.FromSeconds(10), error.RetryAfter);
        Assert.False(time.Waits.TryRead(out _));
    }

    [Fact(Timeout = Waiting.Timeout)]
    public async Task AfterTheAllowedRetriesThe429Surfaces()
    {
        app.StartNextWindow();
        using (var exhauster = app.CreateClient())
        {
            await ExhaustAsync(exhauster);
        }

        app.Time.Advance(TimeSpan.FromSeconds(50));

        // The client's own clock moves, the server's does not: the server keeps refusing.
        var clientClock = new ObservedTimeProvider(new FakeTimeProvider(app.Time.GetUtcNow()));
        using var interceptor = new Interceptor();
        using var client = app.CreateClient(interceptor, configure: o => o.TimeProvider = clientClock);

        var call = client.Products.ListAsync(cancellationToken: TestContext.Current.CancellationToken);
        for (var retry = 0; retry < 2; retry++)
        {
            var wait = await clientClock.NextWaitAsync();
            Assert.Equal(TimeSpan.FromSeconds(10), wait);
            clientClock.Clock.Advance(wait);
        }

        var error = await Assert.ThrowsAsync<LicenzException>(() => call);

        Assert.Equal(LicenzErrorCodes.RateLimited, error.Code);
        Assert.Equal(3, interceptor.Requests.Count);
        Assert.False(clientClock.Waits.TryRead(out _));
    }

    [Fact(Timeout = Waiting.Timeout)]
    public async Task WithoutRetriesThe429SurfacesAtOnce()
    {
        app.StartNextWindow();
        var time = new ObservedTimeProvider(app.Time);
        using var interceptor = new Interceptor();
        using var client = app.CreateClient(interceptor, configure: o =>
        {
            o.TimeProvider = time;
            o.MaxRateLimitRetries = 0;
        });
        await ExhaustAsync(client);
        app.Time.Advance(TimeSpan.FromSeconds(50));
        var before = interceptor.Requests.Count;

        var error = await Assert.ThrowsAsync<LicenzException>(() => client.Products.ListAsync(cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(LicenzErrorCodes.RateLimited, error.Code);
        Assert.Equal(TimeSpan.FromSeconds(10), error.RetryAfter);
        Assert.Equal(1, interceptor.Requests.Count - before);
    }

    [Fact(Timeout = Waiting.Timeout)]
    public async Task CancellingDuringARateLimitWaitEndsTheCall()
    {
        app.StartNextWindow();
        var time = new ObservedTimeProvider(app.Time);
        using var interceptor = new Interceptor();
        using var client = app.CreateClient(interceptor, configure: o => o.TimeProvider = time);
        await ExhaustAsync(client);
        app.Time.Advance(TimeSpan.FromSeconds(50));
        var before = interceptor.Requests.Count;
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var call = client.Products.ListAsync(cancellationToken: cancellation.Token);
        await time.NextWaitAsync();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(1, interceptor.Requests.Count - before);
    }

    /// <summary>Spends what is left of the budget, all at the clock's present second.</summary>
    private static async Task ExhaustAsync(LicenzClient client)
    {
        for (var i = 0; i <= FreeLimit; i++)
        {
            var page = await client.Products.ListAsync(new PageOptions { Limit = 1 });
            if (page.RateLimit!.Remaining == 0)
            {
                return;
            }
        }

        Assert.Fail("The budget did not run out.");
    }
}

public sealed class UnlimitedPlanTests(EnterprisePlanApplication app) : IClassFixture<EnterprisePlanApplication>
{
    [Fact(Timeout = Waiting.Timeout)]
    public async Task AnUnlimitedPlanReportsNoLimit()
    {
        // Nothing is counted, so there is no slot to wait for: the reset is now.
        var now = DateTimeOffset.FromUnixTimeSeconds(app.StartNextWindow(secondsIn: 1) + 1);
        using var client = app.CreateClient();

        var page = await client.Licenses.ListAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(new RateLimit(null, null, now), page.RateLimit);
        Assert.True(page.RateLimit!.IsUnlimited);
    }
}

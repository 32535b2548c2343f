using System.Collections.Concurrent;
using System.Net;
using Licenz.Server.RateLimiting;
using Licenz.Server.Redis;
using Licenz.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Licenz.Server.Tests.RateLimiting;

/// <summary>
/// A server node on the Free plan over a shared Redis (<c>Licenz:Redis</c>), with a key prefix of its own test so that
/// tests sharing one Redis never meet, and what it logs kept.
/// </summary>
public sealed class RedisNode : LicenzApplication
{
    /// <param name="dataDirectory">Another node's data folder, to serve the same database; a new one when null.</param>
    public RedisNode(string redis, string keyPrefix, string? dataDirectory = null) : base(dataDirectory)
    {
        WithSetting("Licenz:Plan", "free");
        WithSetting(RedisOptions.ConfigurationKey, redis);
        WithSetting(RedisOptions.KeyPrefixKey, keyPrefix);
    }

    public CapturedLogs Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(Logs));
    }

    /// <summary>The <c>redis</c> entry of <c>/readyz</c>, and the overall status.</summary>
    public async Task<(HttpStatusCode Status, string Overall, string? Redis)> ReadinessAsync()
    {
        using var client = CreateClient(null, "/");
        using var response = await client.GetAsync("/readyz", TestContext.Current.CancellationToken);
        var body = await response.BodyAsync();
        var redis = body.GetProperty("checks").TryGetProperty("redis", out var entry) ? entry.GetString() : null;
        return (response.StatusCode, body.Str("status"), redis);
    }

    public static string NewKeyPrefix() => $"licenz-test:{Guid.NewGuid():N}:";
}

/// <summary>What a node logged: category, level and message.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<(string Category, LogLevel Level, string Message)> _entries = new();

    public IReadOnlyList<(string Category, LogLevel Level, string Message)> Entries => [.. _entries];

    public IReadOnlyList<string> Of<T>(LogLevel level) =>
        Entries.Where(e => e.Category == typeof(T).FullName && e.Level == level).Select(e => e.Message).ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logs._entries.Enqueue((category, logLevel, formatter(state, exception)));
    }
}

/// <summary>
/// The tests that put two server nodes under a burst run alone: a node reads Redis's answers on the thread pool, and with
/// other test classes' servers on the same two cores an answer can be read later than the one-second timeout, which
/// (rightly) sends that node to counting on its own, and the test would measure the machine rather than the counting.
/// </summary>
[CollectionDefinition(nameof(RedisNodes), DisableParallelization = true)]
public sealed class RedisNodes;

/// <summary>
/// Several nodes over one Redis count one budget, exactly; a node whose Redis is down keeps answering, counts on its own,
/// says so once and reports itself degraded; when Redis is back the node shares its counting again.
/// </summary>
[Collection(nameof(RedisNodes))]
public sealed class RedisRateLimitTests
{
    private const int FreeLimit = 100;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ThreeHundredConcurrentRequestsOverTwoNodesLetExactlyTheFreePlansHundredThrough()
    {
        var redis = await RedisServers.RequireSharedAsync();
        var prefix = RedisNode.NewKeyPrefix();
        await using var first = new RedisNode(redis, prefix);
        await first.InitializeAsync();
        await using var second = new RedisNode(redis, prefix, first.DataDirectory);
        await second.InitializeAsync();
        Assert.Equal((HttpStatusCode.OK, "healthy", "healthy"), await first.ReadinessAsync());
        Assert.Equal((HttpStatusCode.OK, "healthy", "healthy"), await second.ReadinessAsync());

        // Set up first (through the API, which counts), then the bursts against budgets nothing has touched yet.
        using var adminOnFirst = first.CreateClient(first.AdminKey);
        var verifyKey = (await (await adminOnFirst.PostJsonAsync("api-keys", new { type = "verify_only", name = "App" })).DataAsync(HttpStatusCode.Created)).Str("key");
        var (_, burstKey) = await first.CreateAccountAsync("Bursting", Licenz.Server.Accounts.Plan.Free);

        // A management budget: an admin key, half of the requests through each node, all at once.
        using var burstOnFirst = first.CreateClient(burstKey);
        using var burstOnSecond = second.CreateClient(burstKey);
        var management = await AllAtOnceAsync(300, i => (i % 2 == 0 ? burstOnFirst : burstOnSecond).GetAsync("products", Cancel));
        Assert.Empty(first.Logs.Of<RedisRateLimitStore>(LogLevel.Warning).Concat(second.Logs.Of<RedisRateLimitStore>(LogLevel.Warning)));
        Assert.Equal(new Dictionary<HttpStatusCode, int> { [HttpStatusCode.OK] = FreeLimit, [HttpStatusCode.TooManyRequests] = 200 }, management);

        // A client budget, likewise: 30 license keys, 10 requests each, so no key is over its share and the budget binds.
        using var appOnFirst = first.CreateClient(verifyKey);
        using var appOnSecond = second.CreateClient(verifyKey);
        var licenseKeys = Enumerable.Range(0, 30).Select(_ => LicenseKeyGenerator.Generate()).ToArray();
        var client = await AllAtOnceAsync(300, i => (i % 2 == 0 ? appOnFirst : appOnSecond).PostJsonAsync("licenses/verify", new { key = licenseKeys[i % 30] }));
        Assert.Equal(new Dictionary<HttpStatusCode, int> { [HttpStatusCode.OK] = FreeLimit, [HttpStatusCode.TooManyRequests] = 200 }, client);

        // Only hashes and times are kept: no API key or license key appears in Redis, and every key expires.
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(redis);
        await using (multiplexer)
        {
            var server = multiplexer.GetServer(multiplexer.GetEndPoints()[0]);
            var keys = server.Keys(pattern: prefix + "*").Select(k => k.ToString()).ToList();

            // Two management budgets, one client budget and a share within it for each license key that had a request
            // accepted (and the test client's address, which fetched the OpenAPI document without a key). Which keys those
            // are depends on the order the requests arrived in; with 100 accepted and at most 10 a key, at least 10 did.
            Assert.Equal(2, keys.Count(k => k.EndsWith(":management}", StringComparison.Ordinal)));
            Assert.Single(keys, k => k.EndsWith(":client}", StringComparison.Ordinal));
            var shares = keys.Count(k => k.Contains(":client}:", StringComparison.Ordinal));
            Assert.InRange(shares, 10, 30);
            Assert.Equal(3 + shares, keys.Count(k => !k.Contains("{address:", StringComparison.Ordinal)));
            foreach (var key in keys)
            {
                Assert.DoesNotContain(first.AdminKey, key, StringComparison.Ordinal);
                Assert.DoesNotContain(burstKey, key, StringComparison.Ordinal);
                Assert.DoesNotContain(verifyKey, key, StringComparison.Ordinal);
                Assert.All(licenseKeys, licenseKey => Assert.DoesNotContain(licenseKey, key, StringComparison.OrdinalIgnoreCase));
                var ttl = await multiplexer.GetDatabase().KeyTimeToLiveAsync(key);
                Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
                var values = await multiplexer.GetDatabase().ListRangeAsync(key);
                Assert.All(values, v => Assert.True(long.TryParse(v.ToString(), out _), $"{key} holds {v}, not a time."));
            }
        }

        Assert.Empty(first.Logs.Of<RedisRateLimitStore>(LogLevel.Warning).Concat(second.Logs.Of<RedisRateLimitStore>(LogLevel.Warning)));
    }

    [Fact]
    public async Task WithRedisDownANodeAnswersCountingOnItsOwnAndReportsItselfDegraded()
    {
        var node = new RedisNode($"127.0.0.1:{RedisServers.SparePort()}", RedisNode.NewKeyPrefix());
        await using (node)
        {
            await node.InitializeAsync();

            // Until its first attempt to connect has failed, a node counts on its own quietly (it has just started).
            await WaitUntilAsync(() => Task.FromResult(node.Services.GetRequiredService<RedisConnection>().Multiplexer is not null), "the first attempt to connect ended");
            var window = node.StartNextWindow(secondsIn: 5);
            using var admin = node.CreateAdminClient();
            for (var i = 1; i <= FreeLimit; i++)
            {
                using var response = await admin.GetAsync("products", Cancel);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"Request {i} got {(int)response.StatusCode}.");
                response.AssertHeaders(FreeLimit, FreeLimit - i, window + 5 + 60);
            }

            using (var limited = await admin.GetAsync("products", Cancel))
            {
                await limited.ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
            }

            // Ready, degraded: the node answers, so a load balancer keeps sending it traffic.
            Assert.Equal((HttpStatusCode.OK, "degraded", "degraded"), await node.ReadinessAsync());
            var warning = Assert.Single(node.Logs.Of<RedisRateLimitStore>(LogLevel.Warning));
            Assert.Contains("counted by this node alone", warning, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task WhenRedisComesBackTheNodeSharesItsCountingAgain()
    {
        await using var redis = await OwnRedisServer.StartAsync();
        var prefix = RedisNode.NewKeyPrefix();
        await using var node = new RedisNode(redis.Configuration, prefix);
        await node.InitializeAsync();
        using var admin = node.CreateAdminClient();
        await WaitUntilAsync(async () => (await node.ReadinessAsync()).Redis == "healthy", "the node connected to Redis");

        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("products", Cancel)).StatusCode);
        Assert.Equal(1, await LengthAsync(redis, prefix));

        // Down: every request is still answered, counted on the node, and the outage is logged once.
        await redis.StopAsync();
        for (var i = 0; i < 20; i++)
        {
            using var response = await admin.GetAsync("products", Cancel);
            await response.DataAsync();
        }

        Assert.Equal((HttpStatusCode.OK, "degraded", "degraded"), await node.ReadinessAsync());
        Assert.Single(node.Logs.Of<RedisRateLimitStore>(LogLevel.Warning));

        // Back (empty, as after a restart): the node reconnects on its own and counts in Redis again.
        await redis.StartAgainAsync();
        await WaitUntilAsync(async () => (await node.ReadinessAsync()).Redis == "healthy", "the node reconnected to Redis");
        await WaitUntilAsync(async () =>
        {
            using var response = await admin.GetAsync("products", Cancel);
            await response.DataAsync();
            return await LengthAsync(redis, prefix) > 0;
        }, "requests were counted in Redis again");
        for (var i = 0; i < 5; i++)
        {
            using var response = await admin.GetAsync("products", Cancel);
            await response.DataAsync();
        }

        Assert.True(await LengthAsync(redis, prefix) >= 6);
        Assert.Single(node.Logs.Of<RedisRateLimitStore>(LogLevel.Warning));
        Assert.Contains(node.Logs.Of<RedisRateLimitStore>(LogLevel.Information), m => m.Contains("shared with the other nodes again", StringComparison.Ordinal));
        Assert.Equal((HttpStatusCode.OK, "healthy", "healthy"), await node.ReadinessAsync());
    }

    [Fact]
    public async Task TheRedisWindowSlidesOnRedisTime()
    {
        // The script keeps its own time (Redis's TIME), which no test clock moves: a short window, in real time.
        var redis = await RedisServers.RequireSharedAsync();
        var window = TimeSpan.FromSeconds(1);
        await using var connection = Connection(redis, RedisNode.NewKeyPrefix());
        var store = await StoreAsync(connection);
        var request = new RateLimitRequest("acct_window:client", 3, window);

        var first = await store.AcquireAsync(request, Cancel);
        Assert.True(first.Allowed);
        await Task.Delay(400, Cancel);
        Assert.True((await store.AcquireAsync(request, Cancel)).Allowed);
        Assert.True((await store.AcquireAsync(request, Cancel)).Allowed);
        var refused = await store.AcquireAsync(request, Cancel);
        Assert.False(refused.Allowed);
        Assert.Equal(new WindowCount(3, first.Now), refused.Budget);
        Assert.InRange(DateTimeOffset.FromUnixTimeMilliseconds(first.Now / 1000), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));

        // Once the first request has left the window its slot (and only that one: the others came 400 ms later) frees.
        await Task.Delay(TimeSpan.FromMicroseconds(first.Now + 1_000_000 - refused.Now) + TimeSpan.FromMilliseconds(50), Cancel);
        var freed = await store.AcquireAsync(request, Cancel);
        Assert.True(freed.Allowed, $"Not freed {freed.Now - first.Now} µs after the first.");
        Assert.Equal(3, freed.Budget.Count);
        Assert.False((await store.AcquireAsync(request, Cancel)).Allowed);
    }

    [Fact]
    public async Task NodesRacingForTheLastSlotsNeverTakeMoreThanTheBudget()
    {
        var redis = await RedisServers.RequireSharedAsync();
        var prefix = RedisNode.NewKeyPrefix();
        await using var one = Connection(redis, prefix);
        await using var two = Connection(redis, prefix);
        IRateLimitStore[] nodes = [await StoreAsync(one), await StoreAsync(two)];
        var share = new LicenseKeyShare(LicenseKeyLocation.Identity(LicenseKeyGenerator.Generate()), 250);
        var allowed = 0;
        var budgetCounts = new ConcurrentBag<int>();

        await Parallel.ForAsync(0, 2_000, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = Cancel }, async (i, cancellationToken) =>
        {
            var outcome = await nodes[i % 2].AcquireAsync(new RateLimitRequest("acct_race:client", 300, TimeSpan.FromMinutes(1), i % 3 == 0 ? share : default), cancellationToken);
            if (outcome.Allowed)
            {
                Interlocked.Increment(ref allowed);
                budgetCounts.Add(outcome.Budget.Count);
            }
        });

        Assert.Equal(300, allowed);
        Assert.Equal(Enumerable.Range(1, 300), budgetCounts.Order());
    }

    [Fact]
    public async Task APeekSeesWhatEveryNodeCountedAndRecordsNothing()
    {
        var redis = await RedisServers.RequireSharedAsync();
        var prefix = RedisNode.NewKeyPrefix();
        await using var one = Connection(redis, prefix);
        await using var two = Connection(redis, prefix);
        var (first, second) = (await StoreAsync(one), await StoreAsync(two));
        var request = new RateLimitRequest("acct_peek:client", 10, TimeSpan.FromSeconds(1));
        Assert.Equal(default, await first.PeekAsync(request.Partition, request.Window, Cancel));

        var taken = await first.AcquireAsync(request, Cancel);
        await second.AcquireAsync(request, Cancel);
        await second.AcquireAsync(request, Cancel);
        Assert.Equal(new WindowCount(3, taken.Now), await second.PeekAsync(request.Partition, request.Window, Cancel));
        Assert.Equal(new WindowCount(3, taken.Now), await first.PeekAsync(request.Partition, request.Window, Cancel));
        Assert.Equal(default, await first.PeekAsync("acct_peek:management", request.Window, Cancel));

        // Once the window has passed, nothing is left (and nothing was added by peeking).
        await Task.Delay(TimeSpan.FromSeconds(1.1), Cancel);
        Assert.Equal(default, await first.PeekAsync(request.Partition, request.Window, Cancel));
        Assert.Equal(1, (await first.AcquireAsync(request, Cancel)).Budget.Count);
    }

    private static async Task<Dictionary<HttpStatusCode, int>> AllAtOnceAsync(int count, Func<int, Task<HttpResponseMessage>> send)
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(() => send(i), Cancel)));
        var statuses = responses.GroupBy(r => r.StatusCode).ToDictionary(g => g.Key, g => g.Count());
        foreach (var response in responses)
        {
            response.Dispose();
        }

        return statuses;
    }

    private static async Task<long> LengthAsync(OwnRedisServer redis, string prefix)
    {
        await using var multiplexer = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var server = multiplexer.GetServer(multiplexer.GetEndPoints()[0]);
        long total = 0;
        foreach (var key in server.Keys(pattern: prefix + "rate:{acct_*"))
        {
            total += await multiplexer.GetDatabase().ListLengthAsync(key);
        }

        return total;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Waited 30 seconds, and still not: {what}.");
            await Task.Delay(200, Cancel);
        }
    }

    private static RedisConnection Connection(string redis, string prefix) =>
        new(Options.Create(new RedisOptions { Configuration = redis, KeyPrefix = prefix }), NullLogger<RedisConnection>.Instance);

    private static async Task<RedisRateLimitStore> StoreAsync(RedisConnection connection)
    {
        // The first attempt to connect finishes before the store is asked, so no request is counted locally.
        Assert.True((await connection.GetMultiplexerAsync()).IsConnected);
        return new RedisRateLimitStore(connection, new InMemoryRateLimitStore(new FakeTimeProvider()), NullLogger<RedisRateLimitStore>.Instance);
    }
}

/// <summary>The <c>Licenz:Redis</c> settings: what the client gets, and a string it cannot read named at start.</summary>
public sealed class RedisOptionsTests
{
    [Fact]
    public void LicenzDefaultsApplyUnlessTheStringSaysOtherwiseAndAConnectNeverAborts()
    {
        var options = new RedisOptions { Configuration = "redis.internal:6380,abortConnect=true" }.ClientOptions();
        Assert.Equal(1000, options.AsyncTimeout);
        Assert.Equal(2000, options.ConnectTimeout);
        Assert.False(options.AbortOnConnectFail);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.HeartbeatInterval);
        Assert.Equal(new System.Net.DnsEndPoint("redis.internal", 6380), Assert.Single(options.EndPoints));

        var configured = new RedisOptions { Configuration = "10.0.0.5:6379,asyncTimeout=300,password=secret" }.ClientOptions();
        Assert.Equal(300, configured.AsyncTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(150), configured.HeartbeatInterval);
    }

    [Theory]
    [InlineData("10.0.0.5:6379,password=hunter2,nonsense=1", "Licenz:Redis: not a StackExchange.Redis configuration string")]
    [InlineData("password=hunter2", "Licenz:Redis: names no server")]
    public void AStringTheClientCannotReadIsNamedWithoutItsPassword(string configuration, string message)
    {
        var result = new RedisOptionsValidator().Validate(null, new RedisOptions { Configuration = configuration });
        var failure = Assert.Single(result.Failures!);
        Assert.Contains(message, failure, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutRedisNothingIsChecked() =>
        Assert.True(new RedisOptionsValidator().Validate(null, new RedisOptions()).Succeeded);
}

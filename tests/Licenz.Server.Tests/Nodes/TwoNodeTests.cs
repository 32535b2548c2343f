using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Licenz.Server.Tests.Hosting;
using Licenz.Server.Tests.Infrastructure;
using Licenz.Server.Tests.RateLimiting;
using Licenz.Tests.Shared;

namespace Licenz.Server.Tests.Nodes;

/// <summary>
/// Two real server processes — each its own folder, certificate and memory — over one PostgreSQL database and one Redis,
/// as an operator runs them behind a load balancer: the schema migrated once with <c>migrate</c>, the same master key
/// given to both. No node holds state the other needs.
/// </summary>
public sealed class TwoNodes : IAsyncDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "licenz-tests", "nodes-" + Guid.NewGuid().ToString("N"));
    private readonly List<HttpClient> _clients = [];

    private TwoNodes(OwnRedisServer redis)
    {
        Redis = redis;
    }

    public OwnRedisServer Redis { get; }

    public LicenzProcess A { get; private set; } = null!;

    public LicenzProcess B { get; private set; } = null!;

    public Uri ApiA { get; private set; } = null!;

    public Uri ApiB { get; private set; } = null!;

    /// <summary>The default account's admin key, printed by the first node to start.</summary>
    public string AdminKey { get; private set; } = null!;

    private Dictionary<string, string> Environment { get; } = [];

    /// <summary>Migrates the shared database, then starts node A (which creates the default account) and node B.</summary>
    public static async Task<TwoNodes> StartAsync(string plan = "business")
    {
        await TestDatabase.PostgreSql.RequireAsync();
        var nodes = new TwoNodes(await OwnRedisServer.StartAsync());
        try
        {
            await nodes.StartNodesAsync(plan);
            return nodes;
        }
        catch
        {
            await nodes.DisposeAsync();
            throw;
        }
    }

    private async Task StartNodesAsync(string plan)
    {
        foreach (var node in new[] { "a", "b", "ops" })
        {
            Directory.CreateDirectory(Path.Combine(_folder, node));
        }

        Environment["Licenz__Database__Provider"] = "postgresql";
        Environment["ConnectionStrings__Licenz"] = TestDatabase.PostgreSql.ConnectionString(_folder);
        Environment["Licenz__Redis"] = Redis.Configuration;
        Environment["Licenz__KeyEncryption__Key"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        Environment["Licenz__Plan"] = plan;

        var (exitCode, _, error) = await LicenzProcess.RunAsync(Path.Combine(_folder, "ops"), ["migrate"], Environment);
        Assert.True(exitCode == 0, $"migrate exited with {exitCode}: {error}");

        A = LicenzProcess.Start(Path.Combine(_folder, "a"), ["--urls", "https://127.0.0.1:0"], Environment);
        ApiA = await A.WaitUntilListeningAsync();
        AdminKey = A.AdminKey;
        B = LicenzProcess.Start(Path.Combine(_folder, "b"), ["--urls", "https://127.0.0.1:0"], Environment);
        ApiB = await B.WaitUntilListeningAsync();
        Assert.DoesNotContain(B.Output, l => l.StartsWith("Admin API key", StringComparison.Ordinal));
    }

    /// <summary>Runs an operator command (<c>create-account</c>, …) against the same database.</summary>
    public Task<(int ExitCode, IReadOnlyList<string> Output, string Error)> RunAsync(params string[] arguments) =>
        LicenzProcess.RunAsync(Path.Combine(_folder, "ops"), arguments, Environment);

    /// <summary>A client of node A or B, trusting the certificate that node generated.</summary>
    public HttpClient Client(char node, string? apiKey, string path = "api/v1/")
    {
        var folder = Path.Combine(_folder, node == 'a' ? "a" : "b", "licenz-data", "tls");
        var certificate = X509CertificateLoader.LoadCertificateFromFile(Directory.EnumerateFiles(folder, "*.crt").Single());
        var client = ServerProcessTests.ClientTrusting(certificate, new Uri(node == 'a' ? ApiA : ApiB, "/" + path), apiKey);
        _clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        if (A is not null)
        {
            await A.DisposeAsync();
        }

        if (B is not null)
        {
            await B.DisposeAsync();
        }

        await Redis.DisposeAsync();
        try
        {
            await TestDatabase.PostgreSql.DropAsync(_folder);
        }
        catch (Npgsql.NpgsqlException)
        {
            // Nothing was made on a server that is not there.
        }

        LicenzHost.TryDelete(_folder);
    }

    /// <summary>What the nodes logged as failures (each "fail:" line and the lines under it), for a failed assertion's message.</summary>
    public string Failures()
    {
        var lines = new List<string>();
        foreach (var (name, output) in new[] { ("a", A.Output), ("b", B.Output) })
        {
            for (var i = 0; i < output.Count; i++)
            {
                if (output[i].StartsWith("fail:", StringComparison.Ordinal))
                {
                    lines.AddRange(output.Skip(i).Take(12).Select(line => $"[{name}] {line}"));
                }
            }
        }

        return lines.Count == 0 ? "" : $"\nThe nodes logged:\n{string.Join('\n', lines.TakeLast(80))}";
    }
}

public sealed class SharedTwoNodes : IAsyncDisposable
{
    private Task<TwoNodes>? _nodes;

    public Task<TwoNodes> GetAsync() => _nodes ??= TwoNodes.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_nodes is { IsCompletedSuccessfully: true } started)
        {
            await started.Result.DisposeAsync();
        }
    }
}

/// <summary>What two nodes over one PostgreSQL and one Redis must show: one budget, one cache truth, one set of keys.</summary>
[Collection(nameof(RedisNodes))]
public sealed class TwoNodeTests(SharedTwoNodes cluster) : IClassFixture<SharedTwoNodes>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OnTheFreePlan300ConcurrentRequestsOverTwoNodesLetExactly100Through()
    {
        var nodes = await cluster.GetAsync();
        var (exitCode, output, error) = await nodes.RunAsync("create-account", "--name", "Free vendor", "--plan", "free");
        Assert.True(exitCode == 0, $"create-account exited with {exitCode}: {error}");
        var adminKey = output.Single(l => l.StartsWith("Admin API key: ", StringComparison.Ordinal))["Admin API key: ".Length..];
        using var a = nodes.Client('a', adminKey);
        using var b = nodes.Client('b', adminKey);

        // Open the connections first, so the 300 requests race for the budget rather than for TLS handshakes.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? a : b).GetAsync("nothing-here", Cancel)));
        var before = await RemainingAsync(a);

        var statuses = await Task.WhenAll(Enumerable.Range(0, 300).Select(async i =>
        {
            using var response = await (i % 2 == 0 ? a : b).GetAsync("products", Cancel);
            return response.StatusCode;
        }));

        Assert.Equal(before, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(300 - before, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.True(before >= 90, $"Only {before} of the budget of 100 was left before the burst.");
    }

    [Fact]
    public async Task ParallelActivationsOverTwoNodesTakeExactlyTheMachineLimitAndUsesStopAtTheirs()
    {
        var nodes = await cluster.GetAsync();
        using var a = nodes.Client('a', nodes.AdminKey);
        using var b = nodes.Client('b', nodes.AdminKey);
        var product = await (await a.PostJsonAsync("products", new { name = "Seats over two nodes" })).DataAsync(HttpStatusCode.Created);
        var policy = await (await b.PostJsonAsync("policies", new { product_id = product.Str("id"), name = "Five seats", duration = "P30D", max_machines = 5, max_uses = 7 }))
            .DataAsync(HttpStatusCode.Created);
        var license = await (await a.PostJsonAsync("licenses", new { product_id = product.Str("id"), policy_id = policy.Str("id"), email = "seats@example.com" }))
            .DataAsync(HttpStatusCode.Created);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? a : b).GetAsync("nothing-here", Cancel)));

        var activations = await Task.WhenAll(Enumerable.Range(0, 30).Select(async i =>
        {
            using var response = await (i % 2 == 0 ? a : b).PostJsonAsync("machines", new { key = license.Str("key"), fingerprint = $"node-machine-{i}" });
            return response.StatusCode;
        }));
        var uses = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            using var response = await (i % 2 == 0 ? a : b).PostJsonAsync($"licenses/{license.Str("id")}/usage", new { increment = 1 });
            return response.StatusCode;
        }));

        var activationStatuses = string.Join(", ", activations.GroupBy(s => (int)s).Select(g => $"{g.Key}×{g.Count()}"));
        var useStatuses = string.Join(", ", uses.GroupBy(s => (int)s).Select(g => $"{g.Key}×{g.Count()}"));
        Assert.True(activations.Count(s => s == HttpStatusCode.Created) == 5 && activations.Count(s => s == HttpStatusCode.UnprocessableEntity) == 25,
            $"Activations answered {activationStatuses}; expected 201×5, 422×25.{nodes.Failures()}");
        Assert.True(uses.Count(s => s == HttpStatusCode.OK) == 7 && uses.Count(s => s == HttpStatusCode.UnprocessableEntity) == 13,
            $"Usage answered {useStatuses}; expected 200×7, 422×13.{nodes.Failures()}");
        var stored = await (await b.GetAsync($"licenses/{license.Str("id")}", Cancel)).DataAsync();
        Assert.Equal(5, stored.GetProperty("machines_count").GetInt32());
        Assert.Equal(7, stored.GetProperty("uses").GetInt32());
        Assert.Equal(5, (await (await a.GetAsync($"machines?license_id={license.Str("id")}&limit=100", Cancel)).DataAsync()).GetArrayLength());
    }

    [Fact]
    public async Task ALicenseSuspendedThroughNodeAIsRefusedByNodeBWithinASecond()
    {
        var nodes = await cluster.GetAsync();
        using var a = nodes.Client('a', nodes.AdminKey);
        using var b = nodes.Client('b', nodes.AdminKey);
        var product = await (await a.PostJsonAsync("products", new { name = "Two nodes" })).DataAsync(HttpStatusCode.Created);
        var license = await (await a.PostJsonAsync("licenses", new { product_id = product.Str("id"), email = "nodes@example.com", type = "perpetual" }))
            .DataAsync(HttpStatusCode.Created);

        // Node B verifies it, so B has it in its cache.
        Assert.Equal("VALID", (await (await b.PostJsonAsync("licenses/verify", new { key = license.Str("key") })).DataAsync()).Str("code"));
        var before = await (await b.PostJsonAsync("licenses/verify", new { key = license.Str("key") })).DataAsync();
        Assert.Equal("VALID", before.Str("code"));

        await (await a.PostAsync($"licenses/{license.Str("id")}/suspend", null, Cancel)).DataAsync();
        Assert.Equal("SUSPENDED", await VerifyUntilAsync(b, license.Str("key"), "SUSPENDED"));

        // B's answers carry the revocation list's new version at once (its cached version was dropped too).
        var version = before.GetProperty("revocation_version").GetInt64();
        Assert.Equal(version + 1, (await (await b.PostJsonAsync("licenses/verify", new { key = license.Str("key") })).DataAsync()).GetProperty("revocation_version").GetInt64());

        // And back: reinstated through B, valid on A.
        await (await b.PostAsync($"licenses/{license.Str("id")}/reinstate", null, Cancel)).DataAsync();
        Assert.Equal("VALID", await VerifyUntilAsync(a, license.Str("key"), "VALID"));
        Assert.Equal(version + 2, (await (await a.PostJsonAsync("licenses/verify", new { key = license.Str("key") })).DataAsync()).GetProperty("revocation_version").GetInt64());
    }

    [Fact]
    public async Task ASigningKeyRotatedOnNodeAIsTheOneNodeBSignsWith()
    {
        var nodes = await cluster.GetAsync();
        using var a = nodes.Client('a', nodes.AdminKey);
        using var b = nodes.Client('b', nodes.AdminKey);
        using var jwksB = nodes.Client('b', null, "");
        var product = await (await a.PostJsonAsync("products", new { name = "Rotation" })).DataAsync(HttpStatusCode.Created);
        var license = await (await a.PostJsonAsync("licenses", new { product_id = product.Str("id"), email = "rotate@example.com", type = "perpetual" }))
            .DataAsync(HttpStatusCode.Created);

        // Node B signs with the first key (and caches it).
        var first = await SignerAsync(b, license.Str("key"));

        var rotated = await (await a.PostAsync("signing-keys/rotate", null, Cancel)).DataAsync(HttpStatusCode.Created);
        Assert.NotEqual(first, rotated.Str("id"));

        var watch = Stopwatch.StartNew();
        string signer;
        do
        {
            signer = await SignerAsync(b, license.Str("key"));
        }
        while (signer != rotated.Str("id") && watch.Elapsed < TimeSpan.FromSeconds(1));

        Assert.Equal(rotated.Str("id"), signer);
        var file = await (await b.PostAsync($"licenses/{license.Str("id")}/license-file", null, Cancel)).DataAsync();
        Assert.Equal(rotated.Str("id"), file.Str("key_id"));
        using var jwks = JsonDocument.Parse(await jwksB.GetStringAsync(".well-known/jwks.json", Cancel));
        Assert.Equal([first, rotated.Str("id")], jwks.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.Str("kid")));
    }

    /// <summary>Verifies the key through a node until it answers <paramref name="expected"/> or a second has passed; the last code.</summary>
    internal static async Task<string> VerifyUntilAsync(HttpClient node, string licenseKey, string expected)
    {
        var watch = Stopwatch.StartNew();
        string code;
        do
        {
            code = (await (await node.PostJsonAsync("licenses/verify", new { key = licenseKey })).DataAsync()).Str("code");
        }
        while (code != expected && watch.Elapsed < TimeSpan.FromSeconds(1));

        return code;
    }

    private static async Task<int> RemainingAsync(HttpClient client)
    {
        using var response = await client.GetAsync("nothing-here", Cancel);
        return int.Parse(response.Headers.GetValues("X-RateLimit-Remaining").Single(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The key id a node signed its verification answer with (<c>keyid</c> of <c>Signature-Input</c>).</summary>
    private static async Task<string> SignerAsync(HttpClient client, string licenseKey)
    {
        using var response = await client.PostJsonAsync("licenses/verify", new { key = licenseKey });
        await response.DataAsync();
        var input = string.Join(", ", response.Headers.NonValidated["Signature-Input"]);
        return System.Text.RegularExpressions.Regex.Match(input, "keyid=\"([^\"]+)\"").Groups[1].Value;
    }

    internal static async Task<JsonElement> ReadinessAsync(HttpClient probe)
    {
        using var response = await probe.GetAsync("readyz", Cancel);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement.Clone();
    }

    /// <summary>Polls <c>/readyz</c> until Redis's check says <paramref name="status"/> (up to 20 s: reconnects back off).</summary>
    internal static async Task<JsonElement> WaitForAsync(HttpClient probe, string status)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var readiness = await ReadinessAsync(probe);
            if (readiness.GetProperty("checks").Str("redis") == status || watch.Elapsed > TimeSpan.FromSeconds(20))
            {
                return readiness;
            }

            await Task.Delay(200, Cancel);
        }
    }
}

/// <summary>Redis goes away under two running nodes, and comes back.</summary>
[Collection(nameof(RedisNodes))]
public sealed class RedisOutageTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WithRedisDownANodeKeepsAnsweringReadsTheTruthFromTheDatabaseAndRecoversWhenRedisReturns()
    {
        await using var nodes = await TwoNodes.StartAsync();
        using var a = nodes.Client('a', nodes.AdminKey);
        using var b = nodes.Client('b', nodes.AdminKey);
        using var probeA = nodes.Client('a', null, "");
        using var probeB = nodes.Client('b', null, "");
        var product = await (await a.PostJsonAsync("products", new { name = "Outage" })).DataAsync(HttpStatusCode.Created);
        var license = await (await a.PostJsonAsync("licenses", new { product_id = product.Str("id"), email = "outage@example.com", type = "perpetual" }))
            .DataAsync(HttpStatusCode.Created);
        Assert.Equal("VALID", (await (await b.PostJsonAsync("licenses/verify", new { key = license.Str("key") })).DataAsync()).Str("code"));
        Assert.Equal("healthy", (await TwoNodeTests.ReadinessAsync(probeB)).GetProperty("checks").Str("redis"));

        await nodes.Redis.StopAsync();
        var readiness = await TwoNodeTests.WaitForAsync(probeB, "degraded");
        Assert.Equal("degraded", readiness.GetProperty("checks").Str("redis"));
        Assert.Equal("healthy", readiness.GetProperty("checks").Str("database"));

        // Node B cannot hear node A now, so it cannot trust its cache: a suspension through A is still seen at once.
        await (await a.PostAsync($"licenses/{license.Str("id")}/suspend", null, Cancel)).DataAsync();
        Assert.Equal("SUSPENDED", (await (await b.PostJsonAsync("licenses/verify", new { key = license.Str("key") })).DataAsync()).Str("code"));
        using (var products = await b.GetAsync("products", Cancel))
        {
            await products.DataAsync();
            Assert.True(products.Headers.Contains("X-RateLimit-Remaining"), "Counted locally, the answer still carries the rate-limit headers.");
        }

        await nodes.Redis.StartAgainAsync();
        readiness = await TwoNodeTests.WaitForAsync(probeB, "healthy");
        Assert.Equal("healthy", readiness.GetProperty("checks").Str("redis"));
        Assert.Equal("healthy", (await TwoNodeTests.WaitForAsync(probeA, "healthy")).GetProperty("checks").Str("redis"));

        // Heard again: a change through A reaches B through Redis.
        await (await a.PostAsync($"licenses/{license.Str("id")}/reinstate", null, Cancel)).DataAsync();
        Assert.Equal("VALID", (await (await b.PostJsonAsync("licenses/verify", new { key = license.Str("key") })).DataAsync()).Str("code"));
        await (await a.PostAsync($"licenses/{license.Str("id")}/suspend", null, Cancel)).DataAsync();
        Assert.Equal("SUSPENDED", await TwoNodeTests.VerifyUntilAsync(b, license.Str("key"), "SUSPENDED"));
    }
}

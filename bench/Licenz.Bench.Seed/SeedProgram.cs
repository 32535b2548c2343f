using System.Diagnostics;
using System.Globalization;
using Licenz.Server.Accounts;
using Licenz.Server.Activity;
using Licenz.Server.Caching;
using Licenz.Server.Data;
using Licenz.Server.Hosting;
using Licenz.Server.Licenses;
using Licenz.Server.Policies;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Licenz.Bench.Seed;

/// <summary>
/// <c>seed --licenses N [--activation-licenses M] --out DIR</c>: brings the database of the configured data folder up to
/// date, makes sure the default account exists (as the server's first start would), and gives its product "bench" (with
/// its default policies, and a policy allowing many machines per license) N active licenses under its default
/// subscription policy and M under the other; then writes DIR/keys.txt and DIR/activation-keys.txt (one license key a
/// line) and DIR/seed.env.
/// <c>count-validated --since TIMESTAMP</c>: prints how many licenses were last validated at or after it.
/// <c>count-machines</c>: prints how many machines are activated.
/// <c>raw-inserts --writers N --seconds S [--warmup W]</c>: single-row transactions from N writers at once into a table
/// of the same database, the write path's limit (<see cref="RawInserts"/>).
/// <c>flush --rows N --rounds R</c>: R times, notes N licenses drawn at random from the folder's as validated (over
/// five seconds, as the server's 5-second flush finds them) and times the server's own activity writer writing them:
/// CPU time per row. The server must not be running on the folder.
/// <c>create-database</c>, <c>drop-database</c>: the PostgreSQL database of <c>ConnectionStrings:Licenz</c> (<see cref="BenchDatabase"/>).
/// <c>cache-memory --licenses N</c>: stores N licenses (the seeded ones' shape: ids, shared account and product, keyed
/// hashes; metadata of each one's own) in the server's verification cache and prints the managed bytes each took.
/// Configuration is the server's own (<c>Licenz__*</c> environment variables, or <c>--Licenz:…=…</c>).
/// </summary>
internal static class SeedProgram
{
    private const string Usage =
        "usage: seed --licenses N [--activation-licenses M] --out DIR [config…] | count-validated --since TIMESTAMP [config…]" +
        " | count-machines [config…] | raw-inserts --writers N --seconds S [--warmup W] [config…] | flush --rows N --rounds R [config…]" +
        " | cache-memory --licenses N | create-database [config…] | drop-database [config…]";

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0)
        {
            return Fail(Usage);
        }

        var command = args[0];
        var (options, configuration) = Split(args[1..]);
        try
        {
            return command switch
            {
                "seed" when Int(options, "--licenses") is > 0 and var count && options.GetValueOrDefault("--out") is { } folder =>
                    await SeedAsync(configuration, count, Int(options, "--activation-licenses"), folder),
                "count-validated" when options.GetValueOrDefault("--since") is { } since
                                       && DateTime.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var at) =>
                    await CountValidatedAsync(configuration, at),
                "flush" when Int(options, "--rows") is > 0 and var rows && Int(options, "--rounds") is > 0 and var rounds =>
                    await FlushAsync(configuration, rows, rounds),
                "count-machines" => await CountMachinesAsync(configuration),
                "raw-inserts" when Int(options, "--writers") is > 0 and var writers && Int(options, "--seconds") is > 0 and var seconds =>
                    await RawInsertsAsync(configuration, writers, seconds, Int(options, "--warmup")),
                "create-database" or "drop-database" => await BenchDatabase.RunAsync(command, configuration),
                "cache-memory" when Int(options, "--licenses") is > 0 and var licenses => CacheMemory(licenses),
                _ => Fail(Usage),
            };
        }
        catch (Exception exception) when (StartupErrors.Describe(exception) is { } message)
        {
            return Fail(message);
        }
    }

    private static async Task<int> SeedAsync(string[] configuration, int count, int activationCount, string folder)
    {
        await using var app = Build(configuration);
        var settings = app.Services.GetRequiredService<IOptions<LicenzOptions>>().Value;
        var time = app.Services.GetRequiredService<TimeProvider>();
        DataDirectory.Ensure(settings.DataDirectory);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        await DatabaseSetup.PrepareAsync(db, migrate: true, app.Services.GetRequiredService<ILogger<LicenzDbContext>>(), CancellationToken.None);

        var provisioner = scope.ServiceProvider.GetRequiredService<AccountProvisioner>();
        var (account, _) = await provisioner.EnsureDefaultAccountAsync(settings.DefaultAccountName, settings.ParsedPlan, CancellationToken.None);
        scope.ServiceProvider.GetRequiredService<Tenancy>().Serve(account.Id);
        var bench = await BenchProduct.EnsureAsync(db, account.Id, time);
        var keys = app.Services.GetRequiredService<LicenseKeyProtection>();

        var started = time.GetTimestamp();
        var inserted = await SeedPolicyAsync(db, bench, bench.Subscription, count, time, keys);
        var seconds = time.GetElapsedTime(started).TotalSeconds;
        var activationsInserted = await SeedPolicyAsync(db, bench, bench.Activations, activationCount, time, keys);

        Directory.CreateDirectory(folder);
        var total = await WriteKeysAsync(db, bench.Subscription, Path.Combine(folder, "keys.txt"), keys);
        var activationTotal = activationCount > 0 ? await WriteKeysAsync(db, bench.Activations, Path.Combine(folder, "activation-keys.txt"), keys) : 0;

        await File.WriteAllLinesAsync(Path.Combine(folder, "seed.env"),
        [
            $"ACCOUNT_ID={account.Id}",
            $"PRODUCT_ID={bench.Product.Id}",
            $"LICENSES={total}",
            $"ACTIVATION_POLICY_ID={bench.Activations.Id}",
            $"ACTIVATION_LICENSES={activationTotal}",
            $"ACTIVATION_MAX_MACHINES={BenchProduct.MaxMachines}",
            $"SEED_SECONDS={seconds.ToString("F1", CultureInfo.InvariantCulture)}",
        ]);
        await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Seeded {inserted:N0} licenses in {seconds:F1} s ({inserted / Math.Max(seconds, 0.001):N0}/s), and {activationsInserted:N0} to activate machines on; " +
            $"product {bench.Product.Id} has {total:N0} under its default subscription policy and {activationTotal:N0} under {bench.Activations.Id} (activations)."));
        return 0;
    }

    /// <summary>Brings the policy's licenses up to <paramref name="count"/> (a folder seeded before keeps its own).</summary>
    private static async Task<int> SeedPolicyAsync(LicenzDbContext db, BenchProduct bench, Policy policy, int count, TimeProvider time, LicenseKeyProtection keys)
    {
        var existing = await db.Licenses.CountAsync(l => l.PolicyId == policy.Id);
        return await LicenseBulkInsert.RunAsync(db, Math.Max(0, count - existing), i => bench.NewLicense(policy, existing + i, time, keys));
    }

    /// <summary>The policy's license keys, one a line, oldest first. Rows hold no key: each is opened from its seal, as the API shows it.</summary>
    private static async Task<int> WriteKeysAsync(LicenzDbContext db, Policy policy, string path, LicenseKeyProtection keys)
    {
        var total = 0;
        await using var list = new StreamWriter(path);
        await foreach (var row in db.Licenses.AsNoTracking().IgnoreAutoIncludes().Where(l => l.PolicyId == policy.Id).OrderBy(l => l.Id)
                           .Select(l => new { l.AccountId, l.Id, l.SealedKey }).AsAsyncEnumerable())
        {
            await list.WriteLineAsync(keys.Open(row.AccountId, row.Id, row.SealedKey));
            total++;
        }

        return total;
    }

    private static async Task<int> CountValidatedAsync(string[] configuration, DateTime since)
    {
        await using var app = Build(configuration);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        var count = await db.LicenseActivity.CountAsync(a => a.LastValidatedAt >= since);
        await Console.Out.WriteLineAsync(count.ToString(CultureInfo.InvariantCulture));
        return 0;
    }

    private static async Task<int> CountMachinesAsync(string[] configuration)
    {
        await using var app = Build(configuration);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        var count = await db.Machines.IgnoreQueryFilters([LicenzDbContext.TenantFilter]).CountAsync();
        await Console.Out.WriteLineAsync(count.ToString(CultureInfo.InvariantCulture));
        return 0;
    }

    private static async Task<int> RawInsertsAsync(string[] configuration, int writers, int seconds, int warmup)
    {
        // Each writer holds a connection of its own for the whole run: on PostgreSQL the pool holds as many, whatever
        // the server's own pool size (DatabaseSetup.PooledConnections).
        await using var app = Build(configuration, builder =>
        {
            if (builder.Configuration.GetConnectionString(DatabaseSetup.ConnectionStringName) is { } configured
                && builder.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>()?.ParsedProvider == DatabaseProvider.PostgreSql)
            {
                builder.Configuration[$"ConnectionStrings:{DatabaseSetup.ConnectionStringName}"] =
                    new NpgsqlConnectionStringBuilder(configured) { MaxPoolSize = Math.Max(writers, DatabaseSetup.PooledConnections) }.ConnectionString;
            }
        });
        return await RawInserts.RunAsync(app, writers, seconds, warmup);
    }

    private static async Task<int> FlushAsync(string[] configuration, int rows, int rounds)
    {
        await using var app = Build(configuration);
        var recorder = app.Services.GetRequiredService<ActivityRecorder>();
        List<string> ids;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            ids = await scope.ServiceProvider.GetRequiredService<LicenzDbContext>().LicenseActivity.Select(a => a.LicenseId).ToListAsync();
        }

        var random = new Random(20261127);
        var now = DateTime.UtcNow;
        var second = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        var perRow = new List<double>();
        using var process = Process.GetCurrentProcess();
        for (var round = 1; round <= rounds; round++)
        {
            var drawn = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < rows; i++)
            {
                var id = ids[random.Next(ids.Count)];
                drawn.Add(id);
                recorder.LicenseValidated(id, second.AddSeconds(i % 5));
            }

            second = second.AddSeconds(5);
            var written = drawn.Count;
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            await recorder.FlushAsync();
            process.Refresh();
            var microseconds = (process.TotalProcessorTime - cpu).TotalMicroseconds / written;
            perRow.Add(microseconds);
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: {written:N0} rows in {clock.ElapsedMilliseconds:N0} ms, {microseconds:F1} µs CPU per row"));
        }

        // The fastest round: on a shared machine other work only ever slows a round down.
        await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"flush-result rows={rows} min_us_per_row={perRow.Min():F1} median_us_per_row={perRow.Order().ElementAt(perRow.Count / 2):F1}"));
        return 0;
    }

    /// <summary>
    /// Managed bytes per cached license: the heap after a full collection, before and after storing, with what the
    /// entries share (account and product ids) allocated before. Twice: licenses without metadata (or with metadata
    /// they share), then each with metadata of its own, <c>{"seats":N}</c> (11 to 17 bytes of text).
    /// </summary>
    private static int CacheMemory(int count)
    {
        CacheMemory(count, ownMetadata: false);
        CacheMemory(count, ownMetadata: true);
        return 0;
    }

    private static void CacheMemory(int count, bool ownMetadata)
    {
        var time = TimeProvider.System;
        var cache = new HotPathCache(Options.Create(new CacheOptions { MaxEntries = count }), time);
        const string accountId = "acct_0000000000000000000000000a", productId = "prod_00000000000000000000000000";
        var createdAt = time.GetUtcNow().UtcDateTime;
        var hash = new byte[LicenseKeyProtection.HashSize];
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 0; i < count; i++)
        {
            System.Security.Cryptography.RandomNumberGenerator.Fill(hash);
            var metadata = ownMetadata ? CachedMetadata.Text(System.Text.Encoding.UTF8.GetBytes($$"""{"seats":{{i}}}""")) : CachedMetadata.Empty;
            cache.StoreLicense(new LicenseCacheKey(hash), new CachedLicense(Ids.New(Ids.License, time), accountId, productId,
                LicenseType.Subscription, LicenseStatus.Active, createdAt.AddDays(365), createdAt, metadata), cache.Epoch);
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cache-memory licenses={cache.LicenseCount} own_metadata={ownMetadata} bytes_per_license={(after - before) / (double)count:F0}"));
        GC.KeepAlive(cache);
    }

    /// <summary>The server's services from the server's configuration, built but never started.</summary>
    private static WebApplication Build(string[] configuration, Action<WebApplicationBuilder>? adjust = null)
    {
        var builder = LicenzServer.CreateBuilder(configuration);
        adjust?.Invoke(builder);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        return builder.Build();
    }

    /// <summary>Options of this tool (<c>--name value</c>) apart from everything else, which is configuration.</summary>
    private static (Dictionary<string, string> Options, string[] Configuration) Split(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--licenses" or "--activation-licenses" or "--out" or "--since" or "--rows" or "--rounds" or "--writers" or "--seconds" or "--warmup"
                && i + 1 < args.Length)
            {
                options[args[i]] = args[++i];
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        return (options, [.. rest]);
    }

    private static int Int(Dictionary<string, string> options, string name) =>
        options.TryGetValue(name, out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 2;
    }
}

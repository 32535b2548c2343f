using System.Collections.Concurrent;
using System.Diagnostics;
using Licenz.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Activity;

/// <summary>Settings under <c>Licenz:Activity</c>.</summary>
public sealed class ActivityOptions
{
    public const string Section = "Licenz:Activity";

    /// <summary>
    /// How often last-used (API keys) and last-validated (licenses) times are written; the API shows them this much
    /// later at most. Each flush writes every row touched since the one before, once: a longer interval writes the
    /// rows of a busy key or license fewer times, and at a million licenses packs more of them onto each page written.
    /// </summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Refuses a flush interval under a second (a write transaction several times a second) or over ten minutes.</summary>
public sealed class ActivityOptionsValidator : IValidateOptions<ActivityOptions>
{
    private static readonly TimeSpan Shortest = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Longest = TimeSpan.FromMinutes(10);

    public ValidateOptionsResult Validate(string? name, ActivityOptions options) =>
        options.FlushInterval >= Shortest && options.FlushInterval <= Longest
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{ActivityOptions.Section}:FlushInterval is {options.FlushInterval:c}; it must be between {Shortest:c} and {Longest:c}.");
}

/// <summary>
/// Records "last used" (API keys) and "last validated" (licenses) off the request path: requests note
/// the time in memory and a background loop writes the latest value per row every few seconds,
/// batched, so a burst of verifications costs a few statements instead of one per request.
/// </summary>
/// <remarks>
/// Each id waiting to be written has one entry, its latest second as UTC ticks, updated in place (a long is
/// written atomically; a DateTime value would cost a new dictionary node on every request). An entry is removed
/// once its time is written, unless a newer time was noted meanwhile; a write that fails leaves every entry in
/// place for the next flush.
/// </remarks>
public sealed class ActivityRecorder(IServiceScopeFactory scopes, IOptions<ActivityOptions> options, TimeProvider time, ILogger<ActivityRecorder> logger)
    : BackgroundService
{
    private readonly ConcurrentDictionary<string, long> _keysUsed = new();
    // Licenses by the 16 bytes of their id (Ids.TryPack), not its 88-byte string: when flushes are far apart, hundreds
    // of thousands of licenses wait here. Ids that do not pack (not made by Ids.New) wait by their string.
    private readonly ConcurrentDictionary<UInt128, long> _licensesValidated = new();
    private readonly ConcurrentDictionary<string, long> _otherLicensesValidated = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private long _writtenUpTo = time.GetUtcNow().UtcTicks;

    private const int BatchSize = 500;

    /// <summary>Times are kept to the second, as the API shows them, so that rows group into few statements.</summary>
    public void ApiKeyUsed(string keyId, DateTime at) => Note(_keysUsed, keyId, at);

    public void LicenseValidated(string licenseId, DateTime at)
    {
        if (Ids.TryPack(licenseId, Ids.License, out var packed))
        {
            Note(_licensesValidated, packed, at);
        }
        else
        {
            Note(_otherLicensesValidated, licenseId, at);
        }
    }

    /// <summary>As <see cref="LicenseValidated(string, DateTime)"/>, for an id already packed (<see cref="Ids.TryPack"/>): the verification cache keeps them so.</summary>
    public void LicenseValidated(UInt128 packedLicenseId, DateTime at) => Note(_licensesValidated, packedLicenseId, at);

    /// <summary>Ids whose time waits to be written (tests).</summary>
    internal int Waiting => _keysUsed.Count + LicensesWaiting;

    /// <summary>API keys whose last use waits to be written. Counting takes every lock of the map: for a scrape, not a request.</summary>
    internal int ApiKeysWaiting => _keysUsed.Count;

    /// <summary>Licenses whose last validation waits to be written. As <see cref="ApiKeysWaiting"/>, not for a request.</summary>
    internal int LicensesWaiting => _licensesValidated.Count + _otherLicensesValidated.Count;

    /// <summary>
    /// Every time noted before this moment has been written: the start of the last flush that succeeded (one that found
    /// nothing to write included), or the start of the server. How far the written times lag behind is now minus this.
    /// </summary>
    internal DateTimeOffset WrittenUpTo => new(Volatile.Read(ref _writtenUpTo), TimeSpan.Zero);

    private static void Note<TKey>(ConcurrentDictionary<TKey, long> pending, TKey id, DateTime at)
        where TKey : notnull
    {
        var second = at.Ticks - (at.Ticks % TimeSpan.TicksPerSecond);

        // Most requests repeat the second already pending (a busy key, a license checked at each launch):
        // reading is lock-free, only a newer second takes the entry's lock. An older one never replaces it.
        if (pending.TryGetValue(id, out var noted) && noted >= second)
        {
            return;
        }

        pending.AddOrUpdate(id, static (_, value) => value, static (_, noted, value) => Math.Max(noted, value), second);
    }

    /// <summary>
    /// What waits to be written, as one array sorted by time, then by id: one statement per run of the same second, in
    /// batches of ids in id order. Ids sort by creation time, as rows lie in their tables: in id order a flush walks
    /// each table front to back and finishes with a page before it moves to the next, instead of coming back to it at
    /// random. Packed ids sort as their strings do (big-endian bytes, base32 in order), and become strings one batch
    /// at a time: hundreds of thousands waiting cost one array, not a string each.
    /// </summary>
    private static (TKey Key, long Ticks)[] Pending<TKey>(ConcurrentDictionary<TKey, long> pending, IComparer<TKey> order)
        where TKey : notnull
    {
        var entries = pending.Select(e => (e.Key, e.Value)).ToArray();
        Array.Sort(entries, (x, y) => x.Value != y.Value ? x.Value.CompareTo(y.Value) : order.Compare(x.Key, y.Key));
        return entries;
    }

    /// <summary>The runs of one second in <paramref name="pending"/>, in batches of at most <see cref="BatchSize"/> ids.</summary>
    private static IEnumerable<(DateTime At, List<string> Ids)> Batches<TKey>((TKey Key, long Ticks)[] pending, Func<TKey, string> idOf)
    {
        for (var start = 0; start < pending.Length;)
        {
            var ticks = pending[start].Ticks;
            var ids = new List<string>(BatchSize);
            var end = start;
            while (end < pending.Length && pending[end].Ticks == ticks && ids.Count < BatchSize)
            {
                ids.Add(idOf(pending[end++].Key));
            }

            yield return (new DateTime(ticks, DateTimeKind.Utc), ids);
            start = end;
        }
    }

    /// <summary>Forgets what was written, unless a newer time was noted meanwhile (that one stays pending).</summary>
    private static void Written<TKey>(ConcurrentDictionary<TKey, long> pending, (TKey Key, long Ticks)[] written)
        where TKey : notnull
    {
        foreach (var entry in written)
        {
            pending.TryRemove(KeyValuePair.Create(entry.Key, entry.Ticks));
        }
    }

    /// <summary>Writes what is pending now. The loop calls it; tests and shutdown call it directly.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await _flushing.WaitAsync(cancellationToken);
        try
        {
            // Taken before the maps are read: whatever was noted before now is in what they yield (or newer than it).
            var startedAt = time.GetUtcNow().UtcTicks;
            var keys = Pending(_keysUsed, StringComparer.Ordinal);
            var licenses = Pending(_licensesValidated, Comparer<UInt128>.Default);
            var otherLicenses = Pending(_otherLicensesValidated, StringComparer.Ordinal);
            if (keys.Length == 0 && licenses.Length == 0 && otherLicenses.Length == 0)
            {
                Volatile.Write(ref _writtenUpTo, startedAt);
                return;
            }

            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();

            // One transaction, and one statement per second-of-activity and batch of rows: thousands of
            // verifications a second cost a handful of statements and a single commit, in a page cache large
            // enough to hold every page they change until then. Each batch of ids is one parameter (EF.Parameter;
            // json_each on SQLite), so every statement has the same text whatever the batch's size.
            await using var largeCache = await SqliteConnectionSettings.LargePageCacheAsync(db.Database, cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            foreach (var (at, ids) in Batches(keys, static id => id))
            {
                await db.ApiKeys.IgnoreQueryFilters([LicenzDbContext.TenantFilter]).Where(k => EF.Parameter(ids).Contains(k.Id) && (k.LastUsedAt == null || k.LastUsedAt < at))
                    .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, at), cancellationToken);
            }

            foreach (var (at, ids) in Batches(licenses, static packed => Ids.Unpack(Ids.License, packed)).Concat(Batches(otherLicenses, static id => id)))
            {
                await db.LicenseActivity.Where(a => EF.Parameter(ids).Contains(a.LicenseId) && (a.LastValidatedAt == null || a.LastValidatedAt < at))
                    .ExecuteUpdateAsync(s => s.SetProperty(a => a.LastValidatedAt, at), cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            Written(_keysUsed, keys);
            Written(_licensesValidated, licenses);
            Written(_otherLicensesValidated, otherLicenses);
            Volatile.Write(ref _writtenUpTo, startedAt);
        }
        finally
        {
            _flushing.Release();
        }
    }

    /// <summary>
    /// The writer flushes at most once per this many times the length of its last flush: it spends at most about 5 % of
    /// one core writing, whatever the load (see <see cref="NextFlushAfter"/>).
    /// </summary>
    internal const int DutyCycle = 20;

    /// <summary>
    /// How long the loop waits after a flush that took <paramref name="flushed"/>: the interval, or longer when flushes
    /// are long. A flush costs about as many pages as its rows land on: when verifications spread over a million
    /// licenses, every 5-second flush rewrites most of the table, and waiting longer puts more rows on each page written
    /// (a flush of 165,000 rows costs about half as much per row as one of 55,000). Times then show later, but the
    /// writer's share of the machine stays small, and the lag is on <c>/metrics</c> (<c>licenz_activity_lag_seconds</c>).
    /// </summary>
    internal static TimeSpan NextFlushAfter(TimeSpan interval, TimeSpan flushed) =>
        flushed * DutyCycle > interval ? flushed * DutyCycle : interval;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.FlushInterval;
        var wait = interval;
        try
        {
            while (true)
            {
                // The loop keeps real time, as the times it writes need no clock of their own.
                await Task.Delay(wait, stoppingToken);
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await FlushAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    logger.LogWarning(exception, "Could not record API key and license activity; will retry");
                }

                wait = NextFlushAfter(interval, Stopwatch.GetElapsedTime(started));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await FlushAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning(exception, "Could not record the last API key and license activity at shutdown");
        }
    }
}

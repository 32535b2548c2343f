using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Licenz.Server.Data;
using Licenz.Server.Verification;
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
    private readonly ConcurrentDictionary<(string Account, DateOnly Day), DayCounts> _daily = new();
    private readonly ConcurrentDictionary<string, VerificationRefusal> _refusals = new(StringComparer.Ordinal);
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

    /// <summary>Counts a verification or an activation of <paramref name="accountId"/> on the day of <paramref name="at"/> (UTC).</summary>
    public void Count(string accountId, DailyCount what, DateTime at)
    {
        var counts = _daily.GetOrAdd((accountId, DateOnly.FromDateTime(at)), static _ => new DayCounts());
        if (what == DailyCount.Verification)
        {
            Interlocked.Increment(ref counts.Verifications);
        }
        else
        {
            Interlocked.Increment(ref counts.Activations);
        }
    }

    /// <summary>How long the refused verifications shown on a license's page are kept.</summary>
    internal static readonly TimeSpan RefusalsKeptFor = TimeSpan.FromDays(30);

    private const int FingerprintKept = 200;
    private const int EntitlementsKept = 500;

    /// <summary>
    /// Keeps a verification that did not answer a plain VALID, to be written with the next flush: the latest per license
    /// (<see cref="VerificationRefusal"/>). Only such answers come here, so a valid verification costs nothing more.
    /// </summary>
    public void Refused(string accountId, string licenseId, Verdict verdict, VerifyScope scope, DateTime at) =>
        _refusals[licenseId] = new VerificationRefusal
        {
            Id = Ids.NewSequential(Ids.Refusal, time),
            AccountId = accountId,
            LicenseId = licenseId,
            At = at,
            Valid = verdict.Valid,
            Code = verdict.Code,
            Detail = Cut(verdict.Detail, 1000)!,
            Fingerprint = Cut(scope.Fingerprint, FingerprintKept),
            Entitlements = scope.Entitlements.Count == 0 ? null : Cut(string.Join(",", scope.Entitlements), EntitlementsKept),
            Checks = JsonSerializer.Serialize(verdict.Checks, VerificationJsonContext.Default.IReadOnlyListVerificationCheck),
        };

    private static string? Cut(string? text, int length) => text is null || text.Length <= length ? text : text[..length];

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
    /// What waits to be written, as one array sorted by id. Ids sort by creation time, as rows lie in their tables (and
    /// <c>license_activity</c> is kept in id order): a part of consecutive ids is a stretch of the table. Packed ids sort
    /// as their strings do (big-endian bytes, base32 in order), and become strings one batch at a time: hundreds of
    /// thousands waiting cost one array, not a string each.
    /// </summary>
    private static (TKey Key, long Ticks)[] Pending<TKey>(ConcurrentDictionary<TKey, long> pending, IComparer<TKey> order)
        where TKey : notnull
    {
        var entries = pending.Select(e => (e.Key, e.Value)).ToArray();
        Array.Sort(entries, (x, y) => order.Compare(x.Key, y.Key));
        return entries;
    }

    /// <summary>
    /// A copy of <paramref name="entries"/> sorted by time, then by id: one statement per run of the same second, in
    /// batches of ids in id order, so a statement walks its stretch of the table front to back.
    /// </summary>
    private static (TKey Key, long Ticks)[] ByTime<TKey>((TKey Key, long Ticks)[] entries, IComparer<TKey> order)
    {
        var sorted = entries.ToArray();
        Array.Sort(sorted, (x, y) => x.Ticks != y.Ticks ? x.Ticks.CompareTo(y.Ticks) : order.Compare(x.Key, y.Key));
        return sorted;
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

    /// <summary>
    /// Writes what is pending now, at once. Tests and shutdown call it; the loop writes the same way, paced
    /// (<see cref="FlushPacedAsync"/>).
    /// </summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) => FlushAsync(paced: false, cancellationToken);

    /// <summary>
    /// Writes what is pending now, one part of the licenses at a time, and after each part waits <see cref="PauseAfter"/>
    /// its length: the writer takes about a twentieth of one core at most, evenly, and holds SQLite's write lock one part
    /// at a time, so another write (a license created, a machine activated) waits for a part, not for the whole flush.
    /// </summary>
    internal Task FlushPacedAsync(CancellationToken cancellationToken) => FlushAsync(paced: true, cancellationToken);

    private async Task FlushAsync(bool paced, CancellationToken cancellationToken)
    {
        await _flushing.WaitAsync(cancellationToken);
        try
        {
            // Taken before the maps are read: whatever was noted before now is in what they yield (or newer than it).
            var startedAt = time.GetUtcNow().UtcTicks;
            var keys = Pending(_keysUsed, StringComparer.Ordinal);
            var licenses = Pending(_licensesValidated, Comparer<UInt128>.Default);
            var otherLicenses = Pending(_otherLicensesValidated, StringComparer.Ordinal);
            var days = TakeCounts();
            var refusals = TakeRefusals();
            if (keys.Length + licenses.Length + otherLicenses.Length + days.Count + refusals.Count == 0)
            {
                Volatile.Write(ref _writtenUpTo, startedAt);
                return;
            }

            // One connection for the whole flush, with a page cache that holds every page a transaction changes until
            // its commit (given back, and the memory returned, once the flush is over).
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
            await using var largeCache = await SqliteConnectionSettings.LargePageCacheAsync(db.Database, cancellationToken);
            if (days.Count > 0)
            {
                await WriteCountsAsync(db, days, cancellationToken);
            }

            if (refusals.Count > 0)
            {
                await WriteRefusalsAsync(db, refusals, cancellationToken);
            }

            if (keys.Length + otherLicenses.Length > 0)
            {
                await WriteAsync(db, keys, licenses: [], otherLicenses, cancellationToken);
                Written(_keysUsed, keys);
                Written(_otherLicensesValidated, otherLicenses);
            }

            // Licenses in parts of consecutive ids: a part's rows lie together in the table (kept in id order), so each
            // page is written by one part, once.
            for (var part = 0; part < licenses.Length; part += PartSize)
            {
                var rows = licenses[part..Math.Min(licenses.Length, part + PartSize)];
                var started = Stopwatch.GetTimestamp();
                await WriteAsync(db, keys: [], rows, otherLicenses: [], cancellationToken);
                Written(_licensesValidated, rows);
                if (paced && part + PartSize < licenses.Length)
                {
                    await Task.Delay(PauseAfter(Stopwatch.GetElapsedTime(started)), cancellationToken);
                }
            }

            Volatile.Write(ref _writtenUpTo, startedAt);
        }
        finally
        {
            _flushing.Release();
        }
    }

    /// <summary>The counts made since the last flush, taken out of the counters (each counter keeps counting from zero).</summary>
    private List<(string Account, DateOnly Day, long Verifications, long Activations)> TakeCounts()
    {
        var taken = new List<(string, DateOnly, long, long)>();
        foreach (var ((account, day), counts) in _daily)
        {
            var verifications = Interlocked.Exchange(ref counts.Verifications, 0);
            var activations = Interlocked.Exchange(ref counts.Activations, 0);
            if (verifications + activations > 0)
            {
                taken.Add((account, day, verifications, activations));
            }
            else if (day < DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime))
            {
                // A day that is over and counted nothing since: its counter goes (a late count makes it again).
                _daily.TryRemove(new KeyValuePair<(string, DateOnly), DayCounts>((account, day), counts));
            }
        }

        return taken;
    }

    /// <summary>The counts, added to their days' rows in one transaction; if it fails, they are counted again for the next flush.</summary>
    private async Task WriteCountsAsync(LicenzDbContext db, List<(string Account, DateOnly Day, long Verifications, long Activations)> days, CancellationToken cancellationToken)
    {
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            foreach (var (account, day, verifications, activations) in days)
            {
                await DailyActivityUpsert.AddAsync(db, account, day, verifications, activations, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }
        catch
        {
            foreach (var (account, day, verifications, activations) in days)
            {
                var counts = _daily.GetOrAdd((account, day), static _ => new DayCounts());
                Interlocked.Add(ref counts.Verifications, verifications);
                Interlocked.Add(ref counts.Activations, activations);
            }

            throw;
        }
    }

    /// <summary>The refusals kept since the last flush, taken out (a newer one for the same license waits for the next).</summary>
    private List<VerificationRefusal> TakeRefusals()
    {
        var taken = new List<VerificationRefusal>();
        foreach (var (licenseId, refusal) in _refusals)
        {
            if (_refusals.TryRemove(KeyValuePair.Create(licenseId, refusal)))
            {
                taken.Add(refusal);
            }
        }

        return taken;
    }

    /// <summary>
    /// The refusals, and the removal of those older than <see cref="RefusalsKeptFor"/>, in one transaction. If it fails
    /// they are dropped with a warning, and the flush goes on: a row that could never be written must not hold back the
    /// last-validated times behind it. A license deleted meanwhile takes its refusal with it (the row is skipped).
    /// </summary>
    private async Task WriteRefusalsAsync(LicenzDbContext db, List<VerificationRefusal> refusals, CancellationToken cancellationToken)
    {
        try
        {
            var ids = refusals.Select(r => r.LicenseId).ToList();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var existing = await db.Licenses.IgnoreQueryFilters([LicenzDbContext.TenantFilter]).Where(l => ids.Contains(l.Id)).Select(l => l.Id)
                .ToListAsync(cancellationToken);
            db.VerificationRefusals.AddRange(refusals.Where(r => existing.Contains(r.LicenseId)));
            await db.SaveChangesAsync(cancellationToken);
            var before = time.GetUtcNow().UtcDateTime - RefusalsKeptFor;
            await db.VerificationRefusals.IgnoreQueryFilters([LicenzDbContext.TenantFilter]).Where(r => r.At < before).ExecuteDeleteAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // They are what the answers said, for support to read: not worth holding back the times and counts for.
            logger.LogWarning(exception, "Could not record {Count} refused verifications; they are left out of the licenses' pages", refusals.Count);
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    private sealed class DayCounts
    {
        public long Verifications;
        public long Activations;
    }

    /// <summary>
    /// One transaction, and one statement per second-of-activity and batch of rows: thousands of verifications a second
    /// cost a handful of statements and a single commit. Each batch of ids is one parameter (EF.Parameter; json_each on
    /// SQLite), so every statement has the same text whatever the batch's size.
    /// </summary>
    private static async Task WriteAsync(LicenzDbContext db,
        (string Key, long Ticks)[] keys, (UInt128 Key, long Ticks)[] licenses, (string Key, long Ticks)[] otherLicenses, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        foreach (var (at, ids) in Batches(ByTime(keys, StringComparer.Ordinal), static id => id))
        {
            await db.ApiKeys.IgnoreQueryFilters([LicenzDbContext.TenantFilter]).Where(k => EF.Parameter(ids).Contains(k.Id) && (k.LastUsedAt == null || k.LastUsedAt < at))
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, at), cancellationToken);
        }

        foreach (var (at, ids) in Batches(ByTime(licenses, Comparer<UInt128>.Default), static packed => Ids.Unpack(Ids.License, packed))
                     .Concat(Batches(ByTime(otherLicenses, StringComparer.Ordinal), static id => id)))
        {
            await db.LicenseActivity.Where(a => EF.Parameter(ids).Contains(a.LicenseId) && (a.LastValidatedAt == null || a.LastValidatedAt < at))
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.LastValidatedAt, at), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Licenses written per transaction when the loop flushes. At a million licenses, a few hundred pages of the table:
    /// tens of milliseconds of writing: what another write waits for, at most, besides the SQLite driver's retry delay.
    /// </summary>
    internal const int PartSize = 5_000;

    /// <summary>The writer spends at most about one part in this many of its time writing, whatever the load.</summary>
    internal const int DutyCycle = 20;

    /// <summary>
    /// How long the loop waits after writing a part that took <paramref name="written"/>: 19 times as long, so that it
    /// writes a twentieth of the time. When verifications spread over a million licenses, a flush has hundreds of
    /// thousands of rows; written at once they took a core for seconds, and every write of the server waited for them.
    /// Paced, they cost the same, spread out. Times then show later (a flush of 150,000 rows lasts about half a minute),
    /// and the lag is on <c>/metrics</c> (<c>licenz_activity_lag_seconds</c>).
    /// </summary>
    internal static TimeSpan PauseAfter(TimeSpan written) => written * (DutyCycle - 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.FlushInterval;
        try
        {
            while (true)
            {
                // The loop keeps real time, as the times it writes need no clock of their own.
                await Task.Delay(interval, stoppingToken);
                try
                {
                    await FlushPacedAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    logger.LogWarning(exception, "Could not record API key and license activity; will retry");
                }
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

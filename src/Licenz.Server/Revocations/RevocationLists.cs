using System.Collections.Concurrent;
using System.Data;
using Licenz.Server.Data;
using Licenz.Server.Events;
using Licenz.Server.Licenses;
using Licenz.Server.Signing;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Revocations;

/// <summary>
/// Each account's revocation list: its version (carried by every license file and signed verification answer) and the
/// signed list itself (<see cref="RevocationsApi"/>). Both are cached for a minute at most and dropped as soon as a
/// change of the list commits, here or on another node (the event spine, relayed through Redis), so an application
/// hears of a revocation with its next answer or file.
/// </summary>
public sealed class RevocationLists(IServiceScopeFactory scopes, SigningKeyRing ring, TimeProvider time) : IEventSink
{
    /// <summary>
    /// How long an entry stays on the list. A license file lives at most a year (<see cref="LicenseFileApi.MaxTtl"/>),
    /// and none is issued to a revoked, suspended or deleted license or a deactivated machine: after a year and a day an
    /// entry names nothing a file could still be valid for. The version still counts it.
    /// </summary>
    public static readonly TimeSpan Retention = TimeSpan.FromSeconds(LicenseFileApi.MaxTtl) + TimeSpan.FromDays(1);

    private static readonly TimeSpan CacheLifetime = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Cached<long>> _versions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Cached<string>> _lists = new(StringComparer.Ordinal);

    /// <summary>Grows with every change of any list: a read that started before one is not cached after it.</summary>
    private long _generation;

    /// <summary>The account's list version: the number of changes it has had (0: none).</summary>
    public async ValueTask<long> VersionAsync(string accountId, CancellationToken cancellationToken)
    {
        if (_versions.TryGetValue(accountId, out var cached) && cached.FreshAt(time.GetUtcNow()))
        {
            return cached.Value;
        }

        var generation = Interlocked.Read(ref _generation);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        var version = await Of(db, accountId).LongCountAsync(cancellationToken);
        Remember(_versions, accountId, version, generation);
        return version;
    }

    /// <summary>The account's signed list (<see cref="RevocationList"/>), as served.</summary>
    public async ValueTask<string> SignedAsync(string accountId, CancellationToken cancellationToken)
    {
        if (_lists.TryGetValue(accountId, out var cached) && cached.FreshAt(time.GetUtcNow()))
        {
            return cached.Value;
        }

        var generation = Interlocked.Read(ref _generation);
        var now = time.GetUtcNow();
        var since = (now - Retention).UtcDateTime;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();

        // The version and the entries from one snapshot, so that the list is exactly what its version says.
        long version;
        List<(string SubjectType, string SubjectId, string State)> entries;
        await using (var snapshot = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken))
        {
            version = await Of(db, accountId).LongCountAsync(cancellationToken);
            entries = (await Of(db, accountId)
                    .Where(r => r.CreatedAt >= since)
                    .OrderBy(r => r.Id)
                    .Select(r => new { r.SubjectType, r.SubjectId, r.State })
                    .ToListAsync(cancellationToken))
                .Select(r => (r.SubjectType, r.SubjectId, r.State)).ToList();
            await snapshot.CommitAsync(cancellationToken);
        }

        // The latest change of each license decides: a reinstated license leaves the list.
        var licenses = new Dictionary<string, string>(StringComparer.Ordinal);
        var machines = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (subjectType, subjectId, state) in entries)
        {
            if (subjectType == "machine")
            {
                machines.Add(subjectId);
            }
            else if (state == "active")
            {
                licenses.Remove(subjectId);
            }
            else
            {
                licenses[subjectId] = state;
            }
        }

        var key = await ring.CurrentAsync(accountId, cancellationToken);
        var signed = RevocationListIssuer.Issue(accountId, version, now, licenses, machines, key);
        Remember(_lists, accountId, signed, generation);
        Remember(_versions, accountId, version, generation);
        return signed;
    }

    /// <summary>A committed change of a list drops what is cached of it (and makes reads already under way not cache).</summary>
    public void Committed(IReadOnlyList<LicenzEvent> events)
    {
        foreach (var change in events)
        {
            if (RevocationEntry.For(change) is not null)
            {
                Interlocked.Increment(ref _generation);
                _versions.TryRemove(change.AccountId, out _);
                _lists.TryRemove(change.AccountId, out _);
            }
        }
    }

    /// <summary>The account's entries: read without a tenant (the list is public), so the account is named here.</summary>
    private static IQueryable<RevocationEntry> Of(LicenzDbContext db, string accountId) =>
        db.Revocations.AsNoTracking().IgnoreQueryFilters([LicenzDbContext.TenantFilter]).Where(r => r.AccountId == accountId);

    private void Remember<T>(ConcurrentDictionary<string, Cached<T>> cache, string accountId, T value, long generation)
    {
        cache[accountId] = new Cached<T>(value, time.GetUtcNow() + CacheLifetime);
        if (Interlocked.Read(ref _generation) != generation)
        {
            // A change committed while this was read: what was read may be older than it.
            cache.TryRemove(accountId, out _);
        }
    }

    private sealed record Cached<T>(T Value, DateTimeOffset Until)
    {
        public bool FreshAt(DateTimeOffset now) => now < Until;
    }
}

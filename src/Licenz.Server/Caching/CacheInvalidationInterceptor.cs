using System.Runtime.CompilerServices;
using Licenz.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Licenz.Server.Caching;

/// <summary>
/// Invalidates the hot-path cache for every API key, license or account a save changes or deletes, once the
/// save has committed — one place for every write path (API, dashboard, commands) instead of one call in each.
/// </summary>
public sealed class CacheInvalidationInterceptor(HotPathCache cache) : SaveChangesInterceptor
{
    private readonly ConditionalWeakTable<DbContext, Pending> _pending = new();

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Collect(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Collect(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Flush(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Flush(eventData.Context);
        return result;
    }

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        // Nothing was written, but invalidating is always safe.
        Flush(eventData.Context);
        return Task.CompletedTask;
    }

    private void Collect(DbContext? context)
    {
        if (context is null)
        {
            return;
        }

        var pending = _pending.GetOrCreateValue(context);
        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Modified or EntityState.Deleted))
            {
                continue;
            }

            switch (entry.Entity)
            {
                case License license:
                    pending.Licenses.Add(license.Key);
                    break;
                case ApiKey key:
                    pending.ApiKeys.Add(key.LookupId);
                    break;
                case Account:
                    pending.Accounts = true;
                    break;
            }
        }
    }

    private void Flush(DbContext? context)
    {
        if (context is null || !_pending.TryGetValue(context, out var pending))
        {
            return;
        }

        _pending.Remove(context);
        if (pending.Licenses.Count > 0 || pending.ApiKeys.Count > 0 || pending.Accounts)
        {
            cache.Invalidate(pending.ApiKeys, pending.Licenses, pending.Accounts);
        }
    }

    private sealed class Pending
    {
        public HashSet<string> Licenses { get; } = new(StringComparer.Ordinal);
        public HashSet<string> ApiKeys { get; } = new(StringComparer.Ordinal);
        public bool Accounts { get; set; }
    }
}

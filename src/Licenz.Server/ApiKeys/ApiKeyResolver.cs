using Licenz.Server.Caching;
using Licenz.Server.Data;
using Licenz.Server.Metrics;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.ApiKeys;

/// <summary>
/// Turns a presented API key into its (cached) key, or null when it is unknown, revoked or expired. Keys are read
/// from memory (<see cref="HotPathCache"/>); the database is read only on a miss. The secret is checked
/// against the stored hash on every request, cached or not.
/// </summary>
public sealed class ApiKeyResolver(HotPathCache cache, IServiceScopeFactory scopes, TimeProvider time, LicenzMetrics metrics)
{
    /// <summary>The key a presented secret stands for, when it is known, active and unexpired; otherwise null.</summary>
    public async ValueTask<CachedApiKey?> ResolveAsync(string presented, CancellationToken cancellationToken)
    {
        // A string that cannot be a Licenz key never reaches the cache or the database.
        if (!ApiKeySecret.TryParse(presented, out var type, out var lookupId))
        {
            return null;
        }

        var hit = cache.TryGetApiKey(lookupId, out var key);
        metrics.ApiKeyLookup(hit);
        if (!hit)
        {
            key = await LoadAsync(lookupId, cancellationToken);
        }

        if (key is null || !ApiKeySecret.Matches(presented, key.SecretHash) || key.Type != type)
        {
            return null;
        }

        if (key.Revoked || key.ExpiresAt <= time.GetUtcNow().UtcDateTime)
        {
            return null;
        }

        return key;
    }

    private async Task<CachedApiKey?> LoadAsync(string lookupId, CancellationToken cancellationToken)
    {
        var epoch = cache.Epoch;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        var key = await db.ApiKeys.AsNoTracking().IgnoreQueryFilters([LicenzDbContext.TenantFilter])
            .Where(k => k.LookupId == lookupId)
            .Join(db.Accounts, k => k.AccountId, a => a.Id,
                (k, a) => new CachedApiKey(k.Id, k.AccountId, k.Type, k.SecretHash, k.ExpiresAt, k.RevokedAt != null, a.Plan))
            .FirstOrDefaultAsync(cancellationToken);
        if (key is not null)
        {
            cache.StoreApiKey(lookupId, key, epoch);
        }

        return key;
    }
}

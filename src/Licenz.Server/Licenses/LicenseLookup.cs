using System.Text.Json;
using Licenz.Server.Caching;
using Licenz.Server.Data;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Licenses;

/// <summary>Finds a license by its canonical key for verification, from memory when it can (<see cref="HotPathCache"/>).</summary>
public sealed class LicenseLookup(HotPathCache cache, IServiceScopeFactory scopes)
{
    public async ValueTask<CachedLicense?> FindByKeyAsync(string canonicalKey, CancellationToken cancellationToken)
    {
        if (cache.TryGetLicense(canonicalKey, out var cached))
        {
            return cached;
        }

        var epoch = cache.Epoch;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        var row = await db.Licenses.AsNoTracking().FirstOrDefaultAsync(l => l.Key == canonicalKey, cancellationToken);
        if (row is null)
        {
            // Misses are not remembered: keys are random, and a creation needs no invalidation.
            return null;
        }

        var license = new CachedLicense(row.Id, row.AccountId, row.ProductId, row.Key, row.Type, row.Status,
            row.ExpiresAt, row.CreatedAt, JsonDocument.Parse(row.Metadata).RootElement.Clone());
        cache.StoreLicense(canonicalKey, license, epoch);
        return license;
    }
}

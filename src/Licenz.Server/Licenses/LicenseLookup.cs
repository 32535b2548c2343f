using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Text.Json;
using Licenz.Server.Caching;
using Licenz.Server.Data;
using Licenz.Server.Metrics;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Licenses;

/// <summary>
/// Finds a license by its canonical key for verification, from memory when it can (<see cref="HotPathCache"/>).
/// A miss is one compiled, indexed query; with a million licenses most first lookups are misses, so it is kept lean.
/// </summary>
public sealed class LicenseLookup(HotPathCache cache, IServiceScopeFactory scopes, LicenzMetrics metrics)
{
    /// <summary>What the cache needs of a license row: the lookup by key and the warm-up read the same columns.</summary>
    private static readonly Expression<Func<License, LicenseRow>> ToRow = l => new LicenseRow(l.Id, l.AccountId, l.ProductId, l.Key, l.Type, l.Status, l.ExpiresAt, l.CreatedAt, l.Metadata);

    private static readonly Func<LicenzDbContext, string, CancellationToken, Task<LicenseRow?>> ByKey = EF.CompileAsyncQuery(
        (LicenzDbContext db, string key, CancellationToken _) => db.Licenses.AsNoTracking().IgnoreQueryFilters(new[] { LicenzDbContext.TenantFilter })
            .Where(l => l.Key == key)
            .Select(ToRow)
            .FirstOrDefault());

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    // Account and product ids repeat across many licenses: one string each, not one per cached license.
    private readonly ConcurrentDictionary<string, string> _shared = new(StringComparer.Ordinal);

    public async ValueTask<CachedLicense?> FindByKeyAsync(string canonicalKey, CancellationToken cancellationToken)
    {
        var hit = cache.TryGetLicense(canonicalKey, out var cached);
        metrics.LicenseLookup(hit);
        if (hit)
        {
            return cached;
        }

        var epoch = cache.Epoch;
        LicenseRow? row;
        await using (var scope = scopes.CreateAsyncScope())
        {
            row = await ByKey(scope.ServiceProvider.GetRequiredService<LicenzDbContext>(), canonicalKey, cancellationToken);
        }

        if (row is null)
        {
            // Misses are not remembered: keys are random, and a creation needs no invalidation.
            return null;
        }

        var license = ToCached(row);
        cache.StoreLicense(canonicalKey, license, epoch);
        return license;
    }

    /// <summary>
    /// Loads licenses into the cache ahead of their first verification, newest first, up to the cache's size, in pages
    /// (each page is stored only if nothing changed while it was read). Returns how many were loaded.
    /// </summary>
    public async Task<int> WarmAsync(int maxEntries, CancellationToken cancellationToken)
    {
        const int pageSize = 10_000;
        var loaded = 0;
        string? after = null;
        while (loaded < maxEntries)
        {
            var epoch = cache.Epoch;
            List<LicenseRow> page;
            await using (var scope = scopes.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
                var query = db.Licenses.AsNoTracking().IgnoreQueryFilters([LicenzDbContext.TenantFilter]);
                if (after is not null)
                {
                    query = query.Where(l => string.Compare(l.Id, after) < 0);
                }

                page = await query.OrderByDescending(l => l.Id).Take(Math.Min(pageSize, maxEntries - loaded))
                    .Select(ToRow)
                    .ToListAsync(cancellationToken);
            }

            if (page.Count == 0)
            {
                break;
            }

            foreach (var row in page)
            {
                cache.StoreLicense(row.Key, ToCached(row), epoch);
            }

            loaded += page.Count;
            after = page[^1].Id;
        }

        return loaded;
    }

    private CachedLicense ToCached(LicenseRow row) => new(row.Id, Shared(row.AccountId), Shared(row.ProductId), row.Key, row.Type, row.Status,
        row.ExpiresAt, row.CreatedAt, row.Metadata == "{}" ? EmptyObject : JsonDocument.Parse(row.Metadata).RootElement.Clone());

    private string Shared(string id) => _shared.Count < 100_000 ? _shared.GetOrAdd(id, id) : id;

    private sealed record LicenseRow(
        string Id, string AccountId, string ProductId, string Key, LicenseType Type, LicenseStatus Status,
        DateTime? ExpiresAt, DateTime CreatedAt, string Metadata);
}

using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Text;
using System.Text.Json;
using Licenz.Server.Caching;
using Licenz.Server.Data;
using Licenz.Server.Metrics;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Licenses;

/// <summary>
/// Finds a license by its canonical key for verification, from memory when it can (<see cref="HotPathCache"/>): by the
/// keyed hash of the key (<see cref="LicenseKeyProtection"/>), which is all the database and the cache know of it. A miss
/// is one compiled, indexed query; with a million licenses most first lookups are misses, so it is kept lean.
/// </summary>
public sealed class LicenseLookup(HotPathCache cache, LicenseKeyProtection keys, IServiceScopeFactory scopes, LicenzMetrics metrics)
{
    /// <summary>What the cache needs of a license row: the lookup by key and the warm-up read the same columns.</summary>
    private static readonly Expression<Func<License, LicenseRow>> ToRow = l => new LicenseRow(l.Id, l.AccountId, l.ProductId, l.KeyHash, l.Type, l.Status, l.ExpiresAt, l.CreatedAt, l.Metadata,
        l.PolicyId, l.MaxMachinesOverride, l.Entitlements);

    // One per server, not static: a compiled query keeps the model it first ran with, and one process may hold servers
    // on different engines (the test runs do: a SQLite server beside PostgreSQL ones).
    private readonly Func<LicenzDbContext, byte[], CancellationToken, Task<LicenseRow?>> _byKeyHash = EF.CompileAsyncQuery(
        (LicenzDbContext db, byte[] hash, CancellationToken _) => db.Licenses.AsNoTracking().IgnoreAutoIncludes().IgnoreQueryFilters(new[] { LicenzDbContext.TenantFilter })
            .Where(l => l.KeyHash == hash)
            .Select(ToRow)
            .FirstOrDefault());

    // Account and product ids repeat across many licenses: one string each, not one per cached license.
    private readonly ConcurrentDictionary<string, string> _shared = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CachedMetadata> _metadata = new(StringComparer.Ordinal);

    /// <summary>The license with this key; a hit costs one HMAC and one dictionary read, and allocates nothing.</summary>
    public ValueTask<CachedLicense?> FindByKeyAsync(string canonicalKey, CancellationToken cancellationToken)
    {
        Span<byte> hash = stackalloc byte[LicenseKeyProtection.HashSize];
        keys.Hash(canonicalKey, hash);
        var entry = new LicenseCacheKey(hash);
        var hit = cache.TryGetLicense(entry, out var cached);
        metrics.LicenseLookup(hit);
        return hit ? ValueTask.FromResult<CachedLicense?>(cached) : LoadAsync(entry, hash.ToArray(), cancellationToken);
    }

    private async ValueTask<CachedLicense?> LoadAsync(LicenseCacheKey entry, byte[] hash, CancellationToken cancellationToken)
    {
        var epoch = cache.Epoch;
        LicenseRow? row;
        await using (var scope = scopes.CreateAsyncScope())
        {
            row = await _byKeyHash(scope.ServiceProvider.GetRequiredService<LicenzDbContext>(), hash, cancellationToken);
        }

        if (row is null)
        {
            // Misses are not remembered: keys are random, and a creation needs no invalidation.
            return null;
        }

        var license = ToCached(row);
        cache.StoreLicense(entry, license, epoch);
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
                var query = db.Licenses.AsNoTracking().IgnoreAutoIncludes().IgnoreQueryFilters([LicenzDbContext.TenantFilter]);
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

            foreach (var row in page.Where(r => r.KeyHash is not null))
            {
                cache.StoreLicense(new LicenseCacheKey(row.KeyHash), ToCached(row), epoch);
            }

            loaded += page.Count;
            after = page[^1].Id;
        }

        return loaded;
    }

    private CachedLicense ToCached(LicenseRow row) => new(row.Id, Shared(row.AccountId), Shared(row.ProductId), row.Type, row.Status,
        row.ExpiresAt, row.CreatedAt, Metadata(row.Metadata), row.PolicyId is null ? null : Shared(row.PolicyId),
        row.MaxMachinesOverride is null && row.Entitlements is "[]" or "" ? null
            : new LicenseOverrides(row.MaxMachinesOverride, Entitlements.EntitlementCodes.Read(row.Entitlements)));

    /// <summary>The policy with this id, from memory when it can (policies are few and change rarely); null if it is gone.</summary>
    public ValueTask<CachedPolicy?> FindPolicyAsync(string id, CancellationToken cancellationToken) =>
        cache.TryGetPolicy(id, out var cached) ? ValueTask.FromResult<CachedPolicy?>(cached) : LoadPolicyAsync(id, cancellationToken);

    private async ValueTask<CachedPolicy?> LoadPolicyAsync(string id, CancellationToken cancellationToken)
    {
        var epoch = cache.Epoch;
        Policies.Policy? policy;
        await using (var scope = scopes.CreateAsyncScope())
        {
            policy = await scope.ServiceProvider.GetRequiredService<LicenzDbContext>().Policies.AsNoTracking()
                .IgnoreQueryFilters([LicenzDbContext.TenantFilter]).FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        }

        if (policy is null)
        {
            return null;
        }

        var cached = CachedPolicy.Of(policy);
        cache.StorePolicy(cached, epoch);
        return cached;
    }

    private string Shared(string id) => _shared.Count < 100_000 ? _shared.GetOrAdd(id, id) : id;

    /// <summary>
    /// Licenses often carry the same metadata (an edition, a number of seats): short texts are parsed once and shared,
    /// up to 10,000 distinct ones (a few MB at most); any other text is kept by its license and parsed for each answer.
    /// </summary>
    private CachedMetadata Metadata(string text)
    {
        if (text == "{}")
        {
            return CachedMetadata.Empty;
        }

        if (_metadata.TryGetValue(text, out var shared))
        {
            return shared;
        }

        if (text.Length <= 256 && _metadata.Count < 10_000)
        {
            return _metadata.GetOrAdd(text, static t => CachedMetadata.Shared(JsonElement.Parse(t)));
        }

        return CachedMetadata.Text(Encoding.UTF8.GetBytes(text));
    }

    private sealed record LicenseRow(
        string Id, string AccountId, string ProductId, byte[]? KeyHash, LicenseType Type, LicenseStatus Status,
        DateTime? ExpiresAt, DateTime CreatedAt, string Metadata, string? PolicyId, int? MaxMachinesOverride, string Entitlements);
}

using Licenz.Server.Data;
using Licenz.Server.Http;
using Licenz.Server.Licenses;
using Licenz.Server.Products;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Policies;

/// <summary>
/// Every product has one default policy per license type, so <c>POST /licenses</c> with a <c>type</c> keeps its meaning:
/// a subscription or trial of the product's length (<see cref="Product.SubscriptionDays"/>, <see cref="Product.TrialDays"/>),
/// or a perpetual license; each restricted on expiry, from creation, with no machine, use or transfer limit.
/// </summary>
public static class DefaultPolicies
{
    public static readonly LicenseType[] Types = [LicenseType.Subscription, LicenseType.Perpetual, LicenseType.Trial];

    /// <summary>The product's three defaults, to add with it.</summary>
    public static IEnumerable<Policy> For(Product product, TimeProvider time) => Types.Select(type => new Policy
    {
        Id = Ids.New(Ids.Policy, time),
        AccountId = product.AccountId,
        ProductId = product.Id,
        Name = $"{char.ToUpperInvariant(type.Name()[0])}{type.Name()[1..]} (default)",
        LicenseType = type,
        DefaultFor = type,
        DurationSeconds = DurationOf(product, type),
        CreatedAt = product.CreatedAt,
        UpdatedAt = product.CreatedAt,
    });

    /// <summary>A default's duration: the product's length for its type.</summary>
    public static long? DurationOf(Product product, LicenseType type) => type switch
    {
        LicenseType.Subscription => product.SubscriptionDays * 86_400L,
        LicenseType.Trial => product.TrialDays * 86_400L,
        _ => null,
    };

    /// <summary>
    /// Start-up step for data from before policies: gives every product its defaults and every license the default of
    /// its type. Does nothing (two cheap queries) once done.
    /// </summary>
    public static async Task UpgradeAsync(LicenzDbContext db, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        var products = await db.Products.IgnoreQueryFilters([LicenzDbContext.TenantFilter])
            .Where(p => !db.Policies.IgnoreQueryFilters(new[] { LicenzDbContext.TenantFilter }).Any(x => x.ProductId == p.Id && x.DefaultFor != null))
            .ToListAsync(cancellationToken);
        foreach (var product in products)
        {
            db.Policies.AddRange(For(product, time));
        }

        if (products.Count > 0)
        {
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                logger.LogInformation("Gave {Count} products their default policies (one per license type)", products.Count);
            }
            catch (DbUpdateException exception) when (Http.DatabaseConflicts.IsUniqueViolation(exception))
            {
                // Another node starting at the same time gave them theirs.
                db.ChangeTracker.Clear();
            }
        }

        var assigned = 0;
        foreach (var type in Types)
        {
            // A storage upgrade, not a change the API shows as one: each license keeps the rules it had.
            assigned += await db.Licenses.IgnoreQueryFilters([LicenzDbContext.TenantFilter])
                .Where(l => l.PolicyId == null && l.Type == type)
                .ExecuteUpdateAsync(s => s.SetProperty(
                    l => l.PolicyId,
                    l => db.Policies.IgnoreQueryFilters(new[] { LicenzDbContext.TenantFilter })
                        .Where(p => p.ProductId == l.ProductId && p.DefaultFor == type).Select(p => p.Id).First()), cancellationToken);
        }

        if (assigned > 0)
        {
            logger.LogInformation("Put {Count} licenses from before policies under their product's default policy", assigned);
        }
    }
}

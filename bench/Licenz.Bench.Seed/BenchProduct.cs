using Licenz.Server.Activity;
using Licenz.Server.Data;
using Licenz.Server.Licenses;
using Licenz.Server.Products;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Bench.Seed;

/// <summary>The product the benchmarks license, and the licenses they verify: active subscriptions, valid for a year.</summary>
internal static class BenchProduct
{
    public const string Code = "bench";

    public static async Task<Product> EnsureAsync(LicenzDbContext db, string accountId, TimeProvider time)
    {
        var product = await db.Products.FirstOrDefaultAsync(p => p.AccountId == accountId && p.Code == Code);
        if (product is not null)
        {
            return product;
        }

        var now = time.GetUtcNow().UtcDateTime;
        product = new Product
        {
            Id = Ids.New(Ids.Product, time),
            AccountId = accountId,
            Name = "Benchmark product",
            Code = Code,
            SubscriptionDays = 365,
            TrialDays = 14,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Products.Add(product);
        await db.SaveChangesAsync();
        return product;
    }

    /// <summary>
    /// The <paramref name="index"/>th license: what <c>POST /licenses</c> would create for a subscription, its key hashed
    /// and sealed by the server's own <see cref="LicenseKeyProtection"/>.
    /// </summary>
    public static License NewLicense(Product product, int index, TimeProvider time, LicenseKeyProtection keys)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var id = Ids.New(Ids.License, time);
        return keys.Protect(new License
        {
            Id = id,
            AccountId = product.AccountId,
            ProductId = product.Id,
            Email = $"customer{index}@example.com",
            Type = LicenseType.Subscription,
            Status = LicenseStatus.Active,
            ExpiresAt = now.AddDays(product.SubscriptionDays),
            Metadata = """{"seats":5,"edition":"pro"}""",
            CreatedAt = now,
            UpdatedAt = now,
            Activity = new LicenseActivity { LicenseId = id },
        }, LicenseKey.Generate());
    }
}

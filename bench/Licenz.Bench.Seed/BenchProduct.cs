using Licenz.Server.Activity;
using Licenz.Server.Data;
using Licenz.Server.Licenses;
using Licenz.Server.Policies;
using Licenz.Server.Products;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Bench.Seed;

/// <summary>
/// The product the benchmarks license, with its policies, and the licenses they use: active subscriptions, valid for a
/// year. The licenses that are verified follow the product's default subscription policy (no limits: answered from the
/// verification cache, as most licenses are); the licenses that machines are activated on follow a policy of their own
/// that allows many machines each.
/// </summary>
internal sealed record BenchProduct(Product Product, Policy Subscription, Policy Activations)
{
    public const string Code = "bench";
    private const string ActivationsPolicyName = "Bench activations";

    /// <summary>Machines an activation license may have: more than any benchmark run activates on one.</summary>
    public const int MaxMachines = 1_000_000;

    /// <summary>The product, made with its default policies (as <c>POST /products</c> does) and the activations policy, or found again.</summary>
    public static async Task<BenchProduct> EnsureAsync(LicenzDbContext db, string accountId, TimeProvider time)
    {
        var product = await db.Products.FirstOrDefaultAsync(p => p.AccountId == accountId && p.Code == Code);
        if (product is null)
        {
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
            db.Policies.AddRange(DefaultPolicies.For(product, time));
            db.Policies.Add(new Policy
            {
                Id = Ids.New(Ids.Policy, time),
                AccountId = accountId,
                ProductId = product.Id,
                Name = ActivationsPolicyName,
                LicenseType = LicenseType.Subscription,
                DurationSeconds = DefaultPolicies.DurationOf(product, LicenseType.Subscription),
                MaxMachines = MaxMachines,
                CreatedAt = now,
                UpdatedAt = now,
            });
            await db.SaveChangesAsync();
        }

        var policies = await db.Policies.Where(p => p.ProductId == product.Id).ToListAsync();
        return new BenchProduct(product,
            policies.Single(p => p.DefaultFor == LicenseType.Subscription),
            policies.Single(p => p.Name == ActivationsPolicyName));
    }

    /// <summary>
    /// The <paramref name="index"/>th license of <paramref name="policy"/>: what <c>POST /licenses</c> would create under
    /// it, its key hashed and sealed by the server's own <see cref="LicenseKeyProtection"/>.
    /// </summary>
    public License NewLicense(Policy policy, int index, TimeProvider time, LicenseKeyProtection keys)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var id = Ids.New(Ids.License, time);
        return keys.Protect(new License
        {
            Id = id,
            AccountId = Product.AccountId,
            ProductId = Product.Id,
            PolicyId = policy.Id,
            Email = $"{(policy == Subscription ? "customer" : "holder")}{index}@example.com",
            Type = policy.LicenseType,
            Status = LicenseStatus.Active,
            ExpiresAt = now.AddSeconds(policy.DurationSeconds ?? 0),
            Metadata = """{"seats":5,"edition":"pro"}""",
            CreatedAt = now,
            UpdatedAt = now,
            Activity = new LicenseActivity { LicenseId = id },
        }, LicenseKeyGenerator.Generate());
    }
}

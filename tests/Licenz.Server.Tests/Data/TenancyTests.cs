using System.Net;
using Licenz.Server.Data;
using Licenz.Server.Machines;
using Licenz.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Licenz.Server.Tests.Data;

/// <summary>
/// Tenancy by construction: a query written without any account condition still sees only the served account's rows,
/// because every account-owned entity carries the named tenant filter.
/// </summary>
public sealed class TenancyTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<(string AccountId, string LicenseId, string ProductId)> AccountWithALicenseAsync(string name)
    {
        var (accountId, adminKey) = await app.CreateAccountAsync(name);
        using var admin = app.CreateClient(adminKey);
        var product = await (await admin.PostJsonAsync("products", new { name = "Tenancy " + name })).DataAsync(HttpStatusCode.Created);
        var license = await (await admin.PostJsonAsync("licenses", new { product_id = product.Str("id"), email = "t@example.com", type = "perpetual" }))
            .DataAsync(HttpStatusCode.Created);
        return (accountId, license.Str("id"), product.Str("id"));
    }

    [Fact]
    public async Task AQueryWithoutAnAccountConditionSeesOnlyTheServedAccountsRows()
    {
        var first = await AccountWithALicenseAsync("Tenant A " + Guid.NewGuid().ToString("N")[..6]);
        var second = await AccountWithALicenseAsync("Tenant B " + Guid.NewGuid().ToString("N")[..6]);

        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<Tenancy>().Serve(second.AccountId);
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();

        // Written as a careless handler would: no AccountId condition anywhere.
        var licenses = await db.Licenses.Select(l => l.Id).ToListAsync(Cancel);
        var products = await db.Products.Select(p => p.Id).ToListAsync(Cancel);
        var keys = await db.ApiKeys.Select(k => k.AccountId).Distinct().ToListAsync(Cancel);
        var signingKeys = await db.SigningKeys.Select(k => k.AccountId).Distinct().ToListAsync(Cancel);
        var events = await db.Events.Select(e => e.AccountId).Distinct().ToListAsync(Cancel);
        var byId = await db.Licenses.FirstOrDefaultAsync(l => l.Id == first.LicenseId, Cancel);
        var joined = await db.Licenses.Join(db.Products, l => l.ProductId, p => p.Id, (l, p) => l.Id).ToListAsync(Cancel);

        Assert.Equal([second.LicenseId], licenses);
        Assert.Equal([second.ProductId], products);
        Assert.Equal([second.AccountId], keys);
        Assert.Equal([second.AccountId], signingKeys);
        Assert.Equal([second.AccountId], events);
        Assert.Null(byId);
        Assert.Equal([second.LicenseId], joined);
    }

    [Fact]
    public async Task AContextServingNoAccountSeesNoAccountOwnedRowUnlessItOptsOutByName()
    {
        var owned = await AccountWithALicenseAsync("Tenant C " + Guid.NewGuid().ToString("N")[..6]);

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();

        Assert.Empty(await db.Licenses.ToListAsync(Cancel));
        Assert.Empty(await db.ApiKeys.ToListAsync(Cancel));
        Assert.Contains(owned.LicenseId, await db.Licenses.IgnoreQueryFilters([LicenzDbContext.TenantFilter]).Select(l => l.Id).ToListAsync(Cancel));
    }

    [Fact]
    public void EveryEntityWithAnAccountIdIsAnAccountResourceAndCarriesTheTenantFilter()
    {
        using var scope = app.Services.CreateScope();
        var model = scope.ServiceProvider.GetRequiredService<LicenzDbContext>().Model;

        var withAccount = model.GetEntityTypes().Where(t => t.FindProperty("AccountId") is not null).ToList();

        Assert.True(withAccount.Count >= 5, $"Only {withAccount.Count} entities have an AccountId.");
        Assert.All(withAccount, type =>
        {
            Assert.True(typeof(IAccountResource).IsAssignableFrom(type.ClrType), $"{type.ClrType.Name} has an AccountId but is not an IAccountResource.");
            Assert.NotNull(type.FindDeclaredQueryFilter(LicenzDbContext.TenantFilter));
        });
    }

    [Fact]
    public async Task AMachineIsLookedUpByItsLicenseAndFingerprintThroughTheUniqueIndexAlone()
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        var sql = db.OfLicense("lic_x", "fp").ToQueryString();
        var where = sql[sql.IndexOf("WHERE", StringComparison.Ordinal)..];

        // The license id is one read within the account: an account condition would let the account's indexes fit too.
        Assert.DoesNotContain("AccountId", where, StringComparison.Ordinal);
        Assert.Contains("LicenseId", where, StringComparison.Ordinal);
        Assert.Contains("Fingerprint", where, StringComparison.Ordinal);
        if (!db.Database.IsNpgsql())
        {
            return;
        }

        // PostgreSQL's generic plan of the statement, as a prepared statement of the server's gets it, whatever the
        // statistics: the unique index of (license, fingerprint), not one of the account's.
        var prepared = sql[sql.IndexOf("SELECT", StringComparison.Ordinal)..]
            .Replace("@licenseId", "$1", StringComparison.Ordinal).Replace("@fingerprint", "$2", StringComparison.Ordinal);
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(Cancel);
        await using var command = connection.CreateCommand();
        command.CommandText = "SET plan_cache_mode = force_generic_plan; " +
            $"PREPARE machine_lookup(text, text) AS {prepared}; EXPLAIN EXECUTE machine_lookup('lic_x', 'fp')";
        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(Cancel))
        {
            while (await reader.ReadAsync(Cancel))
            {
                plan.Add(reader.GetString(0));
            }
        }

        command.CommandText = "DEALLOCATE machine_lookup; RESET plan_cache_mode";
        await command.ExecuteNonQueryAsync(Cancel);
        Assert.Contains(plan, line => line.Contains("IX_machines_LicenseId_Fingerprint", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARequestSeesOnlyItsAccountsRowsEvenWhenTheIdsOfAnotherAreGuessed()
    {
        var first = await AccountWithALicenseAsync("Tenant D " + Guid.NewGuid().ToString("N")[..6]);
        var (_, otherKey) = await app.CreateAccountAsync("Tenant E " + Guid.NewGuid().ToString("N")[..6]);
        using var other = app.CreateClient(otherKey);

        using var license = await other.GetAsync($"licenses/{first.LicenseId}", Cancel);
        using var events = await other.GetAsync($"events?resource_id={first.LicenseId}", Cancel);

        Assert.Equal(HttpStatusCode.NotFound, license.StatusCode);
        Assert.Empty((await events.DataAsync()).EnumerateArray());
    }
}

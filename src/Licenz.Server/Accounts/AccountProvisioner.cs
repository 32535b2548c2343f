using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Licenz.Server.RateLimiting;
using Licenz.Server.Signing;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Accounts;

/// <summary>Creates accounts: the default one on first start, others through the <c>create-account</c> command.</summary>
public sealed class AccountProvisioner(LicenzDbContext db, TimeProvider time, SigningKeyRing signingKeys)
{
    /// <summary>
    /// Makes sure the default account exists with the configured plan. On the very first start it is
    /// created together with a bootstrap admin key, whose secret is returned (once, never stored).
    /// </summary>
    public async Task<(Account Account, string? BootstrapAdminKey)> EnsureDefaultAccountAsync(string name, Plan plan, CancellationToken cancellationToken)
    {
        var account = await db.Accounts.FirstOrDefaultAsync(a => a.IsDefault, cancellationToken);
        if (account is not null)
        {
            if (account.Plan != plan)
            {
                account.Plan = plan;
                await db.SaveChangesAsync(cancellationToken);
            }

            return (account, null);
        }

        var (created, key) = await CreateAsync(name, plan, isDefault: true, cancellationToken);
        return (created, key);
    }

    /// <summary>Creates an account and its first admin key in one transaction.</summary>
    public async Task<(Account Account, string AdminKey)> CreateAsync(string name, Plan plan, bool isDefault, CancellationToken cancellationToken)
    {
        var account = new Account
        {
            Id = Ids.New(Ids.Account, time),
            Name = name,
            Plan = plan,
            IsDefault = isDefault,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.Accounts.Add(account);
        db.SigningKeys.Add(signingKeys.NewRecord(account.Id));
        var (_, secret) = ApiKeyIssuer.Issue(db, time, account.Id, ApiKeyType.Admin, isDefault ? "Bootstrap admin key" : "Initial admin key", expiresAt: null);
        await db.SaveChangesAsync(cancellationToken);
        return (account, secret);
    }
}

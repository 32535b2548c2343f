using Licenz.Server.Data;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.ApiKeys;

/// <summary>Turns a presented API key into a caller, or null when it is unknown, revoked or expired.</summary>
public sealed class ApiKeyResolver(LicenzDbContext db, TimeProvider time)
{
    public async Task<ApiCaller?> ResolveAsync(string presented, CancellationToken cancellationToken)
    {
        // A string that cannot be a Licenz key never reaches the database.
        if (!ApiKeySecret.TryParse(presented, out var type, out var lookupId))
        {
            return null;
        }

        var row = await db.ApiKeys.AsNoTracking()
            .Where(k => k.LookupId == lookupId)
            .Join(db.Accounts, k => k.AccountId, a => a.Id,
                (k, a) => new { k.Id, k.AccountId, k.Type, k.SecretHash, k.ExpiresAt, k.RevokedAt, a.Plan })
            .FirstOrDefaultAsync(cancellationToken);

        if (row is null || !ApiKeySecret.Matches(presented, row.SecretHash) || row.Type != type)
        {
            return null;
        }

        if (row.RevokedAt is not null || row.ExpiresAt <= time.GetUtcNow().UtcDateTime)
        {
            return null;
        }

        return new ApiCaller(row.AccountId, row.Plan, row.Id, row.Type);
    }
}

using Licenz.Server.Api;
using Licenz.Server.Data;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.ApiKeys;

/// <summary>Creating and revoking keys, shared by the API and the dashboard.</summary>
public static class ApiKeyCommands
{
    /// <summary>Validates a creation request; a bad field is a <c>bad_request</c> that names it.</summary>
    public static (ApiKeyType Type, string Name, DateTime? ExpiresAt) Validate(string? type, string? name, string? expiresAt, DateTime now)
    {
        var typeName = Fields.Required(type, "type", 32);
        if (!ApiKeyTypes.TryParse(typeName, out var keyType))
        {
            throw ApiException.BadRequest("Field 'type' must be one of admin, read_only, verify_only.", "type");
        }

        var validName = Fields.Required(name, "name", 200);
        DateTime? expiry = null;
        if (expiresAt is not null)
        {
            expiry = Fields.Timestamp(expiresAt, "expires_at");
            if (expiry <= now)
            {
                throw ApiException.BadRequest("Field 'expires_at' must be in the future.", "expires_at");
            }
        }

        return (keyType, validName, expiry);
    }

    /// <summary>Revokes a key of the account (idempotent). Null when the account has no such key.</summary>
    public static async Task<ApiKey?> RevokeAsync(LicenzDbContext db, string accountId, string id, DateTime now, CancellationToken cancellationToken)
    {
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id && k.AccountId == accountId, cancellationToken);
        if (key is { RevokedAt: null })
        {
            key.RevokedAt = now;
            db.RecordEvent(key, "revoked");
            await db.SaveChangesAsync(cancellationToken);
        }

        return key;
    }
}

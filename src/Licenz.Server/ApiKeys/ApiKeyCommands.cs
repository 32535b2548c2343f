using Licenz.Server.Data;
using Licenz.Server.Http;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.ApiKeys;

/// <summary>Creating and revoking keys, shared by the API and the dashboard.</summary>
public static class ApiKeyCommands
{
    /// <summary>
    /// Creates a key from a request the API or the dashboard built: its declared rules (<see cref="RequestRules"/>) and an
    /// expiry in the future, or the error that says what is wrong (nothing is written then).
    /// </summary>
    public static async Task<(CreatedApiKeyDto? Key, ApiError? Error)> CreateAsync(
        LicenzDbContext db, TimeProvider time, string accountId, CreateApiKeyRequest request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var error = RequestRules.Check(request)
            ?? (request.ExpiresAt <= now ? new ApiError(ErrorCodes.BadRequest, "Field 'expires_at' must be in the future.", StatusCodes.Status400BadRequest, "expires_at") : null);
        if (error is not null)
        {
            return (null, error);
        }

        var (row, secret) = ApiKeyIssuer.Issue(db, time, accountId, request.Type, request.Name.Trim(), request.ExpiresAt);
        await db.SaveChangesAsync(cancellationToken);
        var dto = row.ToDto(now);
        return (new CreatedApiKeyDto(dto.Id, dto.Type, dto.Name, dto.Prefix, dto.Status, dto.CreatedAt, dto.ExpiresAt, secret), null);
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

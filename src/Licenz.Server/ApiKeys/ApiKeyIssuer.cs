using Licenz.Server.Data;

namespace Licenz.Server.ApiKeys;

/// <summary>Creates API keys: used by the API, the first start and the <c>create-api-key</c> command.</summary>
public static class ApiKeyIssuer
{
    /// <summary>Adds a new key to the context (the caller saves) and returns it with its secret.</summary>
    public static (ApiKey Row, string Secret) Issue(LicenzDbContext db, TimeProvider time, string accountId, ApiKeyType type, string name, DateTime? expiresAt)
    {
        var secret = ApiKeySecret.Generate(type);
        ApiKeySecret.TryParse(secret, out _, out var lookupId);
        var row = new ApiKey
        {
            Id = Ids.New(Ids.ApiKey, time),
            AccountId = accountId,
            Type = type,
            Name = name,
            LookupId = lookupId,
            SecretHash = ApiKeySecret.Hash(secret),
            CreatedAt = time.GetUtcNow().UtcDateTime,
            ExpiresAt = expiresAt,
        };
        db.ApiKeys.Add(row);
        return (row, secret);
    }
}

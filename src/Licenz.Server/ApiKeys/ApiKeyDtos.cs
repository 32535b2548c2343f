using Licenz.Server.Data;
using Licenz.Server.Http;

namespace Licenz.Server.ApiKeys;

/// <param name="Id">The key's id, <c>key_…</c> (not the secret).</param>
/// <param name="Type">admin, read_only or verify_only.</param>
/// <param name="Name">What the key is for.</param>
/// <param name="Prefix">The visible start of the key, to recognise it; the secret part is never shown again.</param>
/// <param name="Status">active, expired or revoked.</param>
/// <param name="CreatedAt">When it was created (UTC).</param>
/// <param name="ExpiresAt">When it stops working, if ever (UTC).</param>
/// <param name="RevokedAt">When it was revoked (UTC).</param>
/// <param name="LastUsedAt">When it last authorized a request (UTC), recorded within a few seconds.</param>
public sealed record ApiKeyDto(
    string Id,
    ApiKeyType Type,
    string Name,
    string Prefix,
    ApiKeyStatus Status,
    DateTime CreatedAt,
    DateTime? ExpiresAt,
    DateTime? RevokedAt,
    DateTime? LastUsedAt);

/// <summary>The answer to creating a key: the only time the secret is shown.</summary>
/// <param name="Key">The API key itself. Store it now: it cannot be shown again.</param>
public sealed record CreatedApiKeyDto(
    string Id,
    ApiKeyType Type,
    string Name,
    string Prefix,
    ApiKeyStatus Status,
    DateTime CreatedAt,
    DateTime? ExpiresAt,
    string Key);

/// <summary>Body of <c>POST /api-keys</c>.</summary>
public sealed record CreateApiKeyRequest
{
    /// <summary>admin, read_only or verify_only.</summary>
    public required ApiKeyType Type { get; init; }

    /// <summary>What the key is for ("CI deploy", "Desktop app 2.x").</summary>
    [PrintableText(200)]
    public required string Name { get; init; }

    /// <summary>Expiry (ISO-8601 with offset, in the future); the key stops working then.</summary>
    public DateTime? ExpiresAt { get; init; }
}

internal static class ApiKeyMapping
{
    public static ApiKeyStatus StatusAt(this ApiKey key, DateTime now) =>
        key.RevokedAt is not null ? ApiKeyStatus.Revoked : key.ExpiresAt <= now ? ApiKeyStatus.Expired : ApiKeyStatus.Active;

    public static ApiKeyDto ToDto(this ApiKey key, DateTime now) => new(
        key.Id, key.Type, key.Name, ApiKeySecret.Display(key.Type, key.LookupId), key.StatusAt(now),
        key.CreatedAt, key.ExpiresAt, key.RevokedAt, key.LastUsedAt);
}

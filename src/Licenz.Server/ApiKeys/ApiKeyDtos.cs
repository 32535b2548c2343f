using Licenz.Server.Data;

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
    string Type,
    string Name,
    string Prefix,
    string Status,
    DateTime CreatedAt,
    DateTime? ExpiresAt,
    DateTime? RevokedAt,
    DateTime? LastUsedAt);

/// <summary>The answer to creating a key: the only time the secret is shown.</summary>
/// <param name="Key">The API key itself. Store it now: it cannot be shown again.</param>
public sealed record CreatedApiKeyDto(
    string Id,
    string Type,
    string Name,
    string Prefix,
    string Status,
    DateTime CreatedAt,
    DateTime? ExpiresAt,
    string Key);

/// <summary>Body of <c>POST /api-keys</c>.</summary>
/// <param name="Type">Required: admin, read_only or verify_only.</param>
/// <param name="Name">Required: what the key is for ("CI deploy", "Desktop app 2.x").</param>
/// <param name="ExpiresAt">Optional expiry (ISO-8601 with offset); the key stops working then.</param>
public sealed record CreateApiKeyRequest(string? Type, string? Name, string? ExpiresAt);

internal static class ApiKeyMapping
{
    public static string StatusAt(this ApiKey key, DateTime now) =>
        key.RevokedAt is not null ? "revoked" : key.ExpiresAt <= now ? "expired" : "active";

    public static ApiKeyDto ToDto(this ApiKey key, DateTime now) => new(
        key.Id, key.Type.Name(), key.Name, ApiKeySecret.Display(key.Type, key.LookupId), key.StatusAt(now),
        key.CreatedAt, key.ExpiresAt, key.RevokedAt, key.LastUsedAt);
}

namespace Licenz;

/// <summary>An API key as listed: never its secret.</summary>
public sealed record ApiKeyInfo : LicenzResult
{
    /// <summary>The key's id, <c>key_…</c> (not the secret).</summary>
    public required string Id { get; init; }

    /// <summary>One of <see cref="ApiKeyTypeNames"/>: admin, read_only or verify_only.</summary>
    public required string Type { get; init; }

    /// <summary>What the key is for.</summary>
    public required string Name { get; init; }

    /// <summary>The visible start of the key, to recognise it.</summary>
    public required string Prefix { get; init; }

    /// <summary>active, expired or revoked.</summary>
    public required string Status { get; init; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it stops working, if ever.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>When it was revoked.</summary>
    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>When it last authorized a request (recorded within a few seconds).</summary>
    public DateTimeOffset? LastUsedAt { get; init; }
}

/// <summary>A newly created API key: the only time its secret is shown.</summary>
public sealed record CreatedApiKey : LicenzResult
{
    /// <summary>The key's id, <c>key_…</c>.</summary>
    public required string Id { get; init; }

    /// <summary>One of <see cref="ApiKeyTypeNames"/>.</summary>
    public required string Type { get; init; }

    /// <summary>What the key is for.</summary>
    public required string Name { get; init; }

    /// <summary>The visible start of the key.</summary>
    public required string Prefix { get; init; }

    /// <summary>active.</summary>
    public required string Status { get; init; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it stops working, if ever.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The API key itself. Store it now: it cannot be shown again.</summary>
    public required string Key { get; init; }
}

/// <summary>The API key types of the API page.</summary>
public static class ApiKeyTypeNames
{
    /// <summary>Full access: dashboard, management scripts.</summary>
    public const string Admin = "admin";

    /// <summary>Reads licenses, products and the rest; no writes: reporting, monitoring.</summary>
    public const string ReadOnly = "read_only";

    /// <summary>Verifies licenses and checks out license files by the license key: client applications.</summary>
    public const string VerifyOnly = "verify_only";
}

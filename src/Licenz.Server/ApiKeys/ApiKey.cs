using Licenz.Server.ApiKeys;
using Licenz.Server.Data;

namespace Licenz.Server.ApiKeys;

/// <summary>An API key. The secret itself is never stored: only its SHA-256 hash.</summary>
public sealed class ApiKey : IAccountResource
{
    public required string Id { get; init; }
    public required string AccountId { get; init; }
    public ApiKeyType Type { get; init; }
    public required string Name { get; set; }

    /// <summary>The public part of the key (after the type prefix), used to find the row.</summary>
    public required string LookupId { get; init; }

    /// <summary>SHA-256 of the whole key string.</summary>
    public required byte[] SecretHash { get; init; }

    public DateTime CreatedAt { get; init; }
    public DateTime? ExpiresAt { get; init; }
    public DateTime? RevokedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
}

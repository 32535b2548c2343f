using Licenz.Server.RateLimiting;

namespace Licenz.Server.Accounts;

/// <summary>A tenant. Everything else belongs to exactly one account.</summary>
public sealed class Account
{
    public required string Id { get; init; }
    public required string Name { get; set; }
    public Plan Plan { get; set; }

    /// <summary>The account the server creates on first start and whose plan comes from configuration.</summary>
    public bool IsDefault { get; init; }

    public DateTime CreatedAt { get; init; }
}

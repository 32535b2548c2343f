using Licenz.Server.Data;

namespace Licenz.Server.Products;

public sealed class Product : IAccountResource
{
    public required string Id { get; init; }
    public required string AccountId { get; init; }
    public required string Name { get; set; }

    /// <summary>A short, unique (per account) handle such as <c>photo-editor</c>.</summary>
    public required string Code { get; set; }

    /// <summary>JSON object, stored as text.</summary>
    public string Metadata { get; set; } = "{}";

    /// <summary>Length of a subscription license of this product, in days.</summary>
    public int SubscriptionDays { get; set; }

    /// <summary>Length of a trial license of this product, in days.</summary>
    public int TrialDays { get; set; }

    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; set; }
}

using System.Text.Json;

namespace Licenz;

/// <summary>A product, as the API returns it (<c>GET /products/{id}</c>).</summary>
public sealed record ProductInfo : LicenzResult
{
    /// <summary>The product id, <c>prod_…</c>.</summary>
    public required string Id { get; init; }

    /// <summary>Display name.</summary>
    public required string Name { get; init; }

    /// <summary>Short handle, unique within the account.</summary>
    public required string Code { get; init; }

    /// <summary>Free-form JSON object the vendor attached.</summary>
    public JsonElement Metadata { get; init; }

    /// <summary>Length of a subscription license, in days.</summary>
    public int SubscriptionDays { get; init; }

    /// <summary>Length of a trial license, in days.</summary>
    public int TrialDays { get; init; }

    /// <summary>When the product was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the product last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }
}

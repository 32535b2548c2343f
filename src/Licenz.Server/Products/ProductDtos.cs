using System.Text.Json;
using Licenz.Server.Data;

namespace Licenz.Server.Products;

/// <param name="Id">The product id, <c>prod_…</c>.</param>
/// <param name="Name">Display name.</param>
/// <param name="Code">Short handle, unique within the account.</param>
/// <param name="Metadata">Free-form JSON object.</param>
/// <param name="SubscriptionDays">Length of a subscription license, in days.</param>
/// <param name="TrialDays">Length of a trial license, in days.</param>
/// <param name="CreatedAt">When the product was created (UTC).</param>
/// <param name="UpdatedAt">When the product last changed (UTC).</param>
public sealed record ProductDto(
    string Id,
    string Name,
    string Code,
    JsonElement Metadata,
    int SubscriptionDays,
    int TrialDays,
    DateTime CreatedAt,
    DateTime UpdatedAt);

/// <summary>Body of <c>POST /products</c>.</summary>
/// <param name="Name">Required display name.</param>
/// <param name="Code">Optional handle (lowercase letters, digits, '.', '_' or '-'); derived from the name when left out.</param>
/// <param name="Metadata">Optional JSON object.</param>
/// <param name="SubscriptionDays">Length of subscriptions in days (default from configuration, 365).</param>
/// <param name="TrialDays">Length of trials in days (default from configuration, 14).</param>
public sealed record CreateProductRequest(
    string? Name,
    string? Code,
    JsonElement? Metadata,
    int? SubscriptionDays,
    int? TrialDays);

/// <summary>Body of <c>PATCH /products/{id}</c>: fields left out stay as they are.</summary>
public sealed record UpdateProductRequest(
    string? Name,
    string? Code,
    JsonElement? Metadata,
    int? SubscriptionDays,
    int? TrialDays);

internal static class ProductMapping
{
    public static ProductDto ToDto(this Product product) => new(
        product.Id,
        product.Name,
        product.Code,
        JsonDocument.Parse(product.Metadata).RootElement.Clone(),
        product.SubscriptionDays,
        product.TrialDays,
        product.CreatedAt,
        product.UpdatedAt);
}

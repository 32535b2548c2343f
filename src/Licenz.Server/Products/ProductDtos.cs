using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.RegularExpressions;
using Licenz.Server.Data;
using Licenz.Server.Http;

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
public sealed record CreateProductRequest
{
    /// <summary>Display name.</summary>
    [PrintableText(200)]
    public required string Name { get; init; }

    /// <summary>Handle (lowercase letters, digits, '.', '_' or '-'), unique in the account; derived from the name when left out.</summary>
    [PrintableText(64)]
    [ProductCode]
    public string? Code { get; init; }

    /// <summary>A JSON object of at most 64 keys and 16 KiB; <c>{}</c> when left out or null.</summary>
    [MetadataObject]
    public JsonElement? Metadata { get; init; }

    /// <summary>Length of subscriptions in days, 1 to 36500 (default from configuration, 365).</summary>
    [Range(1, 36_500, ErrorMessage = RequestRules.RangeMessage)]
    public int? SubscriptionDays { get; init; }

    /// <summary>Length of trials in days, 1 to 36500 (default from configuration, 14).</summary>
    [Range(1, 36_500, ErrorMessage = RequestRules.RangeMessage)]
    public int? TrialDays { get; init; }
}

/// <summary>Body of <c>PATCH /products/{id}</c>: fields left out (or null) stay as they are.</summary>
public sealed record UpdateProductRequest
{
    /// <summary>Display name.</summary>
    [PrintableText(200)]
    public string? Name { get; init; }

    /// <summary>Handle (lowercase letters, digits, '.', '_' or '-'), unique in the account.</summary>
    [PrintableText(64)]
    [ProductCode]
    public string? Code { get; init; }

    /// <summary>Replaces the metadata object.</summary>
    [MetadataObject]
    public JsonElement? Metadata { get; init; }

    /// <summary>Length of subscriptions in days, 1 to 36500.</summary>
    [Range(1, 36_500, ErrorMessage = RequestRules.RangeMessage)]
    public int? SubscriptionDays { get; init; }

    /// <summary>Length of trials in days, 1 to 36500.</summary>
    [Range(1, 36_500, ErrorMessage = RequestRules.RangeMessage)]
    public int? TrialDays { get; init; }
}

/// <summary>A product code: starts with a lowercase letter or digit, then lowercase letters, digits, '.', '_' and '-'.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed partial class ProductCodeAttribute : ValidationAttribute
{
    public const string Pattern = "^[a-z0-9][a-z0-9._-]{0,63}$";

    protected override ValidationResult? IsValid(object? value, ValidationContext context) =>
        value is not string code || Code().IsMatch(code.Trim())
            ? ValidationResult.Success
            : new ValidationResult(
                $"{context.DisplayName} must start with a lowercase letter or digit and use only lowercase letters, digits, '.', '_' and '-'.",
                [context.MemberName!]);

    [GeneratedRegex(Pattern)]
    public static partial Regex Code();
}

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


using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Microsoft.AspNetCore.Mvc;

namespace Licenz.Server.Licenses;

/// <param name="Id">The license id, <c>lic_…</c>.</param>
/// <param name="Key">The license key handed to the customer, <c>LIC-XXXXX-XXXXX-XXXXX</c>.</param>
/// <param name="ProductId">The product it licenses.</param>
/// <param name="Email">The customer's email address.</param>
/// <param name="Type">subscription, perpetual or trial.</param>
/// <param name="Status">active, suspended, revoked or expired.</param>
/// <param name="ExpiresAt">When the license expires (UTC); null for perpetual licenses.</param>
/// <param name="Metadata">Free-form JSON object.</param>
/// <param name="CreatedAt">When the license was created (UTC).</param>
/// <param name="UpdatedAt">When the license last changed (UTC).</param>
/// <param name="SuspendedAt">When it was suspended, while it is.</param>
/// <param name="RevokedAt">When it was revoked.</param>
/// <param name="LastValidatedAt">When it was last verified through the API.</param>
public sealed record LicenseDto(
    string Id,
    string Key,
    string ProductId,
    string Email,
    LicenseType Type,
    LicenseStatus Status,
    DateTime? ExpiresAt,
    JsonElement Metadata,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? SuspendedAt,
    DateTime? RevokedAt,
    DateTime? LastValidatedAt);

/// <summary>Body of <c>POST /licenses</c>.</summary>
public sealed record CreateLicenseRequest
{
    /// <summary>The product, <c>prod_…</c>.</summary>
    [PrintableText(64)]
    public required string ProductId { get; init; }

    /// <summary>The customer's email address.</summary>
    [Email]
    public required string Email { get; init; }

    /// <summary>subscription, perpetual or trial.</summary>
    public required LicenseType Type { get; init; }

    /// <summary>Expiry (ISO-8601 with offset, in the future) instead of the product's default length. Not for perpetual licenses.</summary>
    public DateTime? ExpiresAt { get; init; }

    /// <summary>A JSON object of at most 64 keys and 16 KiB; <c>{}</c> when left out or null.</summary>
    [MetadataObject]
    public JsonElement? Metadata { get; init; }
}

/// <summary>Body of <c>PATCH /licenses/{id}</c>: fields left out (or null) stay as they are.</summary>
public sealed record UpdateLicenseRequest
{
    /// <summary>New customer email address.</summary>
    [Email]
    public string? Email { get; init; }

    /// <summary>New expiry (ISO-8601 with offset) for subscription and trial licenses.</summary>
    public DateTime? ExpiresAt { get; init; }

    /// <summary>Replaces the metadata object.</summary>
    [MetadataObject]
    public JsonElement? Metadata { get; init; }
}

/// <summary>Optional body of <c>POST /licenses/{id}/renew</c>.</summary>
public sealed record RenewLicenseRequest
{
    /// <summary>Days to add (1 to 36500); defaults to the product's subscription or trial length.</summary>
    [Range(1, 36_500, ErrorMessage = RequestRules.RangeMessage)]
    public int? Days { get; init; }
}

/// <summary>The query of <c>GET /licenses</c>.</summary>
public sealed record LicenseListQuery : IPageQuery
{
    [System.ComponentModel.Description("Only licenses of this product (`prod_…`).")]
    [FromQuery(Name = "product_id")]
    public string? ProductId { get; init; }

    [System.ComponentModel.Description("Only licenses with this status now (active, suspended, revoked or expired).")]
    [FromQuery(Name = "status")]
    public QueryEnum<LicenseStatus>? Status { get; init; }

    [System.ComponentModel.Description("Only licenses of this customer email address (any case).")]
    [FromQuery(Name = "email")]
    public string? Email { get; init; }

    [System.ComponentModel.Description("Page size, 1 to 100 (default 20).")]
    [FromQuery(Name = "limit")]
    [Range(1, PageRequest.MaxLimit, ErrorMessage = PageRequest.LimitMessage)]
    public int? Limit { get; init; }

    [System.ComponentModel.Description("The `next_cursor` of the previous page.")]
    [FromQuery(Name = "cursor")]
    public string? Cursor { get; init; }
}

internal static class LicenseMapping
{
    /// <param name="key">The license key as shown: opened from its seal (<see cref="LicenseKeyProtection.Open(License)"/>), or masked.</param>
    public static LicenseDto ToDto(this License license, string key, DateTime now) => new(
        license.Id,
        key,
        license.ProductId,
        license.Email,
        license.Type,
        LicenseEnums.Effective(license.Status, license.ExpiresAt, now),
        license.ExpiresAt,
        JsonDocument.Parse(license.Metadata).RootElement.Clone(),
        license.CreatedAt,
        license.UpdatedAt,
        license.SuspendedAt,
        license.RevokedAt,
        license.Activity.LastValidatedAt);
}

using System.Text.Json;
using Licenz.Server.Data;

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
    string Type,
    string Status,
    DateTime? ExpiresAt,
    JsonElement Metadata,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? SuspendedAt,
    DateTime? RevokedAt,
    DateTime? LastValidatedAt);

/// <summary>Body of <c>POST /licenses</c>.</summary>
/// <param name="ProductId">Required: the product, <c>prod_…</c>.</param>
/// <param name="Email">Required: the customer's email address.</param>
/// <param name="Type">Required: subscription, perpetual or trial.</param>
/// <param name="ExpiresAt">Optional expiry (ISO-8601 with offset) instead of the product's default length. Not for perpetual licenses.</param>
/// <param name="Metadata">Optional JSON object.</param>
public sealed record CreateLicenseRequest(
    string? ProductId,
    string? Email,
    string? Type,
    string? ExpiresAt,
    JsonElement? Metadata);

/// <summary>Body of <c>PATCH /licenses/{id}</c>: fields left out stay as they are.</summary>
/// <param name="Email">New customer email address.</param>
/// <param name="ExpiresAt">New expiry (ISO-8601 with offset) for subscription and trial licenses.</param>
/// <param name="Metadata">Replaces the metadata object.</param>
public sealed record UpdateLicenseRequest(
    string? Email,
    string? ExpiresAt,
    JsonElement? Metadata);

/// <summary>Optional body of <c>POST /licenses/{id}/renew</c>.</summary>
/// <param name="Days">Days to add; defaults to the product's subscription or trial length.</param>
public sealed record RenewLicenseRequest(int? Days);

internal static class LicenseMapping
{
    public static LicenseDto ToDto(this License license, DateTime now) => new(
        license.Id,
        license.Key,
        license.ProductId,
        license.Email,
        license.Type.Name(),
        LicenseEnums.Effective(license.Status, license.ExpiresAt, now).Name(),
        license.ExpiresAt,
        JsonDocument.Parse(license.Metadata).RootElement.Clone(),
        license.CreatedAt,
        license.UpdatedAt,
        license.SuspendedAt,
        license.RevokedAt,
        license.Activity.LastValidatedAt);
}


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
/// <param name="PolicyId">The policy it follows, <c>pol_…</c>.</param>
/// <param name="MaxMachines">Machines it may be activated on at once: its own limit, else its policy's; null: no limit.</param>
/// <param name="MachinesCount">Machines activated on it now.</param>
/// <param name="Uses">Uses recorded.</param>
/// <param name="MaxUses">Its policy's use limit; null: no limit.</param>
/// <param name="Entitlements">Its effective entitlement codes: its policy's and its own.</param>
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
    DateTime? LastValidatedAt,
    string? PolicyId,
    int? MaxMachines,
    int MachinesCount,
    int Uses,
    int? MaxUses,
    string[] Entitlements);

/// <summary>Body of <c>POST /licenses</c>.</summary>
public sealed record CreateLicenseRequest
{
    /// <summary>The product, <c>prod_…</c>.</summary>
    [PrintableText(64)]
    public required string ProductId { get; init; }

    /// <summary>The customer's email address.</summary>
    [Email]
    public required string Email { get; init; }

    /// <summary>subscription, perpetual or trial: the license follows the product's default policy for the type. Give this or <c>policy_id</c>.</summary>
    public LicenseType? Type { get; init; }

    /// <summary>The policy to follow (<c>pol_…</c>, of the same product), instead of a <c>type</c>.</summary>
    [PrintableText(64)]
    public string? PolicyId { get; init; }

    /// <summary>Expiry (ISO-8601 with offset, in the future) instead of the policy's duration. Not for perpetual licenses.</summary>
    public DateTime? ExpiresAt { get; init; }

    /// <summary>A JSON object of at most 64 keys and 16 KiB; <c>{}</c> when left out or null.</summary>
    [MetadataObject]
    public JsonElement? Metadata { get; init; }

    /// <summary>This license's own machine limit (1 to 1000000), in place of its policy's.</summary>
    [Range(1, Policies.PolicyRules.MaxLimit, ErrorMessage = RequestRules.RangeMessage)]
    public int? MaxMachines { get; init; }

    /// <summary>Entitlement codes granted to this license beyond its policy's.</summary>
    [Policies.EntitlementCodes]
    public string[]? Entitlements { get; init; }
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

    /// <summary>This license's own machine limit (1 to 1000000); null: its policy's again.</summary>
    [Range(1, Policies.PolicyRules.MaxLimit, ErrorMessage = RequestRules.RangeMessage)]
    public int? MaxMachines { get => _maxMachines; set => (_maxMachines, MaxMachinesGiven) = (value, true); }

    private int? _maxMachines;

    [System.Text.Json.Serialization.JsonIgnore]
    public bool MaxMachinesGiven { get; private set; }
}

/// <summary>Body of <c>POST /licenses/{id}/entitlements</c> and <c>DELETE /licenses/{id}/entitlements</c>.</summary>
public sealed record LicenseEntitlementsRequest
{
    /// <summary>Entitlement codes to grant to the license (or take from it).</summary>
    [Policies.EntitlementCodes]
    public required string[] Entitlements { get; init; }
}

/// <summary>Body of <c>POST /licenses/{id}/usage</c>: exactly one of the two.</summary>
public sealed record LicenseUsageRequest
{
    /// <summary>Uses to record, 1 to 1000000.</summary>
    [Range(1, 1_000_000, ErrorMessage = RequestRules.RangeMessage)]
    public int? Increment { get; init; }

    /// <summary>Uses to give back, 1 to 1000000.</summary>
    [Range(1, 1_000_000, ErrorMessage = RequestRules.RangeMessage)]
    public int? Decrement { get; init; }
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
        license.Activity.LastValidatedAt,
        license.PolicyId,
        license.MaxMachines,
        license.MachinesCount,
        license.Uses,
        license.Policy?.MaxUses,
        EffectiveEntitlements(license));

    /// <summary>The license's entitlements: its policy's and its own, sorted.</summary>
    public static string[] EffectiveEntitlements(License license) =>
        [.. Entitlements.EntitlementCodes.Read(license.Policy?.Entitlements ?? "[]").Union(Entitlements.EntitlementCodes.Read(license.Entitlements)).Order(StringComparer.Ordinal)];
}

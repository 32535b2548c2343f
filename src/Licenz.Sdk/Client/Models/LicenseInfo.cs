using System.Text.Json;

namespace Licenz;

/// <summary>A license, as the API returns it (<c>GET /licenses/{id}</c>).</summary>
public sealed record LicenseInfo : LicenzResult
{
    /// <summary>The license id, <c>lic_…</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The license key handed to the customer, <c>LIC-XXXXX-XXXXX-XXXXX</c>.</summary>
    public required string Key { get; init; }

    /// <summary>The product it licenses, <c>prod_…</c>.</summary>
    public required string ProductId { get; init; }

    /// <summary>The customer's email address.</summary>
    public required string Email { get; init; }

    /// <summary>One of <see cref="LicenseTypeNames"/>: subscription, perpetual or trial.</summary>
    public required string Type { get; init; }

    /// <summary>One of <see cref="LicenseStatusNames"/>: active, suspended, revoked or expired.</summary>
    public required string Status { get; init; }

    /// <summary>When the license expires; null for perpetual licenses.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Free-form JSON object the vendor attached.</summary>
    public JsonElement Metadata { get; init; }

    /// <summary>When the license was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the license last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When it was suspended, while it is.</summary>
    public DateTimeOffset? SuspendedAt { get; init; }

    /// <summary>When it was revoked.</summary>
    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>When it was last verified through the API (or a license file was checked out).</summary>
    public DateTimeOffset? LastValidatedAt { get; init; }

    /// <summary>The policy it follows, <c>pol_…</c>.</summary>
    public string? PolicyId { get; init; }

    /// <summary>How many machines it may be activated on at once; null: no limit.</summary>
    public int? MaxMachines { get; init; }

    /// <summary>How many machines it is activated on now.</summary>
    public int MachinesCount { get; init; }
}

/// <summary>The values of <see cref="LicenseInfo.Type"/>.</summary>
public static class LicenseTypeNames
{
    /// <summary>Expires and is renewed.</summary>
    public const string Subscription = "subscription";

    /// <summary>Never expires.</summary>
    public const string Perpetual = "perpetual";

    /// <summary>A time-limited trial.</summary>
    public const string Trial = "trial";
}

/// <summary>The values of <see cref="LicenseInfo.Status"/>.</summary>
public static class LicenseStatusNames
{
    /// <summary>In force.</summary>
    public const string Active = "active";

    /// <summary>Suspended until reinstated.</summary>
    public const string Suspended = "suspended";

    /// <summary>Revoked for good.</summary>
    public const string Revoked = "revoked";

    /// <summary>Past its expiry.</summary>
    public const string Expired = "expired";
}

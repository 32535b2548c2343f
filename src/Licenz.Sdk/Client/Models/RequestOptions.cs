using System.Text.Json.Nodes;

namespace Licenz;

/// <summary>A page of a list: its size and where it starts.</summary>
public sealed class PageOptions
{
    /// <summary>Items per page, 1 to 100; the server's default (20) when null.</summary>
    public int? Limit { get; init; }

    /// <summary>The <see cref="PageInfo.NextCursor"/> of the previous page; null for the first page.</summary>
    public string? Cursor { get; init; }
}

/// <summary>Filters and paging of <see cref="LicensesClient.ListAsync"/>.</summary>
public sealed class LicenseListOptions
{
    /// <summary>Only licenses of this product, <c>prod_…</c>.</summary>
    public string? ProductId { get; init; }

    /// <summary>Only licenses with this status (one of <see cref="LicenseStatusNames"/>).</summary>
    public string? Status { get; init; }

    /// <summary>Only licenses of this customer email address.</summary>
    public string? Email { get; init; }

    /// <summary>Items per page, 1 to 100; the server's default (20) when null.</summary>
    public int? Limit { get; init; }

    /// <summary>The <see cref="PageInfo.NextCursor"/> of the previous page; null for the first page.</summary>
    public string? Cursor { get; init; }
}

/// <summary>A new license (<c>POST /licenses</c>).</summary>
public sealed class LicenseCreateOptions
{
    /// <summary>The product, <c>prod_…</c>.</summary>
    public required string ProductId { get; init; }

    /// <summary>The customer's email address.</summary>
    public required string Email { get; init; }

    /// <summary>One of <see cref="LicenseTypeNames"/>.</summary>
    public required string Type { get; init; }

    /// <summary>Expiry instead of the product's default length; not for perpetual licenses.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>A JSON object to attach.</summary>
    public JsonObject? Metadata { get; init; }
}

/// <summary>Changes to a license (<c>PATCH /licenses/{id}</c>): what is left null stays as it is.</summary>
public sealed class LicenseUpdateOptions
{
    /// <summary>New customer email address.</summary>
    public string? Email { get; init; }

    /// <summary>New expiry, for subscription and trial licenses.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Replaces the metadata object.</summary>
    public JsonObject? Metadata { get; init; }
}

/// <summary>How to issue a license file (<c>POST /licenses/{id}/license-file</c>).</summary>
public sealed class LicenseFileCheckoutOptions
{
    /// <summary>
    /// The file's time to live, in whole seconds from one hour to 365 days; the server's default (30 days) when null.
    /// After it the application must check in again.
    /// </summary>
    public TimeSpan? TimeToLive { get; init; }

    /// <summary>Binds the file to one machine (see <see cref="MachineFingerprint"/>).</summary>
    public string? Fingerprint { get; init; }

    /// <summary>Encrypt the file for its license key (and machine, when bound), so its contents stay private.</summary>
    public bool Encrypt { get; init; }
}

/// <summary>What the server is told of a machine being activated (<c>POST /machines</c>, or an <see cref="OfflineActivationRequest"/>).</summary>
public sealed class MachineActivationOptions
{
    /// <summary>
    /// The machine's named parts, hashed (board, cpu, disk, os, …; at most 32, each at most 256 characters): under a
    /// policy that matches most components, a machine whose fingerprint changed is still recognised by them.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Components { get; init; }

    /// <summary>Display name.</summary>
    public string? Name { get; init; }

    /// <summary>Operating system or platform.</summary>
    public string? Platform { get; init; }

    /// <summary>Host name.</summary>
    public string? Hostname { get; init; }
}

/// <summary>What an online verification asks beyond the key (<c>POST /licenses/verify</c>).</summary>
public sealed class VerifyOptions
{
    /// <summary>The product the application is; a license of another product is <see cref="VerificationResultCodes.ProductScopeMismatch"/>.</summary>
    public string? ProductId { get; init; }

    /// <summary>This machine's fingerprint: the license must be activated on it (<see cref="VerificationResultCodes.NoMachine"/>, <see cref="VerificationResultCodes.FingerprintScopeMismatch"/>).</summary>
    public string? Fingerprint { get; init; }

    /// <summary>Entitlement codes the license must have (<see cref="VerificationResultCodes.EntitlementsMissing"/>).</summary>
    public IReadOnlyCollection<string>? Entitlements { get; init; }
}

/// <summary>A new product (<c>POST /products</c>).</summary>
public sealed class ProductCreateOptions
{
    /// <summary>Display name.</summary>
    public required string Name { get; init; }

    /// <summary>Short handle (lowercase letters, digits, '.', '_' or '-'); derived from the name when null.</summary>
    public string? Code { get; init; }

    /// <summary>A JSON object to attach.</summary>
    public JsonObject? Metadata { get; init; }

    /// <summary>Length of subscriptions in days; the server's default when null.</summary>
    public int? SubscriptionDays { get; init; }

    /// <summary>Length of trials in days; the server's default when null.</summary>
    public int? TrialDays { get; init; }
}

/// <summary>Changes to a product (<c>PATCH /products/{id}</c>): what is left null stays as it is.</summary>
public sealed class ProductUpdateOptions
{
    /// <summary>New display name.</summary>
    public string? Name { get; init; }

    /// <summary>New handle.</summary>
    public string? Code { get; init; }

    /// <summary>Replaces the metadata object.</summary>
    public JsonObject? Metadata { get; init; }

    /// <summary>New length of subscriptions in days.</summary>
    public int? SubscriptionDays { get; init; }

    /// <summary>New length of trials in days.</summary>
    public int? TrialDays { get; init; }
}

/// <summary>A new API key (<c>POST /api-keys</c>).</summary>
public sealed class ApiKeyCreateOptions
{
    /// <summary>One of <see cref="ApiKeyTypeNames"/>.</summary>
    public required string Type { get; init; }

    /// <summary>What the key is for ("CI deploy", "Desktop app 2.x").</summary>
    public required string Name { get; init; }

    /// <summary>When the key stops working; never when null.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}

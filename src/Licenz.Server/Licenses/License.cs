using Licenz.Server.Activity;
using Licenz.Server.Data;
using Licenz.Server.Policies;

namespace Licenz.Server.Licenses;

public sealed class License : IAccountResource
{
    public required string Id { get; init; }
    public required string AccountId { get; init; }
    public required string ProductId { get; init; }

    /// <summary>
    /// The keyed hash of the license key handed to the customer (<c>LIC-XXXXX-XXXXX-XXXXX</c>): how the license is found
    /// by its key, by verification and the API. The row never holds the key itself (see <see cref="LicenseKeyProtection"/>).
    /// Null only in a row from before keys were sealed, until the start-up upgrade (<see cref="LicenseKeyUpgrade"/>) fills it.
    /// </summary>
    public byte[]? KeyHash { get; set; }

    /// <summary>The license key, sealed under the master key for this license: opened to show it to the vendor.</summary>
    public byte[]? SealedKey { get; set; }

    /// <summary>
    /// The key in plain text, as versions before sealed keys stored it. Null in every license created since, and in every
    /// older one once the start-up upgrade has sealed it: a column only so that an upgrade loses no key.
    /// </summary>
    public string? PlaintextKey { get; init; }

    public required string Email { get; set; }
    public LicenseType Type { get; init; }

    /// <summary>Stored status: active, suspended or revoked. "expired" is derived from <see cref="ExpiresAt"/>.</summary>
    public LicenseStatus Status { get; set; }

    public DateTime? ExpiresAt { get; set; }

    /// <summary>JSON object, stored as text.</summary>
    public string Metadata { get; set; } = "{}";

    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? SuspendedAt { get; set; }
    public DateTime? RevokedAt { get; set; }

    /// <summary>
    /// The rules it follows. Null only in a row from before policies, until the start-up upgrade
    /// (<see cref="DefaultPolicies.UpgradeAsync"/>) gives it its product's default for its type.
    /// </summary>
    public string? PolicyId { get; set; }

    /// <summary>The policy, loaded with the license.</summary>
    public Policy? Policy { get; set; }

    /// <summary>This license's own machine limit, in place of its policy's; null: the policy's.</summary>
    public int? MaxMachinesOverride { get; set; }

    /// <summary>Entitlement codes granted to this license beyond its policy's: a JSON array of strings, sorted.</summary>
    public string Entitlements { get; set; } = "[]";

    /// <summary>
    /// Machines activated on it now. Changed only by a conditional write that holds the limit (<see cref="Machines.Seats"/>),
    /// in the same transaction as the machine row.
    /// </summary>
    public int MachinesCount { get; set; }

    /// <summary>Uses recorded (<c>POST /licenses/{id}/usage</c>), changed only by a conditional write that holds <c>max_uses</c>.</summary>
    public int Uses { get; set; }

    /// <summary>When its self-service deactivations of the last 30 days were made: a JSON array of times, for the transfer allowance.</summary>
    public string RecentTransfers { get; set; } = "[]";

    /// <summary>The machine limit in force: its own, or its policy's; null for no limit.</summary>
    public int? MaxMachines => MaxMachinesOverride ?? Policy?.MaxMachines;

    /// <summary>When it was last verified: a row of its own (see <see cref="LicenseActivity"/>), loaded with the license.</summary>
    public required LicenseActivity Activity { get; init; }

    /// <summary>Bumped on every change, so two concurrent changes cannot both win.</summary>
    public long Version { get; set; }
}

using System.Text.Json.Serialization;
using Licenz.Server.Data;
using Licenz.Server.Licenses;

namespace Licenz.Server.Policies;

/// <summary>
/// The rules a license follows (<c>pol_…</c>): how long it runs and from when, what happens once it has run out,
/// how many machines it may be activated on and how they are recognised, how many uses it allows, what it entitles
/// to, and how often its machines and license files must check in. Every product has one default policy per license
/// type (<see cref="DefaultFor"/>), so a license created with a type alone follows that one.
/// </summary>
public sealed class Policy : IAccountResource
{
    public required string Id { get; init; }
    public required string AccountId { get; init; }
    public required string ProductId { get; init; }
    public required string Name { get; set; }

    /// <summary>The type its licenses have (subscription, perpetual or trial).</summary>
    public LicenseType LicenseType { get; set; }

    /// <summary>Set on the product's default policy for this type (one per product and type); null on every other policy.</summary>
    public LicenseType? DefaultFor { get; set; }

    /// <summary>How long a license runs once started, in seconds; null for licenses that never expire.</summary>
    public long? DurationSeconds { get; set; }

    public ExpirationStrategy ExpirationStrategy { get; set; }

    public ExpirationBasis ExpirationBasis { get; set; }

    /// <summary>How long after its expiry a restricted license still verifies (flagged <c>in_grace</c>), in seconds.</summary>
    public long GracePeriodSeconds { get; set; }

    /// <summary>Machines a license may be activated on at once; null for no limit.</summary>
    public int? MaxMachines { get; set; }

    /// <summary>False: node-locked (verification and license files need the machine's fingerprint). True: any activated machine.</summary>
    public bool Floating { get; set; } = true;

    public FingerprintMatching FingerprintMatching { get; set; }

    /// <summary>How many uses a license may record (<c>POST /licenses/{id}/usage</c>); null for no limit.</summary>
    public int? MaxUses { get; set; }

    /// <summary>The entitlement codes every license of the policy has: a JSON array of strings, sorted.</summary>
    public string Entitlements { get; set; } = "[]";

    public bool RequireHeartbeat { get; set; }

    /// <summary>How often a machine must send a heartbeat when <see cref="RequireHeartbeat"/> is set, in seconds.</summary>
    public int? HeartbeatIntervalSeconds { get; set; }

    /// <summary>The longest a license file may be valid for (its TTL), in seconds: how often an offline copy must check in. Null: no bound beyond the server's.</summary>
    public long? CheckInIntervalSeconds { get; set; }

    /// <summary>How many self-service deactivations (<c>POST /machines/deactivate</c>) a license may make in any 30 days; null for no limit.</summary>
    public int? TransfersPer30Days { get; set; }

    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>Bumped on every change, so two concurrent changes cannot both win.</summary>
    public long Version { get; set; }

    /// <summary>The heartbeat interval in force: the policy's, or the default when it requires heartbeats without naming one.</summary>
    public TimeSpan? HeartbeatInterval => RequireHeartbeat ? TimeSpan.FromSeconds(HeartbeatIntervalSeconds ?? PolicyRules.DefaultHeartbeatSeconds) : null;
}

/// <summary>What an expired license is.</summary>
public enum ExpirationStrategy
{
    /// <summary>Invalid once expired (after its grace period).</summary>
    [JsonStringEnumMemberName("restrict")]
    Restrict,

    /// <summary>Still valid, flagged as out of maintenance: the versions released before expiry keep working (perpetual fallback).</summary>
    [JsonStringEnumMemberName("maintain")]
    Maintain,

    /// <summary>Still valid, flagged as expired.</summary>
    [JsonStringEnumMemberName("allow")]
    Allow,
}

/// <summary>When a license's duration starts running.</summary>
public enum ExpirationBasis
{
    [JsonStringEnumMemberName("creation")]
    Creation,

    /// <summary>At its first machine activation: a trial that starts on first launch.</summary>
    [JsonStringEnumMemberName("first_activation")]
    FirstActivation,

    /// <summary>At its first verification through the API.</summary>
    [JsonStringEnumMemberName("first_validation")]
    FirstValidation,
}

/// <summary>How an activation's fingerprint is matched against the license's machines.</summary>
public enum FingerprintMatching
{
    /// <summary>The fingerprint must be the machine's.</summary>
    [JsonStringEnumMemberName("exact")]
    Exact,

    /// <summary>
    /// The fingerprint, or else most of the machine's named components (more than half of those both sides have): a
    /// reinstall or a new disk changes the fingerprint but not the board and CPU, and rebinds the machine.
    /// </summary>
    [JsonStringEnumMemberName("most_components")]
    MostComponents,
}

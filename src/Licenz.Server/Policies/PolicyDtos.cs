using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using Licenz.Server.Entitlements;
using Licenz.Server.Http;
using Licenz.Server.Licenses;
using Microsoft.AspNetCore.Mvc;

namespace Licenz.Server.Policies;

/// <param name="Id">The policy id, <c>pol_…</c>.</param>
/// <param name="ProductId">The product whose licenses it governs.</param>
/// <param name="Name">Display name.</param>
/// <param name="LicenseType">The type of its licenses: subscription, perpetual or trial.</param>
/// <param name="Default">Whether it is the product's default policy for its license type (the one <c>POST /licenses</c> with a <c>type</c> uses).</param>
/// <param name="Duration">How long a license runs once started, in seconds; null: it never expires.</param>
/// <param name="ExpirationStrategy">restrict (invalid once expired), maintain (valid, out of maintenance) or allow (valid, flagged).</param>
/// <param name="ExpirationBasis">When the duration starts: creation, first_activation or first_validation.</param>
/// <param name="GracePeriod">Seconds a restricted license still verifies after its expiry (flagged in_grace).</param>
/// <param name="MaxMachines">Machines a license may be activated on at once; null: no limit.</param>
/// <param name="Floating">False: node-locked (verification and license files need an activated machine's fingerprint).</param>
/// <param name="FingerprintMatching">exact, or most_components (a machine whose fingerprint changed but most of whose components match is rebound).</param>
/// <param name="MaxUses">Uses a license may record; null: no limit.</param>
/// <param name="Entitlements">Entitlement codes every license of the policy has.</param>
/// <param name="RequireHeartbeat">Whether machines must send heartbeats; a machine whose heartbeat is overdue is deactivated.</param>
/// <param name="HeartbeatInterval">Seconds between heartbeats, when required.</param>
/// <param name="CheckInInterval">The longest a license file may be valid for, in seconds; null: the server's bound.</param>
/// <param name="TransfersPer30Days">Self-service deactivations a license may make in any 30 days; null: no limit.</param>
/// <param name="CreatedAt">When the policy was created (UTC).</param>
/// <param name="UpdatedAt">When it last changed (UTC).</param>
public sealed record PolicyDto(
    string Id,
    string ProductId,
    string Name,
    LicenseType LicenseType,
    bool Default,
    long? Duration,
    ExpirationStrategy ExpirationStrategy,
    ExpirationBasis ExpirationBasis,
    long GracePeriod,
    int? MaxMachines,
    bool Floating,
    FingerprintMatching FingerprintMatching,
    int? MaxUses,
    string[] Entitlements,
    bool RequireHeartbeat,
    int? HeartbeatInterval,
    long? CheckInInterval,
    [property: JsonPropertyName("transfers_per_30_days")] int? TransfersPer30Days,
    DateTime CreatedAt,
    DateTime UpdatedAt);

/// <summary>Body of <c>POST /policies</c>.</summary>
public sealed record CreatePolicyRequest
{
    /// <summary>The product, <c>prod_…</c>.</summary>
    [PrintableText(64)]
    public required string ProductId { get; init; }

    /// <summary>Display name.</summary>
    [PrintableText(200)]
    public required string Name { get; init; }

    /// <summary>subscription, perpetual or trial; perpetual when no duration is given, else subscription.</summary>
    public LicenseType? LicenseType { get; init; }

    /// <summary>Seconds (3600 to 3155760000) or an ISO-8601 duration (P30D, P1Y); null or left out: licenses never expire.</summary>
    [Duration(PolicyRules.MinDurationSeconds, PolicyRules.MaxDurationSeconds)]
    public PolicyDuration? Duration { get; init; }

    /// <summary>restrict (default), maintain or allow.</summary>
    public ExpirationStrategy? ExpirationStrategy { get; init; }

    /// <summary>creation (default), first_activation or first_validation.</summary>
    public ExpirationBasis? ExpirationBasis { get; init; }

    /// <summary>Seconds or ISO-8601, 0 to 365 days (default 0).</summary>
    [Duration(0, PolicyRules.MaxGraceSeconds)]
    public PolicyDuration? GracePeriod { get; init; }

    /// <summary>1 to 1000000; null or left out: no limit.</summary>
    [Range(1, PolicyRules.MaxLimit, ErrorMessage = RequestRules.RangeMessage)]
    public int? MaxMachines { get; init; }

    /// <summary>Default true; false makes licenses node-locked.</summary>
    public bool? Floating { get; init; }

    /// <summary>exact (default) or most_components.</summary>
    public FingerprintMatching? FingerprintMatching { get; init; }

    /// <summary>1 to 2147483647; null or left out: no limit.</summary>
    [Range(1, int.MaxValue, ErrorMessage = RequestRules.RangeMessage)]
    public int? MaxUses { get; init; }

    /// <summary>Entitlement codes (defined with POST /entitlements) every license of the policy has.</summary>
    [EntitlementCodes]
    public string[]? Entitlements { get; init; }

    /// <summary>Default false.</summary>
    public bool? RequireHeartbeat { get; init; }

    /// <summary>Seconds or ISO-8601, 60 s to 30 days (default 600 when heartbeats are required).</summary>
    [Duration(PolicyRules.MinHeartbeatSeconds, PolicyRules.MaxHeartbeatSeconds)]
    public PolicyDuration? HeartbeatInterval { get; init; }

    /// <summary>Seconds or ISO-8601, 1 hour to 365 days: the longest TTL of its license files.</summary>
    [Duration(PolicyRules.MinCheckInSeconds, PolicyRules.MaxCheckInSeconds)]
    public PolicyDuration? CheckInInterval { get; init; }

    /// <summary>0 to 1000 self-service deactivations in any 30 days; null or left out: no limit.</summary>
    [Range(0, 1000, ErrorMessage = RequestRules.RangeMessage)]
    [JsonPropertyName("transfers_per_30_days")]
    public int? TransfersPer30Days { get; init; }
}

/// <summary>
/// Body of <c>PATCH /policies/{id}</c>: fields left out stay as they are; <c>null</c> clears a limit (no limit) or a
/// duration (never expires). A change applies to every license of the policy at its next verification; a changed
/// duration applies to licenses started (or renewed) afterwards.
/// </summary>
public sealed record UpdatePolicyRequest
{
    private PolicyDuration? _duration;
    private int? _maxMachines;
    private int? _maxUses;
    private PolicyDuration? _checkIn;
    private int? _transfers;

    /// <summary>Display name.</summary>
    [PrintableText(200)]
    public string? Name { get; init; }

    /// <summary>Seconds or ISO-8601; null: licenses started from now on never expire (perpetual policies only).</summary>
    [Duration(PolicyRules.MinDurationSeconds, PolicyRules.MaxDurationSeconds)]
    public PolicyDuration? Duration { get => _duration; set => (_duration, DurationGiven) = (value, true); }

    public ExpirationStrategy? ExpirationStrategy { get; init; }

    public ExpirationBasis? ExpirationBasis { get; init; }

    [Duration(0, PolicyRules.MaxGraceSeconds)]
    public PolicyDuration? GracePeriod { get; init; }

    /// <summary>1 to 1000000, or null for no limit.</summary>
    [Range(1, PolicyRules.MaxLimit, ErrorMessage = RequestRules.RangeMessage)]
    public int? MaxMachines { get => _maxMachines; set => (_maxMachines, MaxMachinesGiven) = (value, true); }

    public bool? Floating { get; init; }

    public FingerprintMatching? FingerprintMatching { get; init; }

    /// <summary>1 to 2147483647, or null for no limit.</summary>
    [Range(1, int.MaxValue, ErrorMessage = RequestRules.RangeMessage)]
    public int? MaxUses { get => _maxUses; set => (_maxUses, MaxUsesGiven) = (value, true); }

    /// <summary>Replaces the policy's entitlement codes.</summary>
    [EntitlementCodes]
    public string[]? Entitlements { get; init; }

    public bool? RequireHeartbeat { get; init; }

    [Duration(PolicyRules.MinHeartbeatSeconds, PolicyRules.MaxHeartbeatSeconds)]
    public PolicyDuration? HeartbeatInterval { get; init; }

    /// <summary>Seconds or ISO-8601, or null for the server's bound.</summary>
    [Duration(PolicyRules.MinCheckInSeconds, PolicyRules.MaxCheckInSeconds)]
    public PolicyDuration? CheckInInterval { get => _checkIn; set => (_checkIn, CheckInIntervalGiven) = (value, true); }

    /// <summary>0 to 1000, or null for no limit.</summary>
    [Range(0, 1000, ErrorMessage = RequestRules.RangeMessage)]
    [JsonPropertyName("transfers_per_30_days")]
    public int? TransfersPer30Days { get => _transfers; set => (_transfers, TransfersGiven) = (value, true); }

    [JsonIgnore]
    public bool DurationGiven { get; private set; }

    [JsonIgnore]
    public bool MaxMachinesGiven { get; private set; }

    [JsonIgnore]
    public bool MaxUsesGiven { get; private set; }

    [JsonIgnore]
    public bool CheckInIntervalGiven { get; private set; }

    [JsonIgnore]
    public bool TransfersGiven { get; private set; }
}

/// <summary>The query of <c>GET /policies</c>.</summary>
public sealed record PolicyListQuery : IPageQuery
{
    [System.ComponentModel.Description("Only policies of this product (`prod_…`).")]
    [FromQuery(Name = "product_id")]
    public string? ProductId { get; init; }

    [System.ComponentModel.Description("Page size, 1 to 100 (default 20).")]
    [FromQuery(Name = "limit")]
    [Range(1, PageRequest.MaxLimit, ErrorMessage = PageRequest.LimitMessage)]
    public int? Limit { get; init; }

    [System.ComponentModel.Description("The `next_cursor` of the previous page.")]
    [FromQuery(Name = "cursor")]
    public string? Cursor { get; init; }
}

internal static class PolicyMapping
{
    public static PolicyDto ToDto(this Policy p) => new(
        p.Id,
        p.ProductId,
        p.Name,
        p.LicenseType,
        p.DefaultFor is not null,
        p.DurationSeconds,
        p.ExpirationStrategy,
        p.ExpirationBasis,
        p.GracePeriodSeconds,
        p.MaxMachines,
        p.Floating,
        p.FingerprintMatching,
        p.MaxUses,
        EntitlementCodes.Read(p.Entitlements),
        p.RequireHeartbeat,
        p.RequireHeartbeat ? (int)p.HeartbeatInterval!.Value.TotalSeconds : p.HeartbeatIntervalSeconds,
        p.CheckInIntervalSeconds,
        p.TransfersPer30Days,
        p.CreatedAt,
        p.UpdatedAt);
}

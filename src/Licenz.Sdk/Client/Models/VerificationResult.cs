using System.Text.Json;
using System.Text.Json.Serialization;

namespace Licenz;

/// <summary>
/// The answer to an online verification (<c>POST /licenses/verify</c>). The client returns it only after checking
/// the response's signature, digest and nonce; a response that fails them raises
/// <see cref="LicenzErrorCodes.InvalidResponseSignature"/> instead.
/// </summary>
public sealed record VerificationResult : LicenzResult
{
    /// <summary>Whether the license may be used.</summary>
    [JsonPropertyName("valid")]
    public required bool IsValid { get; init; }

    /// <summary>One of <see cref="VerificationResultCodes"/>.</summary>
    public required string Code { get; init; }

    /// <summary>The code, in words.</summary>
    public required string Detail { get; init; }

    /// <summary>The nonce this client sent, echoed in the signed body.</summary>
    public string? Nonce { get; init; }

    /// <summary>The server's time of the check.</summary>
    public DateTimeOffset VerifiedAt { get; init; }

    /// <summary>The account that answered: the issuer of its license files, whose keys sign its answers.</summary>
    public string? AccountId { get; init; }

    /// <summary>The license's public fields; null when <see cref="VerificationResultCodes.NotFound"/>.</summary>
    public LicenseSummary? License { get; init; }

    /// <summary>Valid, but past the license's expiry, within its policy's grace period (<see cref="Code"/> is then <see cref="VerificationResultCodes.Expired"/>).</summary>
    public bool InGrace { get; init; }

    /// <summary>When the grace period ends, while <see cref="InGrace"/>.</summary>
    public DateTimeOffset? GraceEndsAt { get; init; }

    /// <summary>The activated machine the verification's fingerprint is, <c>mach_…</c>; null when none was named or found.</summary>
    public string? MachineId { get; init; }

    /// <summary>
    /// The version of the account's revocation list when the server answered (signed with the answer): a kept list older
    /// than it is behind (<see cref="RevocationList"/>, <see cref="LicensesClient.GetRevocationListAsync"/>).
    /// </summary>
    public long RevocationVersion { get; init; }

    /// <summary>Whether the answer is valid and the license grants the entitlement <paramref name="code"/>.</summary>
    /// <param name="code">An entitlement code, such as <c>export.pdf</c>.</param>
    public bool HasEntitlement(string code) => IsValid && License is { } license && license.Entitlements.Contains(code, StringComparer.Ordinal);

    /// <summary>
    /// The response's signed <c>Date</c>: a time the application may trust, for example to advance an
    /// <see cref="ITrustedClock"/> so a clock set back later is noticed.
    /// </summary>
    [JsonIgnore]
    public DateTimeOffset SignedDate { get; internal set; }

    /// <summary>The signing key (<c>kid</c>) that signed the response.</summary>
    [JsonIgnore]
    public string SigningKeyId { get; internal set; } = "";

    /// <summary>
    /// The signed answer exactly as received, to keep and check again offline later (see
    /// <see cref="SignedResponse.Verify"/>): <see cref="LicenseChecker"/> falls back on it within its grace period.
    /// </summary>
    [JsonIgnore]
    public SignedResponse? Signed { get; internal set; }
}

/// <summary>What a license holder may see of a license in a verification: no customer email.</summary>
public sealed record LicenseSummary
{
    /// <summary>The license id, <c>lic_…</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The license key.</summary>
    public required string Key { get; init; }

    /// <summary>The product it licenses.</summary>
    public required string ProductId { get; init; }

    /// <summary>One of <see cref="LicenseTypeNames"/>.</summary>
    public required string Type { get; init; }

    /// <summary>One of <see cref="LicenseStatusNames"/>.</summary>
    public required string Status { get; init; }

    /// <summary>When the license expires; null for perpetual licenses.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Free-form JSON object the vendor attached.</summary>
    public JsonElement Metadata { get; init; }

    /// <summary>When the license was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The policy it follows, <c>pol_…</c>.</summary>
    public string? PolicyId { get; init; }

    /// <summary>Its entitlement codes: its policy's and its own.</summary>
    public IReadOnlyList<string> Entitlements { get; init; } = [];
}

/// <summary>The values of <see cref="VerificationResult.Code"/>.</summary>
public static class VerificationResultCodes
{
    /// <summary>The license is valid.</summary>
    public const string Valid = "VALID";

    /// <summary>No license with this key (in this account).</summary>
    public const string NotFound = "NOT_FOUND";

    /// <summary>The license is suspended.</summary>
    public const string Suspended = "SUSPENDED";

    /// <summary>The license has expired.</summary>
    public const string Expired = "EXPIRED";

    /// <summary>The license has been revoked.</summary>
    public const string Revoked = "REVOKED";

    /// <summary>The license is for another product than the one named.</summary>
    public const string ProductScopeMismatch = "PRODUCT_SCOPE_MISMATCH";

    /// <summary>The license has recorded more uses than its policy allows.</summary>
    public const string UsageExceeded = "USAGE_EXCEEDED";

    /// <summary>More machines are activated on the license than its limit allows (the limit was lowered since).</summary>
    public const string TooManyMachines = "TOO_MANY_MACHINES";

    /// <summary>No machine is activated on the license: activate this one first.</summary>
    public const string NoMachine = "NO_MACHINE";

    /// <summary>The fingerprint given is none of the machines activated on the license.</summary>
    public const string FingerprintScopeMismatch = "FINGERPRINT_SCOPE_MISMATCH";

    /// <summary>The license is node-locked: the verification must name the machine's fingerprint.</summary>
    public const string FingerprintScopeRequired = "FINGERPRINT_SCOPE_REQUIRED";

    /// <summary>The machine's heartbeat is overdue: it must send one, or be activated again.</summary>
    public const string HeartbeatDead = "HEARTBEAT_DEAD";

    /// <summary>The license lacks an entitlement the verification asked for.</summary>
    public const string EntitlementsMissing = "ENTITLEMENTS_MISSING";
}

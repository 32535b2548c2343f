using System.Text.Json;
using Licenz.Server.Http;
using Licenz.Server.Licenses;

namespace Licenz.Server.Verification;

/// <summary>Body of <c>POST /licenses/verify</c>.</summary>
public sealed record VerifyRequest
{
    /// <summary>The license key as the customer entered it.</summary>
    [PrintableText(64)]
    public required string Key { get; init; }

    /// <summary>The product the application is; a license of another product is PRODUCT_SCOPE_MISMATCH.</summary>
    [PrintableText(64)]
    public string? ProductId { get; init; }

    /// <summary>A fresh random value from the caller, echoed back (and signed) so an old answer cannot be replayed.</summary>
    [Nonce]
    public string? Nonce { get; init; }

    /// <summary>The machine's fingerprint: the license must be activated on it (NO_MACHINE, FINGERPRINT_SCOPE_MISMATCH); required for node-locked licenses.</summary>
    [PrintableText(Machines.MachineRules.MaxFingerprint)]
    public string? Fingerprint { get; init; }

    /// <summary>Entitlement codes the license must have (ENTITLEMENTS_MISSING).</summary>
    [Policies.EntitlementCodes]
    public string[]? Entitlements { get; init; }
}

/// <summary>The answer to a verification: always HTTP 200, valid or not.</summary>
/// <param name="Valid">Whether the license may be used.</param>
/// <param name="Code">VALID, NOT_FOUND, PRODUCT_SCOPE_MISMATCH, REVOKED, SUSPENDED, EXPIRED, USAGE_EXCEEDED, TOO_MANY_MACHINES, NO_MACHINE,
/// FINGERPRINT_SCOPE_MISMATCH, FINGERPRINT_SCOPE_REQUIRED, HEARTBEAT_DEAD or ENTITLEMENTS_MISSING: the first rule that failed (see checks).
/// EXPIRED with valid true: past its expiry, but its policy allows it (in grace, maintain, allow).</param>
/// <param name="Detail">The code, in words.</param>
/// <param name="Nonce">The caller's nonce, echoed.</param>
/// <param name="VerifiedAt">Server time of the check (UTC).</param>
/// <param name="AccountId">The account that answered: the issuer (<c>iss</c>) of its license files and owner of the signing key.</param>
/// <param name="License">The license's public fields; null when NOT_FOUND.</param>
/// <param name="Checks">Every rule evaluated, in order, with its outcome (passed, failed, skipped) and why: the verdict explained.</param>
/// <param name="InGrace">Expired, but within its policy's grace period: valid until grace_ends_at.</param>
/// <param name="GraceEndsAt">When the grace period ends, while in grace.</param>
/// <param name="MachineId">The activated machine the request's fingerprint is, if any.</param>
/// <param name="RevocationVersion">The version of the account's revocation list (/.well-known/licenz-revocations.jwt): an application
/// whose kept list is older fetches it, to refuse revoked licenses offline.</param>
public sealed record VerifyResult(
    bool Valid,
    string Code,
    string Detail,
    string? Nonce,
    DateTime VerifiedAt,
    string AccountId,
    VerifiedLicense? License,
    IReadOnlyList<VerificationCheck> Checks,
    bool InGrace,
    DateTime? GraceEndsAt,
    string? MachineId,
    long RevocationVersion);

/// <summary>What a license holder may see of a license: no customer email.</summary>
/// <param name="PolicyId">The policy it follows.</param>
/// <param name="Entitlements">Its effective entitlement codes.</param>
/// <param name="MaxMachines">Its machine limit; null: none.</param>
/// <param name="MaxUses">Its use limit; null: none.</param>
public sealed record VerifiedLicense(
    string Id,
    string Key,
    string ProductId,
    LicenseType Type,
    LicenseStatus Status,
    DateTime? ExpiresAt,
    JsonElement Metadata,
    DateTime CreatedAt,
    string? PolicyId,
    IReadOnlyCollection<string> Entitlements,
    int? MaxMachines,
    int? MaxUses);

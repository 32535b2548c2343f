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
}

/// <summary>The answer to a verification: always HTTP 200, valid or not.</summary>
/// <param name="Valid">Whether the license may be used.</param>
/// <param name="Code">VALID, NOT_FOUND, SUSPENDED, EXPIRED, REVOKED or PRODUCT_SCOPE_MISMATCH.</param>
/// <param name="Detail">The code, in words.</param>
/// <param name="Nonce">The caller's nonce, echoed.</param>
/// <param name="VerifiedAt">Server time of the check (UTC).</param>
/// <param name="AccountId">The account that answered: the issuer (<c>iss</c>) of its license files and owner of the signing key.</param>
/// <param name="License">The license's public fields; null when NOT_FOUND.</param>
public sealed record VerifyResult(
    bool Valid,
    string Code,
    string Detail,
    string? Nonce,
    DateTime VerifiedAt,
    string AccountId,
    VerifiedLicense? License);

/// <summary>What a license holder may see of a license: no customer email.</summary>
public sealed record VerifiedLicense(
    string Id,
    string Key,
    string ProductId,
    LicenseType Type,
    LicenseStatus Status,
    DateTime? ExpiresAt,
    JsonElement Metadata,
    DateTime CreatedAt);

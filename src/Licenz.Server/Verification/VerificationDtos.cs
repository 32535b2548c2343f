using System.Text.Json;

namespace Licenz.Server.Verification;

/// <summary>Body of <c>POST /licenses/verify</c>.</summary>
/// <param name="Key">Required: the license key as the customer entered it.</param>
/// <param name="ProductId">Optional: the product the application is; a license of another product is PRODUCT_SCOPE_MISMATCH.</param>
/// <param name="Nonce">Optional: a fresh random value from the caller, echoed back so an old answer cannot be replayed.</param>
public sealed record VerifyRequest(string? Key, string? ProductId, string? Nonce);

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
    string Type,
    string Status,
    DateTime? ExpiresAt,
    JsonElement Metadata,
    DateTime CreatedAt);

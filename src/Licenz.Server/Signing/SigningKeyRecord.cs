using Licenz.Server.Data;

namespace Licenz.Server.Signing;

public enum SigningKeyStatus
{
    /// <summary>Signs new license files and responses; one per account.</summary>
    Current,

    /// <summary>Replaced by a newer key but still published in the JWKS, so what it signed still verifies.</summary>
    Published,

    /// <summary>Removed from the JWKS: what it signed no longer verifies.</summary>
    Retired,
}

/// <summary>An account's Ed25519 signing key. The private seed is stored sealed under the master key.</summary>
public sealed class SigningKeyRecord : IAccountResource
{
    /// <summary>The <c>kid</c>: RFC 7638 thumbprint of the public key.</summary>
    public required string Id { get; init; }
    public required string AccountId { get; init; }
    public required byte[] PublicKey { get; init; }
    public required byte[] SealedPrivateKey { get; init; }
    public SigningKeyStatus Status { get; set; }
    public DateTime CreatedAt { get; init; }
    public DateTime? RotatedAt { get; set; }
    public DateTime? RetiredAt { get; set; }
}

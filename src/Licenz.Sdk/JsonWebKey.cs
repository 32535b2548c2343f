namespace Licenz;

/// <summary>A public Ed25519 key as published in the server's JWKS.</summary>
/// <param name="KeyId">The <c>kid</c>.</param>
/// <param name="PublicKey">The raw 32-byte public key (<c>x</c>).</param>
public sealed record JsonWebKey(string KeyId, byte[] PublicKey);

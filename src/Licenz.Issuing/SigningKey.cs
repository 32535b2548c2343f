using System.Security.Cryptography;
using System.Text;
using Licenz.Internal;
using NSec.Cryptography;

namespace Licenz;

/// <summary>
/// An Ed25519 key pair that signs license files and verification responses. The server keeps one per
/// account; its <see cref="KeyId"/> is the RFC 7638 thumbprint of the public key.
/// </summary>
public sealed class SigningKey : IDisposable
{
    private static readonly SignatureAlgorithm Algorithm = SignatureAlgorithm.Ed25519;
    private readonly Key _key;

    private SigningKey(Key key)
    {
        _key = key;
        PublicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        KeyId = Thumbprint(PublicKey);
    }

    /// <summary>The raw 32-byte Ed25519 public key.</summary>
    public byte[] PublicKey { get; }

    /// <summary>The key's id (<c>kid</c>): the base64url SHA-256 JWK thumbprint (RFC 7638) of the public key.</summary>
    public string KeyId { get; }

    /// <summary>Creates a new key pair from a secure random source.</summary>
    public static SigningKey Generate() =>
        new(Key.Create(Algorithm, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    /// <summary>Restores a key pair from its 32-byte private seed.</summary>
    public static SigningKey FromSeed(ReadOnlySpan<byte> seed) =>
        new(Key.Import(Algorithm, seed, KeyBlobFormat.RawPrivateKey, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    /// <summary>The 32-byte private seed, for storage (encrypt it before it touches a disk).</summary>
    public byte[] ExportSeed() => _key.Export(KeyBlobFormat.RawPrivateKey);

    /// <summary>Signs <paramref name="data"/>; the signature is 64 bytes.</summary>
    public byte[] Sign(ReadOnlySpan<byte> data) => Algorithm.Sign(_key, data);

    /// <summary>Signs <paramref name="data"/> into <paramref name="signature"/>, which must hold 64 bytes.</summary>
    public void Sign(ReadOnlySpan<byte> data, Span<byte> signature) => Algorithm.Sign(_key, data, signature);

    /// <summary>The public half as a JWK (<c>OKP</c> / <c>Ed25519</c>).</summary>
    public JsonWebKey ToJsonWebKey() => new(KeyId, PublicKey);

    /// <summary>RFC 7638 thumbprint of an Ed25519 public key: SHA-256 of <c>{"crv":"Ed25519","kty":"OKP","x":…}</c>.</summary>
    public static string Thumbprint(ReadOnlySpan<byte> publicKey)
    {
        var canonical = $"{{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"{Base64UrlStrict.Encode(publicKey)}\"}}";
        return Base64UrlStrict.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();
}

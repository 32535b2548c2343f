#if NET10_0_OR_GREATER
using NSec.Cryptography;
#else
using Org.BouncyCastle.Math.EC.Rfc8032;
#endif

namespace Licenz.Internal;

/// <summary>
/// An Ed25519 public key that checks signatures: NSec (libsodium) on .NET 10; BouncyCastle on .NET 8 and .NET Standard
/// 2.0, where NSec is not available. Both check signatures by RFC 8032 and behave alike on every target: any 32 bytes
/// import, and a key that is not a point of the curve's prime-order group (a small-order key, which lax implementations
/// let verify forged signatures) verifies no signature at all — libsodium refuses it when verifying, and on BouncyCastle
/// its full validation, made once at import, does.
/// </summary>
internal sealed class Ed25519PublicKey
{
    public const int Length = 32;
    public const int SignatureLength = 64;

#if NET10_0_OR_GREATER
    private readonly PublicKey _key;

    private Ed25519PublicKey(PublicKey key, byte[] raw)
    {
        _key = key;
        Raw = raw;
    }
#else
    private readonly bool _valid;

    private Ed25519PublicKey(byte[] raw, bool valid)
    {
        Raw = raw;
        _valid = valid;
    }
#endif

    /// <summary>The raw 32 bytes (a JWK's <c>x</c>).</summary>
    public byte[] Raw { get; }

    /// <summary>Imports a raw 32-byte key; false when it is not a valid Ed25519 public key.</summary>
    public static bool TryImport(byte[] raw, out Ed25519PublicKey? key)
    {
        key = null;
        if (raw is not { Length: Length })
        {
            return false;
        }

#if NET10_0_OR_GREATER
        if (!PublicKey.TryImport(SignatureAlgorithm.Ed25519, raw, KeyBlobFormat.RawPublicKey, out var imported) || imported is null)
        {
            return false;
        }

        key = new Ed25519PublicKey(imported, (byte[])raw.Clone());
#else
        key = new Ed25519PublicKey((byte[])raw.Clone(), Ed25519.ValidatePublicKeyFull(raw, 0));
#endif
        return true;
    }

    /// <summary>Whether <paramref name="signature"/> is this key's over <paramref name="data"/>.</summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != SignatureLength)
        {
            return false;
        }

#if NET10_0_OR_GREATER
        return SignatureAlgorithm.Ed25519.Verify(_key, data, signature);
#else
        return _valid && Ed25519.Verify(signature.ToArray(), 0, Raw, 0, data.ToArray(), 0, data.Length);
#endif
    }
}

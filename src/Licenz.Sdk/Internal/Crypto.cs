using System.Security.Cryptography;
#if !NET
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;
#endif

namespace Licenz.Internal;

/// <summary>
/// HKDF, HMAC and AES-GCM as the SDK uses them: the .NET classes on .NET 8 and newer; BouncyCastle on .NET Standard 2.0,
/// whose .NET has none of HKDF and AES-GCM (.NET Framework, Mono, Unity).
/// </summary>
internal static class Crypto
{
    /// <summary>HKDF-SHA256 (RFC 5869).</summary>
    public static byte[] HkdfSha256(byte[] inputKeyMaterial, int length, byte[] salt, byte[] info)
    {
#if NET
        return HKDF.DeriveKey(HashAlgorithmName.SHA256, inputKeyMaterial, length, salt, info);
#else
        var hkdf = new HkdfBytesGenerator(new Sha256Digest());
        hkdf.Init(new HkdfParameters(inputKeyMaterial, salt, info));
        var output = new byte[length];
        hkdf.GenerateBytes(output, 0, length);
        return output;
#endif
    }

    /// <summary>HMAC-SHA256.</summary>
    public static byte[] HmacSha256(byte[] key, byte[] data)
    {
#if NET
        return HMACSHA256.HashData(key, data);
#else
        using var hmac = new HMACSHA256(key);
        return hmac.ComputeHash(data);
#endif
    }

    /// <summary>Opens AES-256-GCM ciphertext with its 16-byte tag into <paramref name="plaintext"/>; false when the tag does not hold.</summary>
    public static bool TryAesGcmDecrypt(
        byte[] key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> associatedData, Span<byte> plaintext)
    {
#if NET
        try
        {
            using var aes = new AesGcm(key, tag.Length);
            aes.Decrypt(iv, ciphertext, tag, plaintext, associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
#else
        var gcm = new GcmBlockCipher(new AesEngine());
        gcm.Init(false, new AeadParameters(new KeyParameter(key), tag.Length * 8, iv.ToArray(), associatedData.ToArray()));
        var input = new byte[ciphertext.Length + tag.Length];
        ciphertext.CopyTo(input);
        tag.CopyTo(input.AsSpan(ciphertext.Length));
        var output = new byte[gcm.GetOutputSize(input.Length)];
        try
        {
            var written = gcm.ProcessBytes(input, 0, input.Length, output, 0);
            written += gcm.DoFinal(output, written);
            output.AsSpan(0, written).CopyTo(plaintext);
            return true;
        }
        catch (InvalidCipherTextException)
        {
            return false;
        }
        finally
        {
            Array.Clear(output, 0, output.Length);
        }
#endif
    }
}

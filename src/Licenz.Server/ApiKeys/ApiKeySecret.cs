using System.Security.Cryptography;
using System.Text;

namespace Licenz.Server.ApiKeys;

/// <summary>
/// The shape of an API key: <c>lz_{type}_{lookup}{secret}</c>. The 12-character lookup finds the row;
/// the whole key is checked against its stored SHA-256 hash in constant time. 40 characters of base62
/// from a CSPRNG carry 238 bits, so a fast hash is the right tool (no password stretching needed).
/// </summary>
public static class ApiKeySecret
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    public const int LookupLength = 12;
    public const int BodyLength = 40;

    public static string Generate(ApiKeyType type) =>
        type.KeyPrefix() + RandomNumberGenerator.GetString(Alphabet, BodyLength);

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>Compares a presented key with a stored hash without leaking timing.</summary>
    public static bool Matches(string presented, byte[] storedHash)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        if (presented.Length > 128)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[Encoding.UTF8.GetMaxByteCount(presented.Length)];
        SHA256.HashData(bytes[..Encoding.UTF8.GetBytes(presented, bytes)], hash);
        return CryptographicOperations.FixedTimeEquals(hash, storedHash);
    }

    /// <summary>Splits a presented key into its type and lookup id; false when it cannot be a Licenz key.</summary>
    public static bool TryParse(string presented, out ApiKeyType type, out string lookupId)
    {
        lookupId = "";
        foreach (var candidate in (ReadOnlySpan<ApiKeyType>)[ApiKeyType.Admin, ApiKeyType.ReadOnly, ApiKeyType.VerifyOnly])
        {
            var prefix = candidate.KeyPrefix();
            if (presented.Length == prefix.Length + BodyLength
                && presented.StartsWith(prefix, StringComparison.Ordinal)
                && presented.AsSpan(prefix.Length).IndexOfAnyExcept(AlphabetValues) < 0)
            {
                type = candidate;
                lookupId = presented.Substring(prefix.Length, LookupLength);
                return true;
            }
        }

        type = default;
        return false;
    }

    /// <summary>What listings show of a key: its prefix and lookup, never the secret part.</summary>
    public static string Display(ApiKeyType type, string lookupId) => $"{type.KeyPrefix()}{lookupId}…";

    private static readonly System.Buffers.SearchValues<char> AlphabetValues = System.Buffers.SearchValues.Create(Alphabet);
}

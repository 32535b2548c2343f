using System.Security.Cryptography;
using System.Text;

namespace Licenz.Internal;

/// <summary>
/// The text form of what travels by hand between an offline machine and the server: <c>PREFIX</c>, the base64url of
/// a JSON payload, a dot, and the base64url of an HMAC-SHA256 over everything before the dot, keyed from the license
/// key (HKDF-SHA256, salt <c>licenz/offline/v1</c>, info naming the purpose). See docs/license-file-format.md.
/// </summary>
internal static class OfflineSeals
{
    public const string ActivationPurpose = "activation-request";
    public const string DeactivationPurpose = "deactivation-proof";

    /// <summary>Longer than any request could be (32 components of 256 characters, in base64): refused unread.</summary>
    public const int MaxLength = 32 * 1024;

    private const int TagLength = 32;
    private static readonly byte[] Salt = "licenz/offline/v1"u8.ToArray();

    /// <summary>HKDF-SHA256 of the canonical license key, for one purpose: 32 bytes.</summary>
    public static byte[] Key(string canonicalLicenseKey, string purpose) =>
        Crypto.HkdfSha256(Encoding.ASCII.GetBytes(canonicalLicenseKey), 32, Salt, Encoding.ASCII.GetBytes(purpose));

    public static string Seal(string prefix, byte[] payload, byte[] key)
    {
        var signed = prefix + Base64UrlStrict.Encode(payload);
        return signed + "." + Base64UrlStrict.Encode(Crypto.HmacSha256(key, Encoding.ASCII.GetBytes(signed)));
    }

    /// <summary>Whether <paramref name="tag"/> is the HMAC of <paramref name="signed"/> under <paramref name="key"/> (in constant time).</summary>
    public static bool Holds(string signed, byte[] tag, byte[] key) =>
        CryptographicOperations.FixedTimeEquals(Crypto.HmacSha256(key, Encoding.ASCII.GetBytes(signed)), tag);

    /// <summary>
    /// Splits a sealed text into its payload and tag, leaving the tag unchecked (its key is in, or found from, the
    /// payload). Whitespace anywhere is dropped first: a string pasted from an e-mail comes back wrapped.
    /// </summary>
    public static bool TryOpen(string? text, string prefix, out byte[] payload, out string signed, out byte[] tag, out string problem)
    {
        payload = [];
        tag = [];
        signed = "";
        if (text is null || text.Length > MaxLength)
        {
            problem = text is null ? "it is empty." : $"it is longer than {MaxLength} characters.";
            return false;
        }

        var compact = string.Concat(text.Where(c => !char.IsWhiteSpace(c)));
        var dot = compact.LastIndexOf('.');
        if (!compact.StartsWith(prefix, StringComparison.Ordinal) || dot < prefix.Length)
        {
            problem = $"it does not have the form {prefix}… (the text the Licenz SDK produced, copied whole).";
            return false;
        }

        signed = compact[..dot];
        if (!Base64UrlStrict.TryDecode(compact.AsSpan(prefix.Length, dot - prefix.Length), out payload)
            || !Base64UrlStrict.TryDecode(compact.AsSpan(dot + 1), out tag) || tag.Length != TagLength)
        {
            problem = "it is damaged: it is not base64url where it should be (was it copied whole?).";
            return false;
        }

        problem = "";
        return true;
    }
}

using System.Buffers.Text;

namespace Licenz.Internal;

/// <summary>
/// Base64url (RFC 4648 §5, no padding) that accepts only the canonical spelling. A non-canonical final
/// character decodes to the same bytes, so without this check a changed character in a signature or tag
/// could go unnoticed.
/// </summary>
internal static class Base64UrlStrict
{
    public static string Encode(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);

    public static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        if (text.IsEmpty)
        {
            return true;
        }

        if (text.Length % 4 == 1)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c is not ((>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_'))
            {
                return false;
            }
        }

        var buffer = new byte[Base64Url.GetMaxDecodedLength(text.Length)];
        if (!Base64Url.TryDecodeFromChars(text, buffer, out var written))
        {
            return false;
        }

        bytes = buffer.AsSpan(0, written).ToArray();
        return Base64Url.EncodeToString(bytes).AsSpan().SequenceEqual(text);
    }
}

using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Licenz.Internal;

/// <summary>
/// Base64url (RFC 4648 §5, no padding) that accepts only the canonical spelling. A non-canonical final
/// character decodes to the same bytes, so without this check a changed character in a signature or tag
/// could go unnoticed.
/// </summary>
internal static class Base64UrlStrict
{
    // The base64url alphabet, by ASCII code.
    private static readonly bool[] Alphabet = Enumerable.Range(0, 128)
        .Select(c => c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_').ToArray();

    public static string Encode(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);

    public static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        var ascii = new byte[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] >= Alphabet.Length)
            {
                return false;
            }

            ascii[i] = (byte)text[i];
        }

        var buffer = new byte[Base64Url.GetMaxDecodedLength(text.Length)];
        if (!TryDecode(ascii, buffer, out var written))
        {
            return false;
        }

        bytes = written == buffer.Length ? buffer : buffer.AsSpan(0, written).ToArray();
        return true;
    }

    /// <summary>Decodes ASCII base64url into <paramref name="destination"/>, which must hold its maximum decoded length.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> utf8, Span<byte> destination, out int written)
    {
        written = 0;
        if (utf8.Length % 4 == 1 || !InAlphabet(utf8)
            || Base64Url.DecodeFromUtf8(utf8, destination, out var consumed, out written) != OperationStatus.Done
            || consumed != utf8.Length)
        {
            return false;
        }

        // The final 2 or 3 characters carry spare bits; the canonical spelling has them zero. Re-encoding the
        // bytes of that final group must give back exactly those characters.
        var tail = utf8.Length % 4;
        if (tail == 0)
        {
            return true;
        }

        Span<byte> reencoded = stackalloc byte[4];
        var count = Base64Url.EncodeToUtf8(destination.Slice(written - (tail - 1), tail - 1), reencoded);
        return reencoded[..count].SequenceEqual(utf8[^tail..]);
    }

    /// <summary>Whether <paramref name="c"/> is a base64url character.</summary>
    public static bool IsAlphabet(int c) => c < Alphabet.Length && Alphabet[c];

    private static bool InAlphabet(ReadOnlySpan<byte> utf8)
    {
        foreach (var b in utf8)
        {
            if (!IsAlphabet(b))
            {
                return false;
            }
        }

        return true;
    }
}

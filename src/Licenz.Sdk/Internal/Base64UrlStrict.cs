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
    private static readonly SearchValues<byte> Alphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"u8);

    public static string Encode(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);

    public static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        var ascii = new byte[text.Length];
        var buffer = new byte[Base64Url.GetMaxDecodedLength(text.Length)];
        if (Ascii.FromUtf16(text, ascii, out _) != OperationStatus.Done || !TryDecode(ascii, buffer, out var written))
        {
            return false;
        }

        bytes = written == buffer.Length ? buffer : buffer[..written];
        return true;
    }

    /// <summary>Decodes ASCII base64url into <paramref name="destination"/>, which must hold its maximum decoded length.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> utf8, Span<byte> destination, out int written)
    {
        written = 0;
        if (utf8.Length % 4 == 1 || utf8.ContainsAnyExcept(Alphabet)
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
}

using System.Security.Cryptography;

namespace Licenz.Internal;

/// <summary>What the SDK needs on every target in one way, where the newer .NETs have it built in and older ones do not.</summary>
internal static class Compat
{
    /// <summary>The PATCH method (.NET Standard 2.0's <see cref="HttpMethod"/> has no property for it).</summary>
    public static readonly HttpMethod Patch = new("PATCH");

    /// <summary>A header exactly as received (several lines joined by ", "), or null: HttpClient's parsing would reformat some.</summary>
    public static string? RawHeader(System.Net.Http.Headers.HttpHeaders headers, string name)
    {
#if NET
        return headers.NonValidated.TryGetValues(name, out var values) ? values.ToString() : null;
#else
        return headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;
#endif
    }

    /// <summary>Lower-case hexadecimal.</summary>
    public static string LowerHex(byte[] bytes)
    {
#if NET9_0_OR_GREATER
        return Convert.ToHexStringLower(bytes);
#elif NET5_0_OR_GREATER
        return Convert.ToHexString(bytes).ToLowerInvariant();
#else
        return BitConverter.ToString(bytes).Replace("-", "").ToLowerInvariant();
#endif
    }

    /// <summary>How many times <paramref name="value"/> occurs in <paramref name="span"/>.</summary>
    public static int Count(ReadOnlySpan<byte> span, byte value)
    {
#if NET
        return span.Count(value);
#else
        var count = 0;
        foreach (var b in span)
        {
            if (b == value)
            {
                count++;
            }
        }

        return count;
#endif
    }

    /// <summary>
    /// The ranges of the dot-separated parts of a compact JWS or JWE in <paramref name="parts"/>: how many there are, or
    /// -1 when there are more than it holds.
    /// </summary>
    public static int SplitParts(ReadOnlySpan<byte> token, Span<Range> parts)
    {
        var count = 0;
        var start = 0;
        for (var i = 0; i <= token.Length; i++)
        {
            if (i < token.Length && token[i] != (byte)'.')
            {
                continue;
            }

            if (count == parts.Length)
            {
                return -1;
            }

            parts[count++] = new Range(start, i);
            start = i + 1;
        }

        return count;
    }
}

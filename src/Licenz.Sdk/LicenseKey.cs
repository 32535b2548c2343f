using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Licenz;

/// <summary>
/// License keys: <c>LIC-XXXXX-XXXXX-XXXXX</c>. Fourteen random symbols from Crockford's base32 alphabet
/// (no I, L, O or U, so nothing reads as something else) and a final check symbol (Luhn mod 32), so a
/// mistyped key is caught on the customer's machine before any network call. 70 bits of randomness.
/// </summary>
public static class LicenseKey
{
    internal const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private const string Prefix = "LIC-";
    internal const int Symbols = 15;

    /// <summary>Length of a key in its canonical form.</summary>
    public const int Length = 21;

    /// <summary>
    /// Reads a key as a customer might type it — any case, with or without the prefix and dashes, with
    /// O for 0 or I/L for 1 — and returns its canonical form. False when it is not a well-formed key.
    /// </summary>
    public static bool TryNormalize(string? input, [NotNullWhen(true)] out string? key)
    {
        key = null;
        if (input is null || input.Length > 64)
        {
            return false;
        }

        // Separators dropped first, so the prefix is recognised with or without its dash ("lic7k3m9…"):
        // the count tells a prefixed key (3 + 15 characters) from a bare one (15), whatever the letters.
        var letters = Prefix.AsSpan(0, Prefix.Length - 1);
        Span<char> typed = stackalloc char[letters.Length + Symbols];
        var count = 0;
        foreach (var c in input.AsSpan().Trim())
        {
            if (c is '-' or ' ')
            {
                continue;
            }

            if (count == typed.Length)
            {
                return false;
            }

            typed[count++] = char.ToUpperInvariant(c);
        }

        if (count == typed.Length && typed.StartsWith(letters))
        {
            typed = typed[letters.Length..];
            count = Symbols;
        }

        if (count != Symbols)
        {
            return false;
        }

        Span<char> body = stackalloc char[Symbols];
        for (var i = 0; i < Symbols; i++)
        {
            var symbol = typed[i] switch
            {
                'O' => '0',
                'I' or 'L' => '1',
                var other => other,
            };
            if (Alphabet.IndexOf(symbol) < 0)
            {
                return false;
            }

            body[i] = symbol;
        }

        if (CheckSymbol(body[..(Symbols - 1)]) != body[Symbols - 1])
        {
            return false;
        }

        key = Format(body);
        return true;
    }

    internal static string Format(ReadOnlySpan<char> body) =>
        $"{Prefix}{body[..5]}-{body[5..10]}-{body[10..]}";

    // Luhn mod N: catches every single-symbol error and most transpositions of neighbours.
    internal static char CheckSymbol(ReadOnlySpan<char> payload)
    {
        const int n = 32;
        var factor = 2;
        var sum = 0;
        for (var i = payload.Length - 1; i >= 0; i--)
        {
            var addend = factor * Alphabet.IndexOf(payload[i]);
            factor = factor == 2 ? 1 : 2;
            sum += (addend / n) + (addend % n);
        }

        return Alphabet[(n - (sum % n)) % n];
    }
}

using System.Globalization;

namespace Licenz.Internal;

/// <summary>
/// A string written as an sf-string (RFC 8941 §4.1.6): in quotes, with <c>\</c> and <c>"</c> escaped. Formats straight
/// into an interpolated string, so a header value is built without intermediate strings.
/// </summary>
internal readonly struct SfString(string value) : ISpanFormattable
{
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        charsWritten = 0;
        var at = 0;
        if (destination.Length < value.Length + 2)
        {
            return false;
        }

        destination[at++] = '"';
        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                throw new ArgumentException("Structured field strings hold printable ASCII only.", nameof(value));
            }

            if (c is '"' or '\\')
            {
                if (at + 2 >= destination.Length)
                {
                    return false;
                }

                destination[at++] = '\\';
            }
            else if (at + 1 >= destination.Length)
            {
                return false;
            }

            destination[at++] = c;
        }

        destination[at++] = '"';
        charsWritten = at;
        return true;
    }

    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    public override string ToString()
    {
        Span<char> initial = stackalloc char[128];
        return string.Create(CultureInfo.InvariantCulture, initial, $"{this}");
    }
}

using System.Globalization;
using System.Text;

namespace Licenz.Internal;

/// <summary>An item of a Structured Field (RFC 8941): string, token, integer, boolean, byte sequence or inner list.</summary>
internal sealed record SfItem(object Value, IReadOnlyDictionary<string, object> Parameters);

/// <summary>
/// The parts of RFC 8941 (Structured Field Values) that HTTP Message Signatures and Content-Digest use:
/// dictionaries whose members are items or inner lists, with parameters. Parsing follows the RFC's algorithms
/// and fails (returns null) on anything else, never throws.
/// </summary>
internal static class StructuredFields
{
    public sealed record Token(string Value);

    public static Dictionary<string, SfItem>? ParseDictionary(string? input)
    {
        if (input is null)
        {
            return null;
        }

        var parser = new Parser(input);
        return parser.Dictionary();
    }

    /// <summary>Serializes an inner list with its parameters (RFC 8941 §4.1.1.1), as RFC 9421 needs for <c>@signature-params</c>.</summary>
    public static string? SerializeInnerList(SfItem list)
    {
        if (list.Value is not List<SfItem> items)
        {
            return null;
        }

        var text = new StringBuilder("(");
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                text.Append(' ');
            }

            if (SerializeBare(items[i].Value) is not { } item)
            {
                return null;
            }

            text.Append(item).Append(SerializeParameters(items[i].Parameters));
        }

        var parameters = SerializeParameters(list.Parameters);
        return parameters is null ? null : text.Append(')').Append(parameters).ToString();
    }

    private static string? SerializeParameters(IReadOnlyDictionary<string, object> parameters)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in parameters)
        {
            text.Append(';').Append(key);
            if (value is true)
            {
                continue;
            }

            if (SerializeBare(value) is not { } bare)
            {
                return null;
            }

            text.Append('=').Append(bare);
        }

        return text.ToString();
    }

    private static string? SerializeBare(object value) => value switch
    {
        string s => QuoteString(s),
        long l => l.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "?1" : "?0",
        Token t => t.Value,
        byte[] bytes => $":{Convert.ToBase64String(bytes)}:",
        _ => null,
    };

    /// <summary>A dictionary member whose value is a byte sequence, <c>key=:base64:</c> (RFC 8941 §3.3.5), as one string.</summary>
    public static string ByteSequenceMember(string key, ReadOnlySpan<byte> value)
    {
        var length = key.Length + 3 + ((value.Length + 2) / 3 * 4);
        var text = length <= 256 ? stackalloc char[256] : new char[length];
        key.CopyTo(text);
        text[key.Length] = '=';
        text[key.Length + 1] = ':';
        Convert.TryToBase64Chars(value, text[(key.Length + 2)..], out var written);
        text[key.Length + 2 + written] = ':';
        return text[..(key.Length + 3 + written)].ToString();
    }

    /// <summary>Serializes a string as an sf-string (quotes, with \ and " escaped). The value must be printable ASCII.</summary>
    public static string QuoteString(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                throw new ArgumentException("Structured field strings hold printable ASCII only.", nameof(value));
            }

            if (c is '"' or '\\')
            {
                text.Append('\\');
            }

            text.Append(c);
        }

        return text.Append('"').ToString();
    }

    private ref struct Parser(string input)
    {
        private readonly string _input = input;
        private int _at;

        public Dictionary<string, SfItem>? Dictionary()
        {
            var members = new Dictionary<string, SfItem>(StringComparer.Ordinal);
            SkipSpaces();
            if (AtEnd)
            {
                return members;
            }

            while (true)
            {
                if (Key() is not { } key)
                {
                    return null;
                }

                SfItem? member;
                if (Peek == '=')
                {
                    _at++;
                    member = Peek == '(' ? InnerList() : Item();
                }
                else
                {
                    member = Parameters() is { } parameters ? new SfItem(true, parameters) : null;
                }

                if (member is null)
                {
                    return null;
                }

                members[key] = member;
                SkipOws();
                if (AtEnd)
                {
                    return members;
                }

                if (Peek != ',')
                {
                    return null;
                }

                _at++;
                SkipOws();
                if (AtEnd)
                {
                    return null;
                }
            }
        }

        private SfItem? InnerList()
        {
            _at++;
            var items = new List<SfItem>();
            while (!AtEnd)
            {
                SkipSpaces();
                if (Peek == ')')
                {
                    _at++;
                    return Parameters() is { } parameters ? new SfItem(items, parameters) : null;
                }

                if (Item() is not { } item)
                {
                    return null;
                }

                items.Add(item);
                if (!AtEnd && Peek is not (' ' or ')'))
                {
                    return null;
                }
            }

            return null;
        }

        private SfItem? Item() =>
            BareItem() is { } value && Parameters() is { } parameters ? new SfItem(value, parameters) : null;

        private Dictionary<string, object>? Parameters()
        {
            var parameters = new Dictionary<string, object>(StringComparer.Ordinal);
            while (!AtEnd && Peek == ';')
            {
                _at++;
                SkipSpaces();
                if (Key() is not { } key)
                {
                    return null;
                }

                object value = true;
                if (!AtEnd && Peek == '=')
                {
                    _at++;
                    if (BareItem() is not { } bare)
                    {
                        return null;
                    }

                    value = bare;
                }

                parameters[key] = value;
            }

            return parameters;
        }

        private object? BareItem()
        {
            if (AtEnd)
            {
                return null;
            }

            var c = Peek;
            if (c == '-' || char.IsAsciiDigit(c))
            {
                return Integer();
            }

            if (c == '"')
            {
                return String();
            }

            if (c == ':')
            {
                return ByteSequence();
            }

            if (c == '?')
            {
                _at++;
                if (AtEnd || Peek is not ('0' or '1'))
                {
                    return null;
                }

                return _input[_at++] == '1';
            }

            if (char.IsAsciiLetter(c) || c == '*')
            {
                var start = _at;
                while (!AtEnd && (char.IsAsciiLetterOrDigit(Peek) || "!#$%&'*+-.^_`|~:/".Contains(Peek)))
                {
                    _at++;
                }

                return new Token(_input[start.._at]);
            }

            return null;
        }

        private object? Integer()
        {
            var start = _at;
            if (Peek == '-')
            {
                _at++;
            }

            var digits = _at;
            while (!AtEnd && char.IsAsciiDigit(Peek))
            {
                _at++;
            }

            if (_at == digits || _at - digits > 15 || (!AtEnd && Peek == '.'))
            {
                return null;
            }

            return long.Parse(_input.Substring(start, _at - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }

        private string? String()
        {
            _at++;
            var text = new StringBuilder();
            while (!AtEnd)
            {
                var c = _input[_at++];
                if (c == '\\')
                {
                    if (AtEnd || Peek is not ('"' or '\\'))
                    {
                        return null;
                    }

                    text.Append(_input[_at++]);
                }
                else if (c == '"')
                {
                    return text.ToString();
                }
                else if (c is < ' ' or > '~')
                {
                    return null;
                }
                else
                {
                    text.Append(c);
                }
            }

            return null;
        }

        private byte[]? ByteSequence()
        {
            _at++;
            var end = _input.IndexOf(':', _at);
            if (end < 0)
            {
                return null;
            }

            var encoded = _input[_at..end];
            _at = end + 1;
            try
            {
                var bytes = Convert.FromBase64String(encoded);
                return Convert.ToBase64String(bytes) == encoded ? bytes : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }

        private string? Key()
        {
            if (AtEnd || !(char.IsAsciiLetterLower(Peek) || Peek == '*'))
            {
                return null;
            }

            var start = _at;
            while (!AtEnd && (char.IsAsciiLetterLower(Peek) || char.IsAsciiDigit(Peek) || Peek is '_' or '-' or '.' or '*'))
            {
                _at++;
            }

            return _input[start.._at];
        }

        private readonly bool AtEnd => _at >= _input.Length;

        private readonly char Peek => _input[_at];

        private void SkipSpaces()
        {
            while (!AtEnd && Peek == ' ')
            {
                _at++;
            }
        }

        private void SkipOws()
        {
            while (!AtEnd && Peek is ' ' or '\t')
            {
                _at++;
            }
        }
    }
}

using System.Buffers;
using System.Globalization;
using System.Net.Mail;
using System.Text;
using System.Text.Json;

namespace Licenz.Server.Api;

/// <summary>Validation of request fields. Each failure is a <c>bad_request</c> naming the field.</summary>
public static partial class Fields
{
    public const int MaxMetadataBytes = 16 * 1024;
    public const int MaxMetadataKeys = 64;

    public static string Required(string? value, string field, int maxLength)
    {
        if (value is null)
        {
            throw ApiException.BadRequest($"Field '{field}' is required.", field);
        }

        return Text(value, field, maxLength);
    }

    public static string? Optional(string? value, string field, int maxLength) =>
        value is null ? null : Text(value, field, maxLength);

    /// <summary>One line of printable text: no control characters, no broken surrogates, not blank.</summary>
    public static string Text(string value, string field, int maxLength)
    {
        var trimmed = value.Trim();
        if (trimmed.Length == 0)
        {
            throw ApiException.BadRequest($"Field '{field}' must not be empty.", field);
        }

        if (trimmed.Length > maxLength)
        {
            throw ApiException.BadRequest($"Field '{field}' must be at most {maxLength} characters.", field);
        }

        var span = trimmed.AsSpan();
        while (!span.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(span, out var rune, out var consumed) != OperationStatus.Done)
            {
                throw ApiException.BadRequest($"Field '{field}' contains an unpaired surrogate; send valid Unicode text.", field);
            }

            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                || (category is UnicodeCategory.Format && !IsAllowedFormat(rune)))
            {
                throw ApiException.BadRequest(
                    $"Field '{field}' contains a control, line-breaking or invisible formatting character (U+{rune.Value:X4}).", field);
            }

            span = span[consumed..];
        }

        return trimmed;
    }

    // Joiners are part of ordinary text (emoji sequences, Indic scripts); bidi overrides are not allowed.
    private static bool IsAllowedFormat(Rune rune) => rune.Value is 0x200C or 0x200D;

    public static string Email(string? value, string field = "email")
    {
        var text = Required(value, field, 320);
        if (!MailAddress.TryCreate(text, out var address) || address.Address != text || address.DisplayName.Length > 0
            || !text.Contains('@') || text.Any(char.IsWhiteSpace))
        {
            throw ApiException.BadRequest($"Field '{field}' must be an email address such as customer@example.com.", field);
        }

        return text.ToLowerInvariant();
    }

    /// <summary>A JSON object of at most 64 keys and 16 KiB, returned as compact text for storage.</summary>
    public static string? Metadata(JsonElement? value, string field = "metadata")
    {
        if (value is not { } element)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.BadRequest($"Field '{field}' must be a JSON object.", field);
        }

        // Well-formed JSON can still hold text that does not decode (a lone \ud800, invalid UTF-8): refuse it
        // rather than store it altered or fail while storing it.
        if (!JsonBodyReader.Decodes(element))
        {
            throw ApiException.BadRequest(
                $"Field '{field}' contains text that is not valid Unicode (invalid UTF-8 or an unpaired surrogate such as \\ud800).", field);
        }

        var count = 0;
        foreach (var property in element.EnumerateObject())
        {
            if (++count > MaxMetadataKeys)
            {
                throw ApiException.BadRequest($"Field '{field}' may have at most {MaxMetadataKeys} keys.", field);
            }

            Text(property.Name, $"{field}.{property.Name}", 100);
        }

        var text = JsonSerializer.Serialize(element, ApiJsonContext.Default.JsonElement);
        if (Encoding.UTF8.GetByteCount(text) > MaxMetadataBytes)
        {
            throw ApiException.BadRequest($"Field '{field}' must be at most {MaxMetadataBytes} bytes of JSON.", field);
        }

        return text;
    }

    /// <summary>
    /// A caller's nonce: 8 to 128 characters of letters, digits and <c>. _ ~ + / = : -</c> (hex, base64, UUIDs fit),
    /// because it is echoed into the response signature's parameters.
    /// </summary>
    public static string? Nonce(string? value, string field = "nonce")
    {
        if (value is null)
        {
            return null;
        }

        if (value.Length is < 8 or > 128 || !NoncePattern().IsMatch(value))
        {
            throw ApiException.BadRequest(
                $"Field '{field}' must be 8 to 128 characters of letters, digits and . _ ~ + / = : - (a random hex or base64 value).", field);
        }

        return value;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9._~+/=:-]+$")]
    private static partial System.Text.RegularExpressions.Regex NoncePattern();

    public static DateTime Timestamp(string value, string field) =>
        Timestamps.TryParse(value, out var utc)
            ? utc
            : throw ApiException.BadRequest($"Field '{field}' must be an ISO-8601 timestamp with an offset, such as 2025-01-15T10:30:00Z.", field);

    public static int Range(int value, string field, int min, int max) =>
        value >= min && value <= max
            ? value
            : throw ApiException.BadRequest($"Field '{field}' must be between {min} and {max}.", field);
}

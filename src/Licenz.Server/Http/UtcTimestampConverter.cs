using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Licenz.Server.Http;

/// <summary>Timestamps as ISO-8601 UTC to the second, as on the API page: <c>2024-01-15T10:30:00Z</c>.</summary>
public sealed class UtcTimestampConverter : JsonConverter<DateTime>
{
    /// <summary>Request timestamps: a string with an explicit offset, or a <see cref="JsonException"/> naming the field.</summary>
    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && Timestamps.TryParse(reader.GetString(), out var value)
            ? value
            : throw new JsonException("Expected an ISO-8601 timestamp with an offset, such as 2024-01-15T10:30:00Z.");

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options)
    {
        Span<byte> buffer = stackalloc byte[20];
        value.ToUniversalTime().TryFormat(buffer, out var written, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        writer.WriteStringValue(buffer[..written]);
    }
}

public static class Timestamps
{
    /// <summary>Parses ISO-8601 with an explicit offset (<c>Z</c> or <c>+02:00</c>); a timestamp without one is ambiguous and refused.</summary>
    public static bool TryParse(string? text, out DateTime utc)
    {
        utc = default;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 40)
        {
            return false;
        }

        var trimmed = text.Trim();
        var hasOffset = trimmed.EndsWith('Z') || trimmed.EndsWith('z')
            || (trimmed.Length > 6 && (trimmed[^6] is '+' or '-') && trimmed[^3] == ':');
        if (!hasOffset || !DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            return false;
        }

        utc = parsed.UtcDateTime;
        return true;
    }
}

using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Licenz.Server.Http;

/// <summary>
/// What the framework's JSON binding cannot say by itself: which field of a refused body is at fault and why, in words.
/// Runs only on the error path, over the body <see cref="RequestRulesMiddleware"/> kept (<see cref="JsonRequestBody"/>).
/// </summary>
public static class JsonBodyErrors
{
    /// <summary>The deepest nesting of objects and arrays a request body may have.</summary>
    public const int MaxDepth = 32;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxDepth };

    public static ApiError Missing() =>
        Bad("A JSON request body is required (send it with 'Content-Type: application/json').");

    /// <summary>Why <paramref name="body"/> could not be read as <paramref name="typeInfo"/>'s type.</summary>
    public static ApiError Describe(ReadOnlyMemory<byte> body, JsonTypeInfo typeInfo, JsonException? exception)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(body.Span, ReaderOptions);
            document = JsonDocument.ParseValue(ref reader);
            if (HasTrailingData(ref reader))
            {
                document.Dispose();
                return Bad("Malformed JSON: unexpected data after the end of the JSON object.");
            }
        }
        catch (JsonException syntax)
        {
            if (IsTooDeep(body.Span))
            {
                return Bad($"The JSON is nested too deeply: at most {MaxDepth} levels of objects and arrays are allowed.");
            }

            var where = syntax.LineNumber is { } line ? $" at line {line + 1}, byte {syntax.BytePositionInLine + 1}" : "";
            return Bad($"Malformed JSON{where}: the request body is not valid JSON.");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Bad("The request body must be a JSON object.");
            }

            // Names and strings are decoded below: text that cannot be decoded is the problem, not the shape.
            if (InvalidText(root) is { } invalid)
            {
                return invalid;
            }

            var fields = typeInfo.Properties.ToDictionary(p => p.Name, StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!fields.ContainsKey(property.Name))
                {
                    return Bad($"Unknown field '{Printable(property.Name)}'. Allowed fields: {string.Join(", ", fields.Keys)}.", Printable(property.Name));
                }

                if (!seen.Add(property.Name))
                {
                    return Bad($"Field '{property.Name}' appears more than once.", property.Name);
                }
            }

            foreach (var field in typeInfo.Properties)
            {
                var given = root.TryGetProperty(field.Name, out var value);
                if ((field.IsRequired && !given) || (given && value.ValueKind == JsonValueKind.Null && !field.IsSetNullable))
                {
                    return Bad($"Field '{field.Name}' is required.", field.Name);
                }
            }

            if (FieldOf(exception?.Path) is { } name && fields.TryGetValue(name, out var info) && root.TryGetProperty(name, out var wrong))
            {
                return Bad($"Field '{name}' {Expected(info.PropertyType, wrong)}", name);
            }

            return Bad("The request body does not have the expected shape.");
        }
    }

    /// <summary>What a field of <paramref name="type"/> must be, given the <paramref name="value"/> that was refused.</summary>
    private static string Expected(Type type, JsonElement value)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            var names = string.Join(", ", ApiNames.Of(type));
            return value.ValueKind != JsonValueKind.String ? $"must be a string: one of {names}."
                : string.IsNullOrWhiteSpace(value.GetString()) ? $"must not be empty; use one of {names}."
                : $"must be one of {names}.";
        }

        if (type == typeof(DateTime))
        {
            return value.ValueKind == JsonValueKind.String
                ? "must be an ISO-8601 timestamp with an offset, such as 2025-01-15T10:30:00Z."
                : "must be a string: an ISO-8601 timestamp with an offset, such as 2025-01-15T10:30:00Z.";
        }

        if (type == typeof(string))
        {
            return "must be a string.";
        }

        if (type == typeof(Policies.PolicyDuration))
        {
            return "must be a number of seconds or an ISO-8601 duration text such as P30D, P1Y or PT12H.";
        }

        if (type == typeof(int) || type == typeof(long))
        {
            return "must be a whole number.";
        }

        return type == typeof(bool) ? "must be true or false." : "must be a valid JSON value.";
    }

    /// <summary>Anything but whitespace after the value; the reader throws rather than return a second value.</summary>
    private static bool HasTrailingData(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.Read();
        }
        catch (JsonException)
        {
            return true;
        }
    }

    /// <summary>Whether the JSON goes deeper than allowed (the strict reader only says "invalid").</summary>
    private static bool IsTooDeep(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = int.MaxValue });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= MaxDepth)
                {
                    return true;
                }
            }
        }
        catch (JsonException)
        {
            // A syntax error before any excess depth: not a depth problem.
        }

        return false;
    }

    private static string InvalidTextMessage(string subject) =>
        $"{subject} text that is not valid Unicode (invalid UTF-8 or an unpaired surrogate such as \\ud800).";

    /// <summary>The first top-level field whose name or text (at any depth) cannot be decoded, as an error naming it.</summary>
    private static ApiError? InvalidText(JsonElement root)
    {
        foreach (var property in root.EnumerateObject())
        {
            string name;
            try
            {
                name = property.Name;
            }
            catch (InvalidOperationException)
            {
                return Bad(InvalidTextMessage("A field name in the request body is"));
            }

            if (!Decodes(property.Value))
            {
                return Bad(InvalidTextMessage($"Field '{Printable(name)}' contains"), Printable(name));
            }
        }

        return null;
    }

    /// <summary>Whether every property name and string in the element decodes to valid UTF-16.</summary>
    internal static bool Decodes(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    _ = element.GetString();
                    return true;
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        _ = property.Name;
                        if (!Decodes(property.Value))
                        {
                            return false;
                        }
                    }

                    return true;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        if (!Decodes(item))
                        {
                            return false;
                        }
                    }

                    return true;
                default:
                    return true;
            }
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>"$.metadata.plan" → "metadata"; "$['odd name']" → "odd name".</summary>
    private static string? FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return null;
        }

        if (path.StartsWith("$['", StringComparison.Ordinal))
        {
            var end = path.IndexOf("']", 3, StringComparison.Ordinal);
            return end > 3 ? path[3..end] : null;
        }

        if (path.StartsWith("$.", StringComparison.Ordinal))
        {
            var rest = path[2..];
            var end = rest.IndexOfAny(['.', '[']);
            return end < 0 ? rest : rest[..end];
        }

        return null;
    }

    private static ApiError Bad(string message, string? field = null) => new(ErrorCodes.BadRequest, message, StatusCodes.Status400BadRequest, field);

    private static string Printable(string name) => name.Length > 64 ? name[..64] + "…" : name;
}

using System.Buffers;
using System.IO.Pipelines;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Licenz.Server.Hosting;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Api;

/// <summary>
/// A required JSON request body. Binding it enforces the API's body rules and turns every kind of bad
/// JSON into a <c>bad_request</c> that names the field, instead of the framework's empty 400.
/// </summary>
public sealed class JsonBody<T> : IEndpointParameterMetadataProvider where T : class
{
    private JsonBody(T value) => Value = value;

    public T Value { get; }

    public static async ValueTask<JsonBody<T>?> BindAsync(HttpContext context) =>
        new(await JsonBodyReader.ReadAsync<T>(context, required: true) ?? throw JsonBodyReader.Missing());

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) =>
        builder.Metadata.Add(new JsonAcceptsMetadata(typeof(T), isOptional: false));
}

/// <summary>A JSON request body that may be left out; <see cref="Value"/> is then null.</summary>
public sealed class OptionalJsonBody<T> : IEndpointParameterMetadataProvider where T : class
{
    private OptionalJsonBody(T? value) => Value = value;

    public T? Value { get; }

    public static async ValueTask<OptionalJsonBody<T>?> BindAsync(HttpContext context) =>
        new(await JsonBodyReader.ReadAsync<T>(context, required: false));

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) =>
        builder.Metadata.Add(new JsonAcceptsMetadata(typeof(T), isOptional: true));
}

internal sealed class JsonAcceptsMetadata(Type requestType, bool isOptional) : IAcceptsMetadata
{
    public IReadOnlyList<string> ContentTypes { get; } = ["application/json"];
    public Type? RequestType { get; } = requestType;
    public bool IsOptional { get; } = isOptional;
}

internal static class JsonBodyReader
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 32 };

    public static ApiException Missing() =>
        ApiException.BadRequest("A JSON request body is required (send it with 'Content-Type: application/json').");

    public static async ValueTask<T?> ReadAsync<T>(HttpContext context, bool required) where T : class
    {
        var request = context.Request;
        var limit = context.RequestServices.GetRequiredService<IOptions<LicenzOptions>>().Value.MaxRequestBodyBytes;
        if (!RequestBodies.HasBody(request))
        {
            return required ? throw Missing() : null;
        }

        RequestBodies.EnsureAcceptable(request, limit);
        var reader = request.BodyReader;
        ReadResult result;
        while (true)
        {
            result = await reader.ReadAsync(context.RequestAborted);
            if (result.Buffer.Length > limit)
            {
                reader.AdvanceTo(result.Buffer.End);
                throw RequestBodies.TooLarge(limit);
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                break;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }

        var buffer = result.Buffer;
        try
        {
            if (buffer.Length == 0)
            {
                return required ? throw Missing() : null;
            }

            var options = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
            return Deserialize((JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)), buffer);
        }
        finally
        {
            reader.AdvanceTo(buffer.End);
        }
    }

    private static T Deserialize<T>(JsonTypeInfo<T> typeInfo, ReadOnlySequence<byte> buffer) where T : class
    {
        try
        {
            var jsonReader = new Utf8JsonReader(buffer, ReaderOptions);
            var value = JsonSerializer.Deserialize(ref jsonReader, typeInfo);
            if (jsonReader.Read())
            {
                throw ApiException.BadRequest("Malformed JSON: unexpected data after the end of the JSON object.");
            }

            return value ?? throw NotAnObject();
        }
        catch (JsonException exception)
        {
            throw Describe(exception, typeInfo, buffer);
        }
        catch (Exception exception) when (exception is InvalidOperationException or ArgumentException or FormatException)
        {
            // Raised for invalid UTF-8 bytes or lone surrogate escapes (\ud800) inside strings.
            throw InvalidTextIn(buffer) ?? ApiException.BadRequest(InvalidTextMessage("The request body contains"));
        }
    }

    private static ApiException NotAnObject() => ApiException.BadRequest("The request body must be a JSON object.");

    /// <summary>Only on the error path: work out what was wrong, precisely enough to name the field.</summary>
    private static ApiException Describe(JsonException exception, JsonTypeInfo typeInfo, ReadOnlySequence<byte> buffer)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(buffer, ReaderOptions);
            document = JsonDocument.ParseValue(ref reader);
            if (HasTrailingData(ref reader))
            {
                document.Dispose();
                return ApiException.BadRequest("Malformed JSON: unexpected data after the end of the JSON object.");
            }
        }
        catch (JsonException syntax)
        {
            if (IsTooDeep(buffer))
            {
                return ApiException.BadRequest(
                    $"The JSON is nested too deeply: at most {ReaderOptions.MaxDepth} levels of objects and arrays are allowed.");
            }

            var where = syntax.LineNumber is { } line ? $" at line {line + 1}, byte {syntax.BytePositionInLine + 1}" : "";
            return ApiException.BadRequest($"Malformed JSON{where}: the request body is not valid JSON.");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return NotAnObject();
            }

            // Names and strings are decoded below: text that cannot be decoded is the problem, not the shape.
            if (InvalidText(document.RootElement) is { } invalid)
            {
                return invalid;
            }

            var fields = typeInfo.Properties.ToDictionary(p => p.Name, StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!fields.ContainsKey(property.Name))
                {
                    var allowed = string.Join(", ", fields.Keys);
                    return ApiException.BadRequest($"Unknown field '{Printable(property.Name)}'. Allowed fields: {allowed}.", Printable(property.Name));
                }

                if (!seen.Add(property.Name))
                {
                    return ApiException.BadRequest($"Field '{property.Name}' appears more than once.", property.Name);
                }
            }

            var field = FieldOf(exception.Path);
            if (field is not null && fields.TryGetValue(field, out var info))
            {
                return ApiException.BadRequest($"Field '{field}' must be {Describe(info.PropertyType, field)}.", field);
            }

            return ApiException.BadRequest("The request body does not have the expected shape.");
        }
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

    /// <summary>Whether the JSON goes deeper than the reader allows (the strict reader only says "invalid").</summary>
    private static bool IsTooDeep(ReadOnlySequence<byte> buffer)
    {
        var reader = new Utf8JsonReader(buffer, new JsonReaderOptions { MaxDepth = int.MaxValue });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= ReaderOptions.MaxDepth)
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

    private static ApiException? InvalidTextIn(ReadOnlySequence<byte> buffer)
    {
        try
        {
            var reader = new Utf8JsonReader(buffer, ReaderOptions);
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object ? InvalidText(document.RootElement) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The first top-level field whose name or text (at any depth) cannot be decoded, as an error naming it.</summary>
    private static ApiException? InvalidText(JsonElement root)
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
                return ApiException.BadRequest(InvalidTextMessage("A field name in the request body is"));
            }

            if (!Decodes(property.Value))
            {
                return ApiException.BadRequest(InvalidTextMessage($"Field '{Printable(name)}' contains"), Printable(name));
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

    private static string Describe(Type type, string field)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return "a string";
        }

        if (type == typeof(int) || type == typeof(long))
        {
            return "a whole number";
        }

        if (type == typeof(bool))
        {
            return "true or false";
        }

        return field == "metadata" ? "a JSON object" : "a valid JSON value";
    }

    private static string Printable(string name) => name.Length > 64 ? name[..64] + "…" : name;
}

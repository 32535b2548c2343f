using System.Text.Json;

namespace Licenz.Server.Tests.Contract;

/// <summary>One operation of the document (a method on a path template) and what it promises.</summary>
public sealed class OpenApiOperation
{
    private readonly OpenApiContract _contract;
    private readonly string[] _segments;

    public OpenApiOperation(OpenApiContract contract, string method, string path, JsonElement pathItem, JsonElement operation, string pointer)
    {
        _contract = contract;
        Method = method;
        Path = path;
        Element = operation;
        JsonPointer = pointer;
        _segments = path.Split('/');
        Parameters = ReadParameters(pathItem, OpenApiContract.Pointer("paths", path))
            .Concat(ReadParameters(operation, pointer))
            // An operation's parameter overrides the path item's of the same name and location.
            .GroupBy(p => (p.Name, p.In))
            .Select(g => g.Last())
            .ToList();
    }

    public string Method { get; }

    public string Path { get; }

    public JsonElement Element { get; }

    public string JsonPointer { get; }

    public IReadOnlyList<OpenApiParameter> Parameters { get; }

    /// <summary>Literal segments count for more than templated ones: <c>/licenses/verify</c> before <c>/licenses/{id}</c>.</summary>
    public int Specificity => _segments.Count(s => !IsTemplate(s));

    public override string ToString() => $"{Method} {Path}";

    /// <summary>The path parameters' raw (still escaped) values when the path fits the template; null otherwise.</summary>
    public Dictionary<string, string>? Match(string path)
    {
        var segments = path.Split('/');
        if (segments.Length != _segments.Length)
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < segments.Length; i++)
        {
            if (IsTemplate(_segments[i]))
            {
                if (segments[i].Length == 0)
                {
                    return null;
                }

                values[_segments[i][1..^1]] = segments[i];
            }
            else if (!string.Equals(segments[i], _segments[i], StringComparison.OrdinalIgnoreCase))
            {
                // Routing ignores case, so the document's paths do too.
                return null;
            }
        }

        return values;
    }

    /// <summary>The Response object for a status: the exact code, else its range (<c>4XX</c>), else <c>default</c>.</summary>
    public (JsonElement Element, string Pointer)? Response(int status)
    {
        if (!Element.TryGetProperty("responses", out var responses))
        {
            return null;
        }

        foreach (var key in new[] { status.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{status / 100}XX", "default" })
        {
            var match = responses.EnumerateObject().FirstOrDefault(r => string.Equals(r.Name, key, StringComparison.OrdinalIgnoreCase));
            if (match.Value.ValueKind == JsonValueKind.Object)
            {
                return _contract.Resolve(match.Value, OpenApiContract.Pointer([.. Split(JsonPointer), "responses", match.Name]));
            }
        }

        return null;
    }

    /// <summary>The Request Body object, when the operation takes a body.</summary>
    public (JsonElement Element, string Pointer)? RequestBody() =>
        Element.TryGetProperty("requestBody", out var body)
            ? _contract.Resolve(body, JsonPointer + "/requestBody")
            : null;

    private static bool IsTemplate(string segment) => segment.StartsWith('{') && segment.EndsWith('}');

    private static string[] Split(string pointer) =>
        pointer.Split('/')[1..].Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();

    private IEnumerable<OpenApiParameter> ReadParameters(JsonElement owner, string ownerPointer)
    {
        if (!owner.TryGetProperty("parameters", out var parameters))
        {
            yield break;
        }

        var index = 0;
        foreach (var item in parameters.EnumerateArray())
        {
            var (parameter, pointer) = _contract.Resolve(item, $"{ownerPointer}/parameters/{index++}");
            yield return new OpenApiParameter(
                parameter.GetProperty("name").GetString()!,
                parameter.GetProperty("in").GetString()!,
                parameter.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.True,
                parameter.TryGetProperty("schema", out _) ? pointer + "/schema" : null);
        }
    }
}

/// <summary>A documented parameter; <see cref="SchemaPointer"/> locates its schema in the document.</summary>
public sealed record OpenApiParameter(string Name, string In, bool Required, string? SchemaPointer);

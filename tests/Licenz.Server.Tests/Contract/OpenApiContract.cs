using System.Collections.Concurrent;
using System.Text.Json;
using Json.Pointer;
using Json.Schema;

namespace Licenz.Server.Tests.Contract;

/// <summary>
/// An OpenAPI 3.1 document read for checking traffic: its operations by method and path template, and the
/// JSON Schemas (2020-12) inside it compiled on first use and kept, so a suite of thousands of requests
/// compiles each schema once. The whole document is registered as one schema resource, so a schema's
/// <c>$ref: #/components/schemas/…</c> resolves the way the document means it.
/// </summary>
public sealed class OpenApiContract
{
    private static readonly ConcurrentDictionary<string, OpenApiContract> Parsed = new(StringComparer.Ordinal);
    private static int _documents;

    private readonly JsonDocument _document;
    private readonly Uri _baseUri;
    private readonly BuildOptions _build;
    private readonly ConcurrentDictionary<string, Lazy<JsonSchema>> _schemas = new(StringComparer.Ordinal);
    private readonly List<OpenApiOperation> _operations = [];

    private OpenApiContract(string text)
    {
        _document = JsonDocument.Parse(text);
        // A base of its own per document: schema resources are found by URI, and two documents must not meet.
        _baseUri = new Uri($"https://contract.licenz.test/{Interlocked.Increment(ref _documents)}/openapi.json");
        var registry = new SchemaRegistry();
        registry.Register(_baseUri, new JsonElementBaseDocument(_document.RootElement, _baseUri));
        _build = new BuildOptions { SchemaRegistry = registry, Dialect = Dialect.Draft202012 };

        if (_document.RootElement.TryGetProperty("paths", out var paths))
        {
            foreach (var path in paths.EnumerateObject())
            {
                foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name != "parameters" && o.Value.ValueKind == JsonValueKind.Object))
                {
                    _operations.Add(new OpenApiOperation(this, operation.Name.ToUpperInvariant(), path.Name, path.Value, operation.Value,
                        Pointer("paths", path.Name, operation.Name)));
                }
            }
        }
    }

    /// <summary>The contract of a document's text; the same text is read and compiled only once per test run.</summary>
    public static OpenApiContract Parse(string text) => Parsed.GetOrAdd(text, t => new OpenApiContract(t));

    public JsonElement Root => _document.RootElement;

    public IReadOnlyList<OpenApiOperation> Operations => _operations;

    /// <summary>A JSON pointer (<c>#/…</c> without the <c>#</c>) from the document's root.</summary>
    public static string Pointer(params string[] segments) =>
        string.Concat(segments.Select(s => "/" + s.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)));

    /// <summary>The element at a pointer, following <c>$ref</c>s to other parts of the document (Parameter, Response and Request Body objects may be references).</summary>
    public (JsonElement Element, string Pointer) Resolve(JsonElement element, string pointer)
    {
        for (var hops = 0; element.ValueKind == JsonValueKind.Object && element.TryGetProperty("$ref", out var reference) && hops < 16; hops++)
        {
            var target = reference.GetString() ?? "";
            if (!target.StartsWith('#'))
            {
                break;
            }

            pointer = target[1..];
            element = JsonPointer.Parse(pointer).Evaluate(Root) ?? throw new InvalidOperationException($"The document's {target} names nothing.");
        }

        return (element, pointer);
    }

    /// <summary>Validates an instance against the schema at a pointer into the document.</summary>
    /// <returns>Each failure: the instance location and the keyword's message.</returns>
    public IReadOnlyList<(string Location, string Message)> Validate(string schemaPointer, JsonElement instance)
    {
        var schema = _schemas.GetOrAdd(schemaPointer, p => new Lazy<JsonSchema>(() => Compile(p))).Value;
        var results = schema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.Hierarchical });
        if (results.IsValid)
        {
            return [];
        }

        var failures = new List<(string Location, string Message)>();
        CollectFailures(results, failures);
        return failures.Count > 0 ? failures.Distinct().ToList() : [(results.InstanceLocation.ToString(), "the value does not match the schema")];
    }

    // Only down failing branches: a passing oneOf/anyOf still holds its failed alternatives, which are not faults.
    private static void CollectFailures(EvaluationResults node, List<(string Location, string Message)> failures)
    {
        foreach (var (keyword, message) in node.Errors ?? new Dictionary<string, string>())
        {
            failures.Add((node.InstanceLocation.ToString(), $"{keyword}: {message}"));
        }

        foreach (var child in (node.Details ?? []).Where(d => !d.IsValid))
        {
            CollectFailures(child, failures);
        }
    }

    // A one-line schema that points into the document: the target keeps the document as its base, so its own
    // relative $refs resolve against the document.
    private JsonSchema Compile(string pointer)
    {
        // A pointer in a URI fragment is percent-encoded (RFC 6901 §6): media types such as application/jwk-set+json carry a '+'.
        var fragment = string.Join('/', pointer.Split('/').Select(Uri.EscapeDataString));
        using var wrapper = JsonDocument.Parse(JsonSerializer.Serialize(new Dictionary<string, string> { ["$ref"] = _baseUri + "#" + fragment }));
        return JsonSchema.Build(wrapper.RootElement.Clone(), _build, new Uri(_baseUri, $"schemas/{Guid.NewGuid():N}"));
    }
}

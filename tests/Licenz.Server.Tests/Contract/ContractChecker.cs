using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace Licenz.Server.Tests.Contract;

/// <summary>
/// Checks one exchange with the server against the OpenAPI document: the operation exists, the status is
/// documented, the response body fits the documented schema and carries the promised headers; and, when
/// the server accepted the request (2xx), that the request was one the document allows: its body fits the
/// request schema (so a field marked required that a successful request left out is caught) and each query
/// parameter is documented and valid. Requests the server refused are not held to the request schema:
/// refusing them is the server's job, and the suite sends many on purpose.
/// </summary>
public static class ContractChecker
{
    /// <summary>The document describes the API under this base…</summary>
    public const string DocumentBase = "/api/v1";

    /// <summary>…and the server serves the same API under this one too.</summary>
    public const string ShortBase = "/v1";

    // The server publishes the JWKS at the root well-known URI too, from the same endpoint as the documented one.
    private const string RootJwks = "/.well-known/jwks.json";

    // Served under the API base but not API operations: the document itself and its reference page.
    private static readonly string[] NotOperations = [DocumentBase + "/openapi.json", DocumentBase + "/reference"];

    public static IReadOnlyList<ContractViolation> Check(OpenApiContract contract, HttpExchange exchange)
    {
        var path = DocumentPath(exchange.Uri.AbsolutePath);
        if (path is null || NotOperations.Any(p => path.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
        {
            return [];
        }

        if (IsHttpsRefusal(exchange))
        {
            // The document's rule for every path: plain HTTP is refused (403 forbidden) before anything else is decided.
            return [];
        }

        var (operation, pathValues) = Find(contract, exchange.Method, path);
        if (operation is null)
        {
            return IsNoSuchEndpoint(exchange)
                ? []
                : [new($"{exchange.Method} {path}", exchange.Status, path, "undocumented operation",
                    "no operation of the document has this method and path, yet the server did not answer 404 \"No such endpoint\"")];
        }

        var violations = new List<ContractViolation>();
        var report = (string pointer, string rule, string detail) => violations.Add(new(operation.ToString(), exchange.Status, pointer, rule, detail));
        CheckResponse(contract, operation, exchange, report);
        if (exchange.Status is >= 200 and < 300)
        {
            CheckRequestBody(contract, operation, exchange, report);
            CheckParameters(contract, operation, exchange, pathValues!, report);
        }

        return violations;
    }

    /// <summary>The path as the document spells it, or null for paths outside the API.</summary>
    public static string? DocumentPath(string path)
    {
        if (string.Equals(path, RootJwks, StringComparison.OrdinalIgnoreCase))
        {
            return DocumentBase + path;
        }

        if (path.StartsWith(DocumentBase + "/", StringComparison.OrdinalIgnoreCase))
        {
            return path;
        }

        return path.StartsWith(ShortBase + "/", StringComparison.OrdinalIgnoreCase) ? DocumentBase + path[ShortBase.Length..] : null;
    }

    private static (OpenApiOperation? Operation, Dictionary<string, string>? PathValues) Find(OpenApiContract contract, string method, string path) =>
        contract.Operations
            .Where(o => o.Method == method)
            .Select(o => (Operation: o, PathValues: o.Match(path)))
            .Where(m => m.PathValues is not null)
            .OrderByDescending(m => m.Operation.Specificity)
            .FirstOrDefault();

    private static bool IsHttpsRefusal(HttpExchange exchange) =>
        exchange.Uri.Scheme == Uri.UriSchemeHttp && exchange.Status == 403 && ErrorCode(exchange) == "forbidden";

    private static string? ErrorCode(HttpExchange exchange)
    {
        try
        {
            using var body = JsonDocument.Parse(exchange.ResponseBody);
            return body.RootElement.TryGetProperty("error", out var error) && error.TryGetProperty("code", out var code) ? code.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // The server's answer for a method and path that name no endpoint: nothing to document.
    private static bool IsNoSuchEndpoint(HttpExchange exchange)
    {
        if (exchange.Status != 404 || exchange.ResponseBody.Length == 0)
        {
            return false;
        }

        try
        {
            using var body = JsonDocument.Parse(exchange.ResponseBody);
            return body.RootElement.TryGetProperty("error", out var error)
                && error.TryGetProperty("code", out var code) && code.GetString() == "not_found"
                && error.TryGetProperty("message", out var message) && message.GetString()!.StartsWith("No such endpoint", StringComparison.Ordinal);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void CheckResponse(OpenApiContract contract, OpenApiOperation operation, HttpExchange exchange, Action<string, string, string> report)
    {
        if (operation.Response(exchange.Status) is not var (response, pointer))
        {
            report("/responses", "undocumented status", $"the operation documents {string.Join(", ", Statuses(operation))}; the body was {Excerpt(exchange.ResponseBody)}");
            return;
        }

        if (response.TryGetProperty("headers", out var headers))
        {
            foreach (var header in headers.EnumerateObject())
            {
                var (definition, _) = contract.Resolve(header.Value, $"{pointer}/headers/{header.Name}");
                var promised = header.Name.StartsWith("X-RateLimit-", StringComparison.OrdinalIgnoreCase)
                    || (definition.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.True);
                if (promised && !exchange.ResponseHeaders.Contains(header.Name, StringComparer.OrdinalIgnoreCase))
                {
                    report($"header {header.Name}", "missing response header", "documented for this status but not sent");
                }
            }
        }

        CheckBody(contract, "response", response, pointer, exchange.ResponseContentType, exchange.ResponseBody, report);
    }

    private static void CheckRequestBody(OpenApiContract contract, OpenApiOperation operation, HttpExchange exchange, Action<string, string, string> report)
    {
        var sent = exchange.RequestBody;
        if (operation.RequestBody() is not var (body, pointer))
        {
            if (sent is { Length: > 0 })
            {
                report("/", "undocumented request body", "the operation takes no body, yet one was sent and accepted");
            }

            return;
        }

        if (sent is null)
        {
            // Not kept (a large or unbuffered body): nothing to check unless the document requires one.
            return;
        }

        if (sent.Length == 0)
        {
            if (body.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.True)
            {
                report("/", "missing request body", "the document requires a body; the server accepted the request without one");
            }

            return;
        }

        CheckBody(contract, "request", body, pointer, exchange.RequestContentType, sent, report);
    }

    // Checks a body against a Response or Request Body object's "content" map.
    private static void CheckBody(OpenApiContract contract, string side, JsonElement owner, string ownerPointer, string? contentType, byte[] bytes,
        Action<string, string, string> report)
    {
        var hasContent = owner.TryGetProperty("content", out var content) && content.EnumerateObject().Any();
        if (bytes.Length == 0)
        {
            if (hasContent && side == "response")
            {
                report("/", "missing response body", $"the document describes {string.Join(", ", content.EnumerateObject().Select(c => c.Name))}; the body was empty");
            }

            return;
        }

        var mediaType = (contentType ?? "").Split(';')[0].Trim();
        var described = hasContent ? content.EnumerateObject().Where(c => MediaTypeMatches(c.Name, mediaType)).ToList() : [];
        if (described.Count == 0)
        {
            report("/", $"undocumented {side} content type", $"'{mediaType}' is not among [{(hasContent ? string.Join(", ", content.EnumerateObject().Select(c => c.Name)) : "")}]");
            return;
        }

        var media = described.OrderBy(c => c.Name.Contains('*', StringComparison.Ordinal)).First();
        if (!media.Value.TryGetProperty("schema", out _) || !mediaType.EndsWith("json", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            report("/", $"{side} body is not JSON", e.Message);
            return;
        }

        using (document)
        {
            foreach (var (location, message) in contract.Validate($"{ownerPointer}/content/{OpenApiContract.Pointer(media.Name)[1..]}/schema", document.RootElement))
            {
                report(location.Length == 0 ? "/" : location, $"{side} body schema", message);
            }
        }
    }

    private static void CheckParameters(OpenApiContract contract, OpenApiOperation operation, HttpExchange exchange, Dictionary<string, string> pathValues,
        Action<string, string, string> report)
    {
        foreach (var parameter in operation.Parameters.Where(p => p.In == "path"))
        {
            if (pathValues.TryGetValue(parameter.Name, out var raw))
            {
                CheckValue(contract, parameter, Uri.UnescapeDataString(raw), report);
            }
        }

        var query = QueryHelpers.ParseQuery(exchange.Uri.Query);
        foreach (var (name, values) in query)
        {
            // Model binding matches query names without regard to case.
            var parameter = operation.Parameters.FirstOrDefault(p => p.In == "query" && string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
            if (parameter is null)
            {
                report($"?{name}", "undocumented query parameter", $"'{name}={values}' was accepted but the operation documents [{string.Join(", ", operation.Parameters.Where(p => p.In == "query").Select(p => p.Name))}]");
                continue;
            }

            foreach (var value in values)
            {
                CheckValue(contract, parameter, value ?? "", report);
            }
        }

        foreach (var missing in operation.Parameters.Where(p => p.In == "query" && p.Required && !query.Keys.Contains(p.Name, StringComparer.OrdinalIgnoreCase)))
        {
            report($"?{missing.Name}", "missing required query parameter", "the document requires it; the server accepted the request without it");
        }
    }

    // A parameter arrives as text; it is valid when the text, or the number or boolean it spells, fits the schema.
    private static void CheckValue(OpenApiContract contract, OpenApiParameter parameter, string value, Action<string, string, string> report)
    {
        if (parameter.SchemaPointer is null)
        {
            return;
        }

        var readings = new List<JsonElement> { JsonSerializer.SerializeToElement(value) };
        if (decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            readings.Add(JsonSerializer.SerializeToElement(number));
        }

        if (bool.TryParse(value, out var flag))
        {
            readings.Add(JsonSerializer.SerializeToElement(flag));
        }

        var failures = readings.Select(r => contract.Validate(parameter.SchemaPointer, r)).ToList();
        if (failures.All(f => f.Count > 0))
        {
            var where = parameter.In == "query" ? $"?{parameter.Name}" : $"{{{parameter.Name}}}";
            // The last reading is the most specific (a number rather than its text): its failure says the most.
            report(where, $"{parameter.In} parameter value", $"'{value}' was accepted but does not fit the schema: {failures[^1][0].Message}");
        }
    }

    private static bool MediaTypeMatches(string documented, string actual) =>
        string.Equals(documented, actual, StringComparison.OrdinalIgnoreCase)
        || documented == "*/*"
        || (documented.EndsWith("/*", StringComparison.Ordinal) && actual.StartsWith(documented[..^1], StringComparison.OrdinalIgnoreCase));

    private static IEnumerable<string> Statuses(OpenApiOperation operation) =>
        operation.Element.TryGetProperty("responses", out var responses) ? responses.EnumerateObject().Select(r => r.Name) : [];

    private static string Excerpt(byte[] body)
    {
        var text = System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 200));
        return text.Length == 0 ? "empty" : text + (body.Length > 200 ? "…" : "");
    }
}

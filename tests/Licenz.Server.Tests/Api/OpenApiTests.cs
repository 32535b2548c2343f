using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Licenz.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Licenz.Server.Tests.Api;

/// <summary>The OpenAPI document at <c>/api/v1/openapi.json</c> against the server's real route table, and the reference page.</summary>
public sealed partial class OpenApiTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private const string ErrorSchemaRef = "#/components/schemas/ErrorEnvelope";
    private static readonly string[] RateLimitHeaders = ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"];
    private static readonly string[] Methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheDocumentIsValidOpenApi31Json()
    {
        var (text, document) = await GetDocumentAsync();
        Assert.StartsWith("3.1.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(document.GetProperty("info").GetProperty("title").GetString()));

        var read = OpenApiDocument.Parse(text, "json");
        Assert.Empty(read.Diagnostic!.Errors);
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, read.Diagnostic.SpecificationVersion);
        Assert.NotNull(read.Document);
    }

    [Fact]
    public async Task TheDocumentListsEveryApiEndpointAndNothingElse()
    {
        var (_, document) = await GetDocumentAsync();
        var documented = Operations(document).Select(o => $"{o.Method.ToUpperInvariant()} {o.Path}").ToHashSet();
        var routes = ApiRoutes().Select(r => $"{r.Method} {r.Path}").ToHashSet();

        // Non-vacuous: the routes of the API page are there.
        Assert.Contains("POST /api/v1/licenses", routes);
        Assert.Contains("POST /api/v1/licenses/verify", routes);
        Assert.Contains("GET /api/v1/products/{id}", routes);
        Assert.Contains("DELETE /api/v1/api-keys/{id}", routes);

        Assert.Empty(routes.Except(documented).Order());
        Assert.Empty(documented.Except(routes).Order());
    }

    [Fact]
    public async Task TheBearerSchemeIsDeclaredAndRequiredByEveryProtectedOperation()
    {
        var (_, document) = await GetDocumentAsync();
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        var bearer = schemes.EnumerateObject().Single(s =>
            s.Value.GetProperty("type").GetString() == "http"
            && string.Equals(s.Value.GetProperty("scheme").GetString(), "bearer", StringComparison.OrdinalIgnoreCase));

        var protectedRoutes = ApiRoutes().Where(r => r.Protected).Select(r => $"{r.Method} {r.Path}").ToHashSet();
        Assert.NotEmpty(protectedRoutes);
        foreach (var operation in Operations(document))
        {
            var name = $"{operation.Method.ToUpperInvariant()} {operation.Path}";
            var requirements = operation.Element.TryGetProperty("security", out var security)
                ? security.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Name)).ToList()
                : [];
            if (protectedRoutes.Contains(name))
            {
                Assert.True(requirements.Contains(bearer.Name), $"{name} needs an API key but does not declare the '{bearer.Name}' scheme.");
            }
            else
            {
                Assert.True(requirements.Count == 0, $"{name} needs no API key but declares {string.Join(", ", requirements)}.");
            }
        }
    }

    [Fact]
    public async Task TheErrorEnvelopeSchemaIsDocumented()
    {
        var (_, document) = await GetDocumentAsync();
        var envelope = Resolve(document, document.GetProperty("components").GetProperty("schemas").GetProperty("ErrorEnvelope"));
        Assert.Contains("error", envelope.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        var error = Resolve(document, envelope.GetProperty("properties").GetProperty("error"));
        Assert.Equal(["code", "message", "status"], error.GetProperty("required").EnumerateArray().Select(e => e.GetString()!).Order());
        var properties = error.GetProperty("properties");
        Assert.Equal("string", properties.GetProperty("code").GetProperty("type").GetString());
        Assert.Equal("string", properties.GetProperty("message").GetProperty("type").GetString());
        Assert.Equal("integer", properties.GetProperty("status").GetProperty("type").GetString());
    }

    [Fact]
    public async Task EveryOperationDocumentsTheErrorsThatApplyToIt()
    {
        var (_, document) = await GetDocumentAsync();
        var protectedRoutes = ApiRoutes().Where(r => r.Protected).Select(r => $"{r.Method} {r.Path}").ToHashSet();
        var operations = Operations(document).ToList();
        Assert.NotEmpty(operations);
        foreach (var operation in operations)
        {
            var name = $"{operation.Method.ToUpperInvariant()} {operation.Path}";
            var responses = operation.Element.GetProperty("responses");
            var expected = new List<string> { "429", "500" };
            if (protectedRoutes.Contains(name))
            {
                expected.AddRange(["401", "403"]);
            }

            var takesInput = operation.Element.TryGetProperty("requestBody", out _)
                || (operation.Element.TryGetProperty("parameters", out var parameters) && parameters.GetArrayLength() > 0);
            if (takesInput)
            {
                expected.Add("400");
            }

            if (operation.Path.Contains('{'))
            {
                expected.Add("404");
            }

            foreach (var status in expected)
            {
                Assert.True(responses.TryGetProperty(status, out var response), $"{name} does not document {status}.");
                var schema = response.GetProperty("content").GetProperty("application/json").GetProperty("schema");
                Assert.True(schema.TryGetProperty("$ref", out var reference) && reference.GetString() == ErrorSchemaRef,
                    $"{name} {status} is not described with the error envelope: {schema}");
            }

            // Every other 4xx/5xx it documents is the error envelope too.
            foreach (var response in responses.EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
            {
                var schema = response.Value.GetProperty("content").GetProperty("application/json").GetProperty("schema");
                Assert.Equal(ErrorSchemaRef, schema.GetProperty("$ref").GetString());
            }
        }
    }

    [Fact]
    public async Task EveryResponseDocumentsTheRateLimitHeaders()
    {
        var (_, document) = await GetDocumentAsync();
        var count = 0;
        foreach (var operation in Operations(document))
        {
            foreach (var response in operation.Element.GetProperty("responses").EnumerateObject())
            {
                count++;
                Assert.True(response.Value.TryGetProperty("headers", out var headers),
                    $"{operation.Method.ToUpperInvariant()} {operation.Path} {response.Name} documents no headers.");
                foreach (var header in RateLimitHeaders)
                {
                    Assert.True(headers.TryGetProperty(header, out _),
                        $"{operation.Method.ToUpperInvariant()} {operation.Path} {response.Name} does not document {header}.");
                }
            }
        }

        Assert.True(count > 0);
    }

    [Fact]
    public async Task TheDocumentIsAlsoServedUnderTheShortBase()
    {
        using var shortBase = app.CreateClient(apiKey: null, basePath: "/v1/");
        using var response = await shortBase.GetAsync("openapi.json", Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (text, _) = await GetDocumentAsync();
        Assert.Equal(text, await response.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task TheReferencePageIsServedWithItsScriptsFromThisServer()
    {
        using var client = app.CreateClient(apiKey: null);
        using var page = await client.GetAsync("reference", Cancel);
        var html = await page.Content.ReadAsStringAsync(Cancel);
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"GET /api/v1/reference: {(int)page.StatusCode} {html}");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("/api/v1/reference", page.RequestMessage!.RequestUri!.AbsolutePath, StringComparison.Ordinal);
        Assert.Contains("<html", html, StringComparison.OrdinalIgnoreCase);

        // Works offline: nothing is fetched from a CDN or any other host.
        Assert.DoesNotMatch(ExternalUrl(), html);
        var scripts = ScriptSource().Matches(html).Select(m => new Uri(page.RequestMessage.RequestUri, m.Groups[1].Value)).ToList();
        Assert.NotEmpty(scripts);
        foreach (var script in scripts)
        {
            Assert.Equal(app.HttpsAddress.Authority, script.Authority);
            using var response = await client.GetAsync(script, Cancel);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{script}: {(int)response.StatusCode}");
            Assert.Contains("javascript", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
            Assert.True((await response.Content.ReadAsByteArrayAsync(Cancel)).Length > 0, $"{script} is empty.");
        }

        // The page reads this server's document.
        var source = Assert.Single(SourceUrl().Matches(html)).Groups[1].Value;
        using var documentResponse = await client.GetAsync(new Uri(new Uri(app.HttpsAddress, "/"), source), Cancel);
        Assert.Equal(HttpStatusCode.OK, documentResponse.StatusCode);
        using var parsed = JsonDocument.Parse(await documentResponse.Content.ReadAsStringAsync(Cancel));
        Assert.StartsWith("3.1.", parsed.RootElement.GetProperty("openapi").GetString(), StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string[]> RequestBodies => new()
    {
        { "post", "/api/v1/licenses", ["product_id", "email"] },
        { "patch", "/api/v1/licenses/{id}", [] },
        { "post", "/api/v1/licenses/{id}/renew", [] },
        { "post", "/api/v1/licenses/{id}/license-file", [] },
        { "post", "/api/v1/licenses/verify", ["key"] },
        { "post", "/api/v1/products", ["name"] },
        { "patch", "/api/v1/products/{id}", [] },
        { "post", "/api/v1/api-keys", ["type", "name"] },
        { "post", "/api/v1/machines/offline-activations", ["request"] },
        { "post", "/api/v1/machines/offline-deactivations", ["proof"] },
    };

    [Theory]
    [MemberData(nameof(RequestBodies))]
    public async Task ARequestBodyMarksOnlyTheFieldsTheServerRequiresAsRequired(string method, string path, string[] required)
    {
        var (_, document) = await GetDocumentAsync();
        var schema = RequestSchema(document, method, path);

        var declared = schema.TryGetProperty("required", out var list) ? list.EnumerateArray().Select(e => e.GetString()!).ToArray() : [];
        Assert.Equal(required.Order(), declared.Order());
        Assert.False(schema.GetProperty("additionalProperties").GetBoolean(), $"{method} {path} must refuse unknown fields.");
        foreach (var name in required)
        {
            Assert.True(schema.GetProperty("properties").TryGetProperty(name, out _), $"{method} {path} requires '{name}' but does not describe it.");
        }
    }

    [Fact]
    public async Task TheCreateLicenseBodyDocumentsItsEnumLengthsTimestampAndNullableMetadata()
    {
        var (_, document) = await GetDocumentAsync();
        var properties = RequestSchema(document, "post", "/api/v1/licenses").GetProperty("properties");

        // The type or a policy_id: the type may be left out or null.
        var type = properties.GetProperty("type");
        var typeAlternatives = type.TryGetProperty("oneOf", out var typeOneOf) ? typeOneOf.EnumerateArray().Select(a => Resolve(document, a)).ToList() : [Resolve(document, type)];
        Assert.Equal(["subscription", "perpetual", "trial"], Strings(Assert.Single(typeAlternatives, a => a.TryGetProperty("enum", out _)).GetProperty("enum")));
        Assert.Equal(1, properties.GetProperty("product_id").GetProperty("minLength").GetInt32());
        Assert.Equal(64, properties.GetProperty("product_id").GetProperty("maxLength").GetInt32());
        Assert.Equal(320, properties.GetProperty("email").GetProperty("maxLength").GetInt32());
        Assert.Equal("email", properties.GetProperty("email").GetProperty("format").GetString());
        Assert.Contains("string", Types(properties.GetProperty("expires_at")));
        Assert.Equal("date-time", properties.GetProperty("expires_at").GetProperty("format").GetString());

        // The server accepts null metadata (the same as leaving it out) and otherwise only an object of at most 64 keys.
        var metadata = properties.GetProperty("metadata");
        var alternatives = metadata.TryGetProperty("oneOf", out var oneOf) ? oneOf.EnumerateArray().Select(a => Resolve(document, a)).ToList() : [metadata];
        Assert.Contains(alternatives, a => Types(a).Contains("null"));
        var asObject = Assert.Single(alternatives, a => Types(a).Contains("object"));
        Assert.Equal(64, asObject.GetProperty("maxProperties").GetInt32());
    }

    [Theory]
    [InlineData("post", "/api/v1/products", "subscription_days", 1, 36500)]
    [InlineData("post", "/api/v1/products", "trial_days", 1, 36500)]
    [InlineData("patch", "/api/v1/products/{id}", "subscription_days", 1, 36500)]
    [InlineData("patch", "/api/v1/products/{id}", "trial_days", 1, 36500)]
    [InlineData("post", "/api/v1/licenses/{id}/renew", "days", 1, 36500)]
    [InlineData("post", "/api/v1/licenses/{id}/license-file", "ttl", 3600, 31536000)]
    [InlineData("post", "/api/v1/machines/offline-activations", "ttl", 3600, 31536000)]
    public async Task NumbersDocumentTheRangeTheServerEnforces(string method, string path, string field, int minimum, int maximum)
    {
        var (_, document) = await GetDocumentAsync();
        var schema = RequestSchema(document, method, path).GetProperty("properties").GetProperty(field);

        Assert.Contains("integer", Types(schema));
        Assert.Equal(minimum, schema.GetProperty("minimum").GetInt32());
        Assert.Equal(maximum, schema.GetProperty("maximum").GetInt32());
    }

    [Theory]
    [InlineData("post", "/api/v1/products", "name", 1, 200)]
    [InlineData("post", "/api/v1/products", "code", 1, 64)]
    [InlineData("patch", "/api/v1/products/{id}", "name", 1, 200)]
    [InlineData("post", "/api/v1/api-keys", "name", 1, 200)]
    [InlineData("post", "/api/v1/licenses/verify", "key", 1, 64)]
    [InlineData("post", "/api/v1/licenses/verify", "product_id", 1, 64)]
    [InlineData("post", "/api/v1/licenses/verify", "nonce", 8, 128)]
    [InlineData("post", "/api/v1/licenses/{id}/license-file", "fingerprint", 1, 256)]
    public async Task TextDocumentsTheLengthsTheServerEnforces(string method, string path, string field, int minLength, int maxLength)
    {
        var (_, document) = await GetDocumentAsync();
        var schema = RequestSchema(document, method, path).GetProperty("properties").GetProperty(field);

        Assert.Contains("string", Types(schema));
        Assert.Equal(minLength, schema.GetProperty("minLength").GetInt32());
        Assert.Equal(maxLength, schema.GetProperty("maxLength").GetInt32());
    }

    [Fact]
    public async Task EnumsAreListedWithTheirApiNamesInRequestsAndResponses()
    {
        var (_, document) = await GetDocumentAsync();
        var schemas = document.GetProperty("components").GetProperty("schemas");

        Assert.Equal(["admin", "read_only", "verify_only"],
            Strings(Resolve(document, RequestSchema(document, "post", "/api/v1/api-keys").GetProperty("properties").GetProperty("type")).GetProperty("enum")));
        Assert.Equal(["active", "suspended", "revoked", "expired"],
            Strings(Resolve(document, schemas.GetProperty("LicenseDto").GetProperty("properties").GetProperty("status")).GetProperty("enum")));
        Assert.Equal(["active", "expired", "revoked"],
            Strings(Resolve(document, schemas.GetProperty("ApiKeyDto").GetProperty("properties").GetProperty("status")).GetProperty("enum")));
        Assert.Equal(["current", "published", "retired"],
            Strings(Resolve(document, schemas.GetProperty("SigningKeyDto").GetProperty("properties").GetProperty("status")).GetProperty("enum")));
    }

    [Fact]
    public async Task TheLicenseListDocumentsEachQueryParameterWithItsTypeAndRule()
    {
        var (_, document) = await GetDocumentAsync();
        var parameters = document.GetProperty("paths").GetProperty("/api/v1/licenses").GetProperty("get").GetProperty("parameters")
            .EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);

        Assert.Equal(["cursor", "email", "limit", "product_id", "status"], parameters.Keys.Order());
        foreach (var (name, parameter) in parameters)
        {
            Assert.Equal("query", parameter.GetProperty("in").GetString());
            Assert.False(parameter.TryGetProperty("required", out var required) && required.GetBoolean(), $"'{name}' is optional.");
            Assert.False(string.IsNullOrWhiteSpace(parameter.GetProperty("description").GetString()), $"'{name}' has no description.");
        }

        var limit = parameters["limit"].GetProperty("schema");
        Assert.Equal("integer", limit.GetProperty("type").GetString());
        Assert.Equal(1, limit.GetProperty("minimum").GetInt32());
        Assert.Equal(100, limit.GetProperty("maximum").GetInt32());
        Assert.Equal(["active", "suspended", "revoked", "expired"], Strings(parameters["status"].GetProperty("schema").GetProperty("enum")));
    }

    [Fact]
    public async Task DatesAreDocumentedAsDateTimeStrings()
    {
        var (_, document) = await GetDocumentAsync();
        var license = document.GetProperty("components").GetProperty("schemas").GetProperty("LicenseDto").GetProperty("properties");

        Assert.Equal(["string"], Types(license.GetProperty("created_at")));
        Assert.Equal(["null", "string"], Types(license.GetProperty("expires_at")).Order());
        foreach (var name in (string[])["created_at", "expires_at", "last_validated_at"])
        {
            Assert.Equal("date-time", license.GetProperty(name).GetProperty("format").GetString());
        }
    }

    [Theory]
    [InlineData("get", "/api/v1/licenses/{id}")]
    [InlineData("patch", "/api/v1/licenses/{id}")]
    [InlineData("delete", "/api/v1/licenses/{id}")]
    [InlineData("post", "/api/v1/licenses/{id}/suspend")]
    [InlineData("post", "/api/v1/licenses/{id}/renew")]
    [InlineData("post", "/api/v1/licenses/{id}/license-file")]
    public async Task ALicenseIdParameterSaysTheLicenseKeyIsAcceptedToo(string method, string path)
    {
        var (_, document) = await GetDocumentAsync();
        var id = document.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("parameters")
            .EnumerateArray().Single(p => p.GetProperty("name").GetString() == "id");

        Assert.Equal("path", id.GetProperty("in").GetString());
        Assert.Contains("license key", id.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheJwksDocumentsItsNotFoundAnswer()
    {
        var (_, document) = await GetDocumentAsync();
        var responses = document.GetProperty("paths").GetProperty("/api/v1/.well-known/jwks.json").GetProperty("get").GetProperty("responses");

        Assert.True(responses.TryGetProperty("404", out var notFound), "GET /api/v1/.well-known/jwks.json does not document 404.");
        Assert.Equal(ErrorSchemaRef, notFound.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
    }

    private static JsonElement RequestSchema(JsonElement document, string method, string path)
    {
        var schema = document.GetProperty("paths").GetProperty(path).GetProperty(method)
            .GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        if (schema.TryGetProperty("oneOf", out var oneOf))
        {
            // An optional body: null or the record.
            schema = oneOf.EnumerateArray().Single(s => s.TryGetProperty("$ref", out _));
        }

        return Resolve(document, schema);
    }

    /// <summary>The schema's <c>type</c>, as a list whether it is written as one name or an array.</summary>
    private static string[] Types(JsonElement schema) =>
        !schema.TryGetProperty("type", out var type) ? []
        : type.ValueKind == JsonValueKind.Array ? Strings(type)
        : [type.GetString()!];

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    private async Task<(string Text, JsonElement Document)> GetDocumentAsync()
    {
        using var client = app.CreateClient(apiKey: null);
        using var response = await client.GetAsync("openapi.json", Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /api/v1/openapi.json: {(int)response.StatusCode} {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(text);
        return (text, document.RootElement.Clone());
    }

    private static IEnumerable<(string Path, string Method, JsonElement Element)> Operations(JsonElement document)
    {
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var item in path.Value.EnumerateObject().Where(p => Methods.Contains(p.Name)))
            {
                yield return (path.Name, item.Name, item.Value);
            }
        }
    }

    /// <summary>Every (method, path) the server routes under <c>/api/v1</c>, except the document and the reference page themselves.</summary>
    private List<(string Method, string Path, bool Protected)> ApiRoutes()
    {
        var routes = new List<(string, string, bool)>();
        foreach (var endpoint in app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var path = PathOf(endpoint.RoutePattern);
            if (!path.StartsWith("/api/v1/", StringComparison.Ordinal)
                || path.StartsWith("/api/v1/{documentName", StringComparison.Ordinal)
                || path.StartsWith("/api/v1/reference", StringComparison.Ordinal))
            {
                continue;
            }

            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods;
            Assert.True(methods is { Count: > 0 }, $"{path} ({endpoint.DisplayName}) accepts any method.");
            var isProtected = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Count > 0
                && endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null;
            routes.AddRange(methods.Select(m => (m, path, isProtected)));
        }

        return routes;
    }

    private static string PathOf(RoutePattern pattern) =>
        "/" + string.Join("/", pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
            RoutePatternSeparatorPart separator => separator.Content,
            _ => throw new InvalidOperationException($"Unexpected route part {part}"),
        }))));

    private static JsonElement Resolve(JsonElement document, JsonElement schema)
    {
        while (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!;
            Assert.StartsWith("#/components/schemas/", name, StringComparison.Ordinal);
            schema = document.GetProperty("components").GetProperty("schemas").GetProperty(name["#/components/schemas/".Length..]);
        }

        return schema;
    }

    [GeneratedRegex("""<script[^>]*\bsrc\s*=\s*["']([^"']+)["']""", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptSource();

    [GeneratedRegex("""(src|href)\s*=\s*["']?(https?:)?//""", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalUrl();

    [GeneratedRegex("\"sources\"\\s*:\\s*\\[\\s*\\{[^\\]]*?\"url\"\\s*:\\s*\"([^\"]+)\"")]
    private static partial Regex SourceUrl();
}

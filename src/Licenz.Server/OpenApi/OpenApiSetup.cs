using Licenz.Server.Accounts;
using Licenz.Server.ApiKeys;
using Licenz.Server.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Licenz.Server.OpenApi;

/// <summary>
/// The OpenAPI document at <c>/api/v1/openapi.json</c> (and <c>/v1/openapi.json</c>) and a browsable
/// reference at <c>/api/v1/reference</c>, served from the server itself (no CDN: it works offline).
/// </summary>
public static class OpenApiSetup
{
    public const string DocumentName = "openapi";
    private const string BearerScheme = "bearer";
    private const string ErrorSchema = "ErrorEnvelope";

    public static IServiceCollection AddLicenzOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            options.AddDocumentTransformer(DescribeDocument);
            options.AddOperationTransformer(DescribeOperation);
            options.AddSchemaTransformer(RequestSchemas.DescribeSchema);
        });

    public static IEndpointConventionBuilder MapLicenzOpenApi(this IEndpointRouteBuilder routes)
    {
        // Constrained to the one document, so that other paths under /api/v1 are not mistaken for it.
        var document = routes.MapOpenApi(ApiRoutes.Base + "/{documentName:regex(^" + DocumentName + "$)}.json");
        var reference = routes.MapScalarApiReference(ApiRoutes.Base + "/reference", reference => reference
            .WithTitle("Licenz API reference")
            .WithOpenApiRoutePattern(ApiRoutes.Base + "/{documentName}.json")
            .AddDocument(DocumentName)
            .AddPreferredSecuritySchemes(BearerScheme)
            // Offline and private: the bundled script is served from here, and nothing on the page calls another host
            // (the default fonts come from Scalar's CDN; telemetry, the AI agent, MCP and the hosted API client are theirs).
            .DisableDefaultFonts()
            .DisableTelemetry()
            .DisableAgent()
            .DisableMcp()
            .HideClientButton()
            .HideDeveloperTools());
        return new ConventionBuilders(document, reference);
    }

    private static Task DescribeDocument(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Licenz API",
            Version = "v1",
            Description = """
                Self-hosted, offline-first software licensing.

                Authenticate every request with an API key: `Authorization: Bearer YOUR_API_KEY`.
                Key types: **admin** (full access), **read-only** (every read, no writes),
                **verify-only** (license verification only).

                Requests must use HTTPS and send JSON bodies with `Content-Type: application/json`.
                Successful responses are `{"data": …}`; errors are `{"error": {"code", "message", "status"}}`
                with the codes `bad_request` (400), `unauthorized` / `invalid_api_key` (401), `forbidden` (403),
                `not_found` (404), `conflict` (409: another request changed the same resource at the same time;
                nothing was changed, read it again and retry), `machine_limit_exceeded`, `usage_limit_exceeded` and
                `transfer_limit_exceeded` (422: a limit of the license refuses the request; nothing was changed),
                `rate_limited` (429) and `internal_error` (500).

                Every response carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`.
                Plans: Free 100, Starter 500, Growth 2,000, Business 10,000 requests/minute, Enterprise unlimited
                (the headers then say `unlimited`). Each account has two budgets at that rate, counted over any
                sliding 60 seconds: the client budget (verify-only keys) and the management budget (admin and
                read-only keys); within the client budget one license key may use a share (a tenth by default).
                The headers describe the budget the request counted against, or the key's share where that leaves
                less; `X-RateLimit-Reset` is the Unix second when its next slot frees.

                The same API is also served under `/v1`.
                """,
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key: `Authorization: Bearer lz_admin_…` (or lz_read_…, lz_verify_…).",
        };
        return Task.CompletedTask;
    }

    private static async Task DescribeOperation(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var scopes = metadata.OfType<RequiredScope>().Select(s => s.Scope).Distinct().ToList();
        var document = context.Document!;
        if (document.Components?.Schemas?.ContainsKey(ErrorSchema) != true)
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(ErrorEnvelope), null, cancellationToken);
            document.AddComponent(ErrorSchema, schema);
        }

        operation.Responses ??= new OpenApiResponses();
        if (scopes.Count > 0)
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] }];
            var needed = scopes.Max() switch
            {
                ApiKeyScope.Verify => "any API key (admin, read-only or verify-only)",
                ApiKeyScope.Read => "an admin or read-only API key",
                _ => "an admin API key",
            };
            // An endpoint with finer rules than its scope says so itself (WithDescription).
            operation.Description ??= $"Requires {needed}.";
            AddError(operation, document, 401, "Missing (`unauthorized`) or invalid, revoked or expired (`invalid_api_key`) API key.");
            AddError(operation, document, 403, "The API key's type lacks the permission (`forbidden`), or the request was not sent over HTTPS.");
        }

        var takesInput = metadata.OfType<IAcceptsMetadata>().Any() || context.Description.ParameterDescriptions.Count > 0;
        if (takesInput)
        {
            AddError(operation, document, 400, "Invalid request body or parameters (`bad_request`); the message names the field.");
        }

        if (context.Description.RelativePath?.Contains('{') == true)
        {
            AddError(operation, document, 404, "No such resource in this account (`not_found`).");
        }

        if (scopes.Any(s => s >= ApiKeyScope.Write) && !HttpMethods.IsGet(context.Description.HttpMethod ?? "GET"))
        {
            AddError(operation, document, 409, "Another request changed or deleted the same resource, or took the same unique value, " +
                "at the same time (`conflict`); nothing was changed. Read it again and retry.");
        }

        foreach (var error in metadata.OfType<DocumentedError>())
        {
            AddError(operation, document, error.Status, error.Description);
        }

        RequestSchemas.DescribeQuery(operation, metadata);
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (parameter.In == ParameterLocation.Path && metadata.OfType<RouteParameterDescription>().LastOrDefault(d => d.Name == parameter.Name) is { } described)
            {
                parameter.Description = described.Description;
            }
        }

        AddError(operation, document, 429, "Too many requests for the budget named in the message (`rate_limited`); see `Retry-After`.");
        AddError(operation, document, 500, "Server error (`internal_error`); never a stack trace.");

        foreach (var response in operation.Responses.Values.OfType<OpenApiResponse>())
        {
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers["X-RateLimit-Limit"] = Header(
                "Requests allowed per minute in the budget this request counted against (or the license key's share of it), or `unlimited`.");
            response.Headers["X-RateLimit-Remaining"] = Header("Requests left now in that budget, over the last 60 seconds, or `unlimited`.");
            response.Headers["X-RateLimit-Reset"] = Header("Unix time (seconds) when the next slot of that budget frees: its oldest request leaves the window.");
        }
    }

    private static void AddError(OpenApiOperation operation, OpenApiDocument document, int status, string description)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.ContainsKey(key))
        {
            return;
        }

        operation.Responses[key] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = new OpenApiSchemaReference(ErrorSchema, document) },
            },
        };
    }

    private static OpenApiHeader Header(string description) =>
        new() { Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
}

using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Http;

/// <summary>
/// Applies the request rules an endpoint declares, after routing and authorization, before binding:
/// <list type="bullet">
/// <item><see cref="QueryParameterRules"/> (<see cref="ApiConventions.RejectUnknownQueryParameters"/>): only the
/// endpoint's own query parameters, once each, with values of their type.</item>
/// <item><see cref="JsonBodyRules"/> (<see cref="ApiConventions.RequireJsonBodies"/>): a body, on any endpoint, must be
/// UTF-8 JSON within the limit. For an endpoint that binds one, a small body of declared length is peeked at and left
/// for the framework's binding to read from the connection; any other is read here, whole and counted exactly (chunked
/// or not), and handed to the binding. Either way a copy is kept, so a body the binding refuses can be explained
/// (<see cref="JsonRequestBody.TakeAsync"/>; the rate limit may have taken it already, for a license key's share).</item>
/// </list>
/// </summary>
public sealed class RequestRulesMiddleware(RequestDelegate next, IOptions<RequestBodyOptions> options)
{
    private readonly long _maxBytes = options.Value.MaxBytes;

    public Task InvokeAsync(HttpContext context)
    {
        var metadata = context.GetEndpoint()?.Metadata;
        if (metadata is null)
        {
            return next(context);
        }

        var request = context.Request;
        if (request.QueryString.HasValue && metadata.GetMetadata<QueryParameterRules>() is { } query && query.Check(request.Query) is { } badQuery)
        {
            return ApiResponses.WriteErrorAsync(context, badQuery);
        }

        if (metadata.GetMetadata<JsonBodyRules>() is null || !RequestBodies.HasBody(request))
        {
            return next(context);
        }

        if (RequestBodies.Refusal(request, _maxBytes) is { } refusal)
        {
            return ApiResponses.WriteErrorAsync(context, refusal);
        }

        if (metadata.GetMetadata<IAcceptsMetadata>() is null)
        {
            return next(context);
        }

        var taking = JsonRequestBody.TakeAsync(context, _maxBytes);
        if (!taking.IsCompletedSuccessfully)
        {
            return TakenThenNextAsync(context, taking);
        }

        return taking.Result is null ? ApiResponses.WriteErrorAsync(context, RequestBodies.TooLarge(_maxBytes)) : next(context);
    }

    private async Task TakenThenNextAsync(HttpContext context, ValueTask<JsonRequestBody?> taking)
    {
        if (await taking is null)
        {
            await ApiResponses.WriteErrorAsync(context, RequestBodies.TooLarge(_maxBytes));
            return;
        }

        await next(context);
    }
}

/// <summary>Endpoint metadata: the API's JSON body rules apply here.</summary>
public sealed class JsonBodyRules
{
    public static readonly JsonBodyRules Instance = new();

    private JsonBodyRules()
    {
    }
}

namespace Licenz.Server.Http;

/// <summary>
/// Right after routing, before anything can answer:
/// <list type="bullet">
/// <item>a request that no endpoint takes (an unknown path, or the router's own 405 and 415 answers, which carry no
/// metadata) is answered as an API request: it gets the API's conventions, so its error envelope carries the
/// rate-limit and security headers like every other API answer;</item>
/// <item>the endpoint's <see cref="SecurityHeaders"/> are set, so every answer carries them, errors included.</item>
/// </list>
/// </summary>
public sealed class EndpointConventionsMiddleware(RequestDelegate next, EndpointMetadataCollection apiConventions)
{
    private static readonly RequestDelegate NotFound = context =>
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    };

    private readonly Endpoint _noSuchEndpoint = new(NotFound, apiConventions, "No such endpoint");

    public Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null)
        {
            endpoint = _noSuchEndpoint;
            context.SetEndpoint(endpoint);
        }
        else if (endpoint.Metadata.Count == 0)
        {
            endpoint = new Endpoint(endpoint.RequestDelegate, apiConventions, endpoint.DisplayName);
            context.SetEndpoint(endpoint);
        }

        endpoint.Metadata.GetMetadata<SecurityHeaders>()?.Apply(context);
        return next(context);
    }
}

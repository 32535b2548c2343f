namespace Licenz.Server.Http;

/// <summary>
/// A request that no endpoint takes (an unknown path, or the router's own 405 and 415 answers, which carry no
/// metadata) is answered as an API request: it gets the API's conventions, so that its error envelope carries the
/// rate-limit and security headers like every other API answer.
/// </summary>
public sealed class UnmatchedRequests(RequestDelegate next, EndpointMetadataCollection conventions)
{
    private static readonly RequestDelegate NotFound = context =>
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    };

    private readonly Endpoint _noSuchEndpoint = new(NotFound, conventions, "No such endpoint");

    public Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null)
        {
            context.SetEndpoint(_noSuchEndpoint);
        }
        else if (endpoint.Metadata.Count == 0)
        {
            context.SetEndpoint(new Endpoint(endpoint.RequestDelegate, conventions, endpoint.DisplayName));
        }

        return next(context);
    }
}

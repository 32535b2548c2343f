namespace Licenz.Server.Http;

/// <summary>
/// "HTTP requests will be rejected": a request that did not arrive over TLS (directly, or through a
/// trusted proxy that says so in X-Forwarded-Proto) gets the error envelope and touches nothing.
/// Its credentials are never looked at: authentication skips plain HTTP requests.
/// </summary>
public sealed class HttpsOnlyMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.IsHttps)
        {
            return next(context);
        }

        return ApiResponses.WriteErrorAsync(context, StatusCodes.Status403Forbidden, ErrorCodes.Forbidden,
            "HTTPS is required: this server rejects plain HTTP requests. Send the request to the https:// address.");
    }
}

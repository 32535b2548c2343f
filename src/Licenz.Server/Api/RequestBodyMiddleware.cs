using Licenz.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Api;

/// <summary>
/// Applies the body rules to every API endpoint, including those that take no body, so that a
/// non-JSON or oversized body is refused everywhere before any handler runs. (The dashboard's
/// HTML forms are not API requests.)
/// </summary>
public sealed class RequestBodyMiddleware(RequestDelegate next, IOptions<LicenzOptions> options)
{
    private readonly long _maxBytes = options.Value.MaxRequestBodyBytes;

    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint() is not null && context.Request.Path.StartsWithSegments(ApiRoutes.Base))
        {
            RequestBodies.EnsureAcceptable(context.Request, _maxBytes);
        }

        return next(context);
    }
}

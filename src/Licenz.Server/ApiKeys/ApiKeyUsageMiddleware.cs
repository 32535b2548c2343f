using Licenz.Server.Activity;
using Licenz.Server.Data;

namespace Licenz.Server.ApiKeys;

/// <summary>
/// Notes the key's last use once the request has succeeded. A refused request (forbidden, bad input,
/// not found, …) writes nothing, not even this.
/// </summary>
public sealed class ApiKeyUsageMiddleware(RequestDelegate next, ActivityRecorder activity, TimeProvider time)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var at = time.GetUtcNow().UtcDateTime;
        await next(context);
        if (context.Response.StatusCode < StatusCodes.Status400BadRequest
            && context.Features.Get<ApiCaller>() is { } caller && context.GetEndpoint() is not null)
        {
            activity.ApiKeyUsed(caller.KeyId, at);
        }
    }
}

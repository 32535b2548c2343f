using Licenz.Server.Data;

namespace Licenz.Server.ApiKeys;

/// <summary>Notes the key's last use once the request has passed authorization (a refused request records nothing).</summary>
public sealed class ApiKeyUsageMiddleware(RequestDelegate next, ActivityRecorder activity, TimeProvider time)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<ApiCaller>() is { } caller && context.GetEndpoint() is not null)
        {
            activity.ApiKeyUsed(caller.KeyId, time.GetUtcNow().UtcDateTime);
        }

        return next(context);
    }
}

namespace Licenz.Server.Http;

/// <summary>The API's bases: the self-hosted <c>/api/v1</c>, and <c>/v1</c> as on the API page.</summary>
public static class ApiRoutes
{
    public const string Base = "/api/v1";
    public const string ShortBase = "/v1";

    /// <summary>The base the request came in through, for Location headers and error messages.</summary>
    public static string BaseOf(HttpContext context) => context.Features.Get<ShortBaseRequest>() is null ? Base : ShortBase;

    /// <summary>The path as the client sent it (before <see cref="ShortBaseAlias"/> mapped it).</summary>
    public static string PathAsSent(HttpContext context) =>
        context.Features.Get<ShortBaseRequest>() is null ? context.Request.Path.Value ?? "/" : ShortBase + context.Request.Path.Value![Base.Length..];
}

/// <summary>Request feature: the request came in under <see cref="ApiRoutes.ShortBase"/>.</summary>
public sealed class ShortBaseRequest
{
    public static readonly ShortBaseRequest Instance = new();

    private ShortBaseRequest()
    {
    }
}

/// <summary>
/// <c>/v1/…</c> is the same API as <c>/api/v1/…</c>: the path is mapped before routing, so there is one
/// set of endpoints (and one OpenAPI description) for both bases.
/// </summary>
public sealed class ShortBaseAlias(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments(ApiRoutes.ShortBase, StringComparison.OrdinalIgnoreCase, out var rest))
        {
            context.Features.Set(ShortBaseRequest.Instance);
            context.Request.Path = new PathString(ApiRoutes.Base).Add(rest);
        }

        return next(context);
    }
}

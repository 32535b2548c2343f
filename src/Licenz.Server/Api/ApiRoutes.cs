using Licenz.Server.ApiKeys;
using Licenz.Server.Licenses;
using Licenz.Server.Products;
using Licenz.Server.Signing;
using Licenz.Server.Verification;

namespace Licenz.Server.Api;

/// <summary>The API, mounted at the self-hosted base <c>/api/v1</c> and at <c>/v1</c>.</summary>
public static class ApiRoutes
{
    public const string Base = "/api/v1";
    public const string ShortBase = "/v1";

    public static IEndpointRouteBuilder MapLicenzApi(this IEndpointRouteBuilder routes)
    {
        // Every API endpoint: JSON bodies within the size limit, only its own query parameters, and its request
        // records checked against their declared rules before the handler runs.
        var api = routes.MapGroup(Base).RequireJsonBodies().RejectUnknownQueryParameters().WithRequestValidation();
        api.MapVerification();
        api.MapLicenseFiles();
        api.MapSigningKeys();
        api.MapLicenses();
        api.MapProducts();
        api.MapApiKeys();
        return routes;
    }

    /// <summary>The base the request came in through, for Location headers.</summary>
    public static string BaseOf(HttpContext context) => context.Items.ContainsKey(ShortBaseAlias.Marker) ? ShortBase : Base;
}

/// <summary>
/// <c>/v1/…</c> is the same API as <c>/api/v1/…</c>: the path is mapped before routing, so there is one
/// set of endpoints (and one OpenAPI description) for both bases.
/// </summary>
public sealed class ShortBaseAlias(RequestDelegate next)
{
    public const string Marker = "licenz.short-base";

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments(ApiRoutes.ShortBase, StringComparison.OrdinalIgnoreCase, out var rest))
        {
            context.Items[Marker] = true;
            context.Request.Path = new PathString(ApiRoutes.Base).Add(rest);
        }

        return next(context);
    }
}

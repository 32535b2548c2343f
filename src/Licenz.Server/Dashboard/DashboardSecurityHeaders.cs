namespace Licenz.Server.Dashboard;

/// <summary>Browser hardening for the dashboard's pages: no scripts, no framing, no third-party anything.</summary>
public sealed class DashboardSecurityHeaders(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments(DashboardSetup.Path))
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy =
                "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
            headers.XFrameOptions = "DENY";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
        }

        return next(context);
    }
}

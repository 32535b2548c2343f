using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Licenz.Server.Dashboard;

/// <summary>
/// An unknown page under <c>/dashboard</c> is a browser's mistake, not an API client's: it gets a small HTML page
/// (404) with a way back, instead of the API's JSON envelope. It is the dashboard's own fallback endpoint, so the
/// choice is made by routing, and paths under the API keep their JSON answers.
/// </summary>
public static class DashboardNotFound
{
    public static IEndpointConventionBuilder MapDashboardNotFound(this IEndpointRouteBuilder routes)
    {
        var page = routes.MapMethods(DashboardSetup.Path + "/{**path}", [HttpMethods.Get, HttpMethods.Head], Page).ExcludeFromDescription();
        page.Add(endpoint => ((RouteEndpointBuilder)endpoint).Order = int.MaxValue);
        return page;
    }

    private static ContentHttpResult Page(HttpContext context)
    {
        var path = HtmlEncoder.Default.Encode(context.Request.Path.Value ?? DashboardSetup.Path);
        var html = $"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <title>Page not found · Licenz</title>
                <link rel="stylesheet" href="{DashboardSetup.Path}/dashboard.css" />
            </head>
            <body>
            <header><span class="brand">Licenz</span></header>
            <main>
                <h1>Page not found</h1>
                <p>There is no dashboard page at <code>{path}</code>.</p>
                <p><a href="{DashboardSetup.Path}">Back to the dashboard</a></p>
            </main>
            </body>
            </html>
            """;
        return TypedResults.Content(html, "text/html; charset=utf-8", statusCode: StatusCodes.Status404NotFound);
    }
}

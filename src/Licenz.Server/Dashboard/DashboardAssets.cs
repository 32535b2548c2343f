using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace Licenz.Server.Dashboard;

/// <summary>
/// The dashboard's stylesheet and script (<c>Dashboard/Assets</c>), built into the server's assembly so that a published
/// server is one folder with nothing beside it, and served under <c>/dashboard/</c> with an entity tag.
/// </summary>
internal static class DashboardAssets
{
    private static readonly (string Name, string ContentType)[] Files =
    [
        ("dashboard.css", "text/css; charset=utf-8"),
        ("dashboard.js", "text/javascript; charset=utf-8"),
    ];

    public static IEnumerable<IEndpointConventionBuilder> Map(IEndpointRouteBuilder routes)
    {
        foreach (var (name, contentType) in Files)
        {
            using var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream("dashboard/" + name)
                ?? throw new InvalidOperationException($"The dashboard asset {name} is not built into the server.");
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var content = buffer.ToArray();
            var tag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
            yield return routes.MapGet($"{DashboardSetup.Path}/{name}", (HttpContext context) =>
            {
                context.Response.Headers.CacheControl = "no-cache";
                return Results.Bytes(content, contentType, entityTag: tag);
            }).ExcludeFromDescription();
        }
    }
}

using System.Net;
using System.Net.Http.Headers;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.Dashboard;

/// <summary>A browser on an unknown dashboard page gets an HTML "not found" page with a link back; the API keeps its JSON.</summary>
public sealed class DashboardNotFoundTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/dashboard/nope")]
    [InlineData("/dashboard/settings/nope")]
    [InlineData("/dashboard/settings/api-keys/extra/segments")]
    public async Task AnUnknownDashboardPageIsAnHtmlNotFoundPageWithALinkBack(string path)
    {
        using var browser = Browser();

        using var response = await browser.GetAsync(path, Cancel);

        var html = await response.Content.ReadAsStringAsync(Cancel);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<h1>Page not found</h1>", html, StringComparison.Ordinal);
        Assert.Contains($"<code>{path}</code>", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"/dashboard\">Back to the dashboard</a>", html, StringComparison.Ordinal);
        // The dashboard's browser hardening applies to it as to every dashboard page.
        Assert.StartsWith("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThePathIsShownEncoded()
    {
        using var browser = Browser();

        using var response = await browser.GetAsync("/dashboard/%3Cscript%3Ealert(1)%3C%2Fscript%3E", Cancel);

        var html = await response.Content.ReadAsStringAsync(Cancel);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("<script>", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/v1/nope")]
    [InlineData("/v1/nope")]
    [InlineData("/nope")]
    public async Task UnknownPathsOutsideTheDashboardKeepTheJsonEnvelope(string path)
    {
        using var browser = Browser();

        using var response = await browser.GetAsync(path, Cancel);

        await response.ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task KnownDashboardPagesAreUnaffected()
    {
        using var browser = Browser();

        using var login = await browser.GetAsync("/dashboard/login", Cancel);
        using var css = await browser.GetAsync("/dashboard/dashboard.css", Cancel);
        using var script = await browser.GetAsync("/dashboard/dashboard.js", Cancel);

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("<h1>Sign in to the dashboard</h1>", await login.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        Assert.Contains(":root", await css.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);

        // Served with an entity tag: a browser that has the file gets 304 and no body.
        var tag = css.Headers.ETag;
        Assert.NotNull(tag);
        using var again = new HttpRequestMessage(HttpMethod.Get, "/dashboard/dashboard.css") { Headers = { IfNoneMatch = { tag } } };
        using var notModified = await browser.SendAsync(again, Cancel);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    private HttpClient Browser()
    {
        var client = app.CreateClient(apiKey: null, basePath: "/");
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        return client;
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using Licenz.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Licenz.Server.Tests.Api;

/// <summary>
/// The API reference page (<c>/api/v1/reference</c>) works without the internet: everything it loads comes from the
/// server itself, and nothing on it calls another host (no CDN fonts, telemetry, AI agent or hosted API client).
/// </summary>
public sealed partial class ApiReferenceOfflineTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ThePageAndEverythingItReferencesAreServedHereWithoutAbsoluteUrlsToOtherHosts()
    {
        using var client = app.CreateClient(apiKey: null, basePath: "/api/v1/reference/");
        using var page = await client.GetAsync("", Cancel);
        var html = await page.Content.ReadAsStringAsync(Cancel);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);

        // Every script and link of the page, resolved against it: all on this server, all served.
        var references = Reference().Matches(html).Select(m => m.Groups["url"].Value).ToList();
        Assert.Contains("scalar.js", references);
        foreach (var reference in references)
        {
            var url = new Uri(page.RequestMessage!.RequestUri!, reference);
            Assert.Equal(app.HttpsAddress.Authority, url.Authority);
            using var resource = await client.GetAsync(url, Cancel);
            Assert.True(resource.StatusCode == HttpStatusCode.OK, $"{url}: {(int)resource.StatusCode}");
        }

        // The page itself and its configuration module name no other host; the fonts, telemetry, agent, MCP and
        // client button are off in the configuration the page hands to the script.
        using var module = await client.GetAsync("scalar.aspnetcore.js", Cancel);
        var configuration = html + await module.Content.ReadAsStringAsync(Cancel);
        Assert.Empty(AbsoluteUrl().Matches(configuration).Select(m => m.Value));
        foreach (var setting in new[] { "\"withDefaultFonts\":false", "\"telemetry\":false", "\"agent\":{\"disabled\":true}", "\"mcp\":{\"disabled\":true}", "\"hideClientButton\":true" })
        {
            Assert.Contains(setting, html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task InAHeadlessBrowserWithNoInternetThePageRendersTheOperationsAndCallsNoOtherHost()
    {
        var (playwright, browser) = await Chromium.LaunchAsync();
        try
        {
            var context = await browser.NewContextAsync(new BrowserNewContextOptions
            {
                IgnoreHTTPSErrors = true,
                BaseURL = app.HttpsAddress.ToString().TrimEnd('/'),
            });
            var elsewhere = new ConcurrentBag<string>();
            var failed = new ConcurrentBag<string>();
            await context.RouteAsync("**/*", async route =>
            {
                var url = new Uri(route.Request.Url);
                if (url.Scheme is "data" or "blob" || url.Authority == app.HttpsAddress.Authority)
                {
                    await route.ContinueAsync();
                }
                else
                {
                    elsewhere.Add(route.Request.Url);
                    await route.AbortAsync();
                }
            });
            var page = await context.NewPageAsync();
            page.RequestFailed += (_, request) => failed.Add(request.Url);
            page.Response += (_, response) =>
            {
                if (response.Status >= 400)
                {
                    failed.Add($"{response.Status} {response.Url}");
                }
            };

            await page.GotoAsync("/api/v1/reference/");

            // The operations of the document are rendered (by their summaries), the first one in view.
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Verify a license key." }).First)
                .ToBeVisibleAsync(new() { Timeout = 30_000 });
            // The other groups of operations are listed (Scalar renders their operations when opened).
            foreach (var tag in new[] { "Licenses", "Products", "Signing keys", "API keys" })
            {
                await Assertions.Expect(page.GetByText(tag, new() { Exact = true }).First).ToBeAttachedAsync();
            }

            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            // Deferred calls (telemetry, fonts) would come after the first render: give them the time to.
            await page.WaitForTimeoutAsync(2_000);

            Assert.Empty(elsewhere);
            Assert.Empty(failed);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    [GeneratedRegex("""(?:src|href)="(?<url>[^"]+)" """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex Reference();

    // Any http(s) URL at all: the page has no business naming another host, and names its own only relatively.
    [GeneratedRegex("""https?://[A-Za-z0-9.\-\[\]:]+""")]
    private static partial Regex AbsoluteUrl();
}

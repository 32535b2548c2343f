using System.Net;
using System.Text.RegularExpressions;
using Licenz.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Licenz.Server.Tests.Dashboard;

/// <summary>"Generate API keys from the Dashboard → Settings → API Keys", in a real headless Chromium.</summary>
public sealed class DashboardTests(LicenzApplication app) : IClassFixture<LicenzApplication>, IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async ValueTask InitializeAsync() => (_playwright, _browser) = await Chromium.LaunchAsync();

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    private async Task<IPage> NewPageAsync()
    {
        // The server's certificate is self-signed for localhost; the API tests pin it, the browser just accepts it.
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            IgnoreHTTPSErrors = true,
            BaseURL = app.HttpsAddress.ToString().TrimEnd('/'),
        });
        return await context.NewPageAsync();
    }

    private static async Task SignInAsync(IPage page, string key)
    {
        await page.GotoAsync("/dashboard");
        Assert.EndsWith("/dashboard/login?ReturnUrl=%2Fdashboard", page.Url);
        await page.GetByLabel("Admin API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    /// <summary>Signing in redirects to the dashboard; the click does not wait for that navigation, so this waits for it.</summary>
    private static Task ExpectSignedInAsync(IPage page) =>
        Assertions.Expect(page).ToHaveURLAsync(new Regex("/dashboard$"));

    [Fact]
    public async Task AdminCreatesAVerifyOnlyKeyInSettingsApiKeysAndRevokesIt()
    {
        var page = await NewPageAsync();
        await SignInAsync(page, app.AdminKey);
        await ExpectSignedInAsync(page);

        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Settings", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "API Keys" })).ToBeVisibleAsync();

        await page.GetByLabel("Name").FillAsync("Desktop app 2.x");
        await page.GetByLabel("Type").SelectOptionAsync("verify_only");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();

        var secret = (await page.GetByTestId("new-key").TextContentAsync())!.Trim();
        Assert.StartsWith("lz_verify_", secret);

        // The new key works against the API, for what a verify-only key may do.
        using (var client = app.CreateClient(secret))
        {
            var verify = await client.PostJsonAsync("licenses/verify", new { key = "LIC-00000-00000-00000" });
            Assert.Equal(HttpStatusCode.OK, verify.StatusCode);
            var list = await client.GetAsync("licenses");
            await list.ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        }

        // Shown once: reloading neither shows the secret again nor creates a second key.
        await page.ReloadAsync();
        var html = await page.ContentAsync();
        Assert.DoesNotContain(secret, html);
        var row = page.Locator("tr", new() { HasText = "Desktop app 2.x" });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row).ToContainTextAsync(secret[..("lz_verify_".Length + 12)]);
        await Assertions.Expect(row).ToContainTextAsync("active");

        await row.GetByRole(AriaRole.Button, new() { Name = "Revoke Desktop app 2.x" }).ClickAsync();
        await Assertions.Expect(page.Locator("tr", new() { HasText = "Desktop app 2.x" })).ToContainTextAsync("revoked");

        using (var client = app.CreateClient(secret))
        {
            var after = await client.PostJsonAsync("licenses/verify", new { key = "LIC-00000-00000-00000" });
            await after.ErrorAsync(HttpStatusCode.Unauthorized, "invalid_api_key");
        }
    }

    [Fact]
    public async Task AKeyWithAnExpiryDateIsCreatedWithTheApisRulesAndAPastDateIsRefusedOnTheForm()
    {
        var page = await NewPageAsync();
        await SignInAsync(page, app.AdminKey);
        await ExpectSignedInAsync(page);
        await page.GotoAsync("/dashboard/settings/api-keys");

        // The API's rule, in the form: an expiry in the past is refused and nothing is created.
        await page.GetByLabel("Name").FillAsync("Expired before it began");
        await page.GetByLabel("Type").SelectOptionAsync("read_only");
        await page.GetByLabel("Expires on (optional, UTC)").FillAsync("2020-01-31");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("'expires_at' must be in the future");
        await Assertions.Expect(page.Locator("tr", new() { HasText = "Expired before it began" })).ToHaveCountAsync(0);

        await page.GetByLabel("Name").FillAsync("Quarterly report");
        await page.GetByLabel("Expires on (optional, UTC)").FillAsync("2030-01-31");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        var secret = (await page.GetByTestId("new-key").TextContentAsync())!.Trim();
        Assert.StartsWith("lz_read_", secret);

        // The date reached the command as a date: the key expires at the start of that day, UTC.
        using var admin = app.CreateAdminClient();
        var keys = await (await admin.GetAsync("api-keys?limit=100")).BodyAsync();
        var key = keys.GetProperty("data").EnumerateArray().Single(k => k.Str("name") == "Quarterly report");
        Assert.Equal("read_only", key.Str("type"));
        Assert.Equal("2030-01-31T00:00:00Z", key.Str("expires_at"));
    }

    [Fact]
    public async Task OnlyAnActiveAdminKeyOpensTheDashboard()
    {
        using var admin = app.CreateAdminClient();
        var readOnly = await (await admin.PostJsonAsync("api-keys", new { type = "read_only", name = "reports" })).DataAsync(HttpStatusCode.Created);

        var page = await NewPageAsync();
        await SignInAsync(page, readOnly.Str("key"));
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("needs an admin API key");

        await page.GetByLabel("Admin API key").FillAsync("lz_admin_" + new string('x', 40));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("invalid or expired");

        var response = await page.GotoAsync("/dashboard/settings/api-keys");
        Assert.Contains("/dashboard/login", page.Url);
        Assert.NotNull(response);
    }

    [Fact]
    public async Task RevokingTheSessionsOwnKeyThroughTheApiEndsTheSession()
    {
        using var admin = app.CreateAdminClient();
        var created = await (await admin.PostJsonAsync("api-keys", new { type = "admin", name = "short-lived admin" })).DataAsync(HttpStatusCode.Created);

        var page = await NewPageAsync();
        await SignInAsync(page, created.Str("key"));
        await ExpectSignedInAsync(page);

        var cookies = await page.Context.CookiesAsync();
        var session = Assert.Single(cookies, c => c.Name == "licenz_session");
        Assert.True(session.HttpOnly);
        Assert.True(session.Secure);
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);

        var revoke = await admin.DeleteAsync($"api-keys/{created.Str("id")}");
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);

        await page.GotoAsync("/dashboard/settings/api-keys");
        Assert.Contains("/dashboard/login", page.Url);
    }

    [Fact]
    public async Task DashboardPagesForbidScriptsAndFraming()
    {
        var page = await NewPageAsync();
        var response = await page.GotoAsync("/dashboard/login");
        Assert.NotNull(response);
        var headers = await response.AllHeadersAsync();
        Assert.Contains("default-src 'none'", headers["content-security-policy"]);
        Assert.Contains("frame-ancestors 'none'", headers["content-security-policy"]);
        Assert.Equal("DENY", headers["x-frame-options"]);
        Assert.Equal(0, await page.Locator("script").CountAsync());
    }
}

using System.Text.RegularExpressions;
using Licenz.Server.Dashboard;
using Licenz.Server.Dashboard.Members;
using Licenz.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Licenz.Tests.Shared;
using Microsoft.Playwright;

namespace Licenz.Server.Tests.Infrastructure;

/// <summary>
/// A headless Chromium on the test server's dashboard, and the ways members come to be: an invitation link made as an
/// owner's (or <c>create-dashboard-user</c>) would be, opened and completed in the browser. Screenshots go to
/// <c>TestResults/dashboard-screenshots</c> under the test's output folder.
/// </summary>
public sealed class DashboardBrowser(LicenzHost app) : IAsyncDisposable
{
    public const string Password = "correct horse battery staple";

    public static readonly (string Name, int Width, int Height)[] Widths = [("laptop", 1366, 860), ("phone", 390, 844)];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard-screenshots");

    public async Task<IPage> NewPageAsync(int width = 1366, int height = 860)
    {
        if (_browser is null)
        {
            (_playwright, _browser) = await Chromium.LaunchAsync();
        }

        // The server's certificate is self-signed for localhost; the API tests pin it, the browser just accepts it.
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            IgnoreHTTPSErrors = true,
            BaseURL = app.HttpsAddress.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        await context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        var page = await context.NewPageAsync();

        // Destructive forms ask first (dashboard.js): the test answers yes.
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        return page;
    }

    /// <summary>An invitation link for <paramref name="email"/> into <paramref name="accountId"/> (the default account when null).</summary>
    public async Task<string> InvitationLinkAsync(string email, MemberRole role, string? accountId = null)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        accountId ??= await db.Accounts.Where(a => a.IsDefault).Select(a => a.Id).SingleAsync();
        var (_, token) = MemberInvitations.Issue(db, app.Time, accountId, email, role, invitedBy: null, MemberInvitations.InvitationLifetime);
        await db.SaveChangesAsync();
        return MemberInvitations.LinkPath + token;
    }

    /// <summary>Opens the link, chooses the password, and lands signed in on the overview.</summary>
    public static async Task JoinAsync(IPage page, string link, string? email = null, string password = Password)
    {
        await page.GotoAsync(link);
        if (email is not null && await page.GetByLabel("Email").GetAttributeAsync("readonly") is null)
        {
            await page.GetByLabel("Email").FillAsync(email);
        }

        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByLabel("Password again").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Join and sign in" }).ClickAsync();
        await ExpectOverviewAsync(page);
    }

    /// <summary>A new member of <paramref name="role"/>, signed in on a new page.</summary>
    public async Task<(IPage Page, string Email)> MemberAsync(MemberRole role, string? accountId = null)
    {
        var email = $"{DashboardSetup.RoleName(role).Replace('_', '-')}-{Guid.NewGuid():N}@example.com";
        var page = await NewPageAsync();
        await JoinAsync(page, await InvitationLinkAsync(email, role, accountId));
        return (page, email);
    }

    public static async Task SignInAsync(IPage page, string email, string password = Password)
    {
        await page.GotoAsync("/dashboard/login");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    public static async Task SignOutAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/dashboard/login$"));
    }

    /// <summary>Signing in redirects; a click does not wait for that navigation, so this waits for it.</summary>
    public static Task ExpectOverviewAsync(IPage page) => Assertions.Expect(page).ToHaveURLAsync(new Regex("/dashboard$"));

    /// <summary>Saves the page as it looks now, at its width, as <c>&lt;name&gt;-&lt;width&gt;.png</c>.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        var width = page.ViewportSize?.Width ?? 0;
        var label = Widths.FirstOrDefault(w => w.Width == width).Name ?? $"{width}px";
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, $"{name}-{label}.png"), FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}

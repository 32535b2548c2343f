using System.Net;
using System.Text.RegularExpressions;
using Licenz.Server.Dashboard;
using Licenz.Server.Dashboard.Members;
using Licenz.Server.Data;
using Licenz.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OtpNet;

namespace Licenz.Server.Tests.Dashboard;

/// <summary>
/// The dashboard for people, in a real headless Chromium: the first owner's setup link, sign-in with a password and an
/// authenticator app, lockout, invitations and roles, and Settings → API Keys ("Generate API keys from the Dashboard").
/// </summary>
public sealed class DashboardTests(LicenzApplication app) : IClassFixture<LicenzApplication>, IAsyncDisposable
{
    private readonly DashboardBrowser _browser = new(app);

    public ValueTask DisposeAsync() => _browser.DisposeAsync();

    [Fact]
    public async Task TheSetupLinkPrintedAtTheFirstStartMakesTheFirstOwnerOnce()
    {
        var link = app.Output.SetupLink;
        Assert.NotNull(link);
        Assert.StartsWith(app.HttpsAddress.ToString().TrimEnd('/') + "/dashboard/setup/", link, StringComparison.Ordinal);

        var page = await _browser.NewPageAsync();
        await page.GotoAsync(link);
        await Assertions.Expect(page.GetByText("You are joining as owner")).ToBeVisibleAsync();
        await DashboardBrowser.ScreenshotAsync(page, "setup");

        // Two different passwords: refused next to the form, nothing made, the link still open.
        await page.GetByLabel("Email").FillAsync("founder@example.com");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(DashboardBrowser.Password);
        await page.GetByLabel("Password again").FillAsync(DashboardBrowser.Password + "!");
        await page.GetByRole(AriaRole.Button, new() { Name = "Join and sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The two passwords differ");

        // Too short: Identity's rule, in words.
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("short");
        await page.GetByLabel("Password again").FillAsync("short");
        await page.EvalOnSelectorAllAsync("input[minlength]", "inputs => inputs.forEach(i => i.removeAttribute('minlength'))");
        await page.GetByRole(AriaRole.Button, new() { Name = "Join and sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("at least 12 characters");

        await DashboardBrowser.JoinAsync(page, link, "founder@example.com");
        await Assertions.Expect(page.GetByRole(AriaRole.Navigation)).ToContainTextAsync("Members");

        var session = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == "licenz_session");
        Assert.True(session.HttpOnly);
        Assert.True(session.Secure);
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);

        // Once: the same link now says so, and makes nobody.
        var again = await _browser.NewPageAsync();
        var response = await again.GotoAsync(link);
        Assert.Equal(404, response!.Status);
        await Assertions.Expect(again.GetByRole(AriaRole.Heading)).ToHaveTextAsync("This link does not work any more");

        // The owner signs in again with the password chosen.
        await DashboardBrowser.SignOutAsync(page);
        await DashboardBrowser.SignInAsync(page, "founder@example.com");
        await DashboardBrowser.ExpectOverviewAsync(page);

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        var founder = await db.Members.IgnoreQueryFilters().SingleAsync(m => m.Email == "founder@example.com");
        Assert.Equal(MemberRole.Owner, founder.Role);
        Assert.DoesNotContain(DashboardBrowser.Password, founder.PasswordHash);
        Assert.StartsWith("AQAAAA", founder.PasswordHash, StringComparison.Ordinal); // Identity's v3 hash: PBKDF2 with a salt
    }

    [Fact]
    public async Task AWrongPasswordIsRefusedAndFiveInARowLockTheMemberOut()
    {
        var (page, email) = await _browser.MemberAsync(MemberRole.Support);
        await DashboardBrowser.SignOutAsync(page);

        await DashboardBrowser.SignInAsync(page, email, "not the password at all");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("do not match");
        await DashboardBrowser.ScreenshotAsync(page, "sign-in-error");

        // An unknown email gets the same answer: the form does not tell who is a member.
        await DashboardBrowser.SignInAsync(page, "nobody-" + email);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("do not match");

        for (var attempt = 2; attempt <= DashboardSetup.MaxFailedSignIns; attempt++)
        {
            await DashboardBrowser.SignInAsync(page, email, $"wrong guess number {attempt}");
        }

        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("locked out");

        // Locked out: the right password does not open it now either.
        await DashboardBrowser.SignInAsync(page, email);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("locked out");
        Assert.EndsWith("/dashboard/login", page.Url);

        // The attempts are in the event log, with no actor (nobody was signed in); attempts while locked out write nothing.
        var events = await MemberEventsAsync(email);
        Assert.Equal(
            ["member.joined", "member.signed_in", .. Enumerable.Repeat("member.sign_in_failed", DashboardSetup.MaxFailedSignIns - 1), "member.locked_out"],
            events.Select(e => e.Type));
        Assert.All(events.Skip(2), e => Assert.Null(e.ActorKeyId));
        Assert.DoesNotContain("password", events[^1].Data, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AnApiKeyNoLongerSignsAnyoneIn()
    {
        var page = await _browser.NewPageAsync();
        await page.GotoAsync("/dashboard");
        Assert.Contains("/dashboard/login", page.Url);
        await Assertions.Expect(page.GetByLabel("Admin API key")).ToHaveCountAsync(0);

        await DashboardBrowser.SignInAsync(page, "admin@example.com", app.AdminKey);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("do not match");
    }

    [Fact]
    public async Task AnOwnerInvitesASupportMemberWhoCannotOpenApiKeysOrMembers()
    {
        var (owner, _) = await _browser.MemberAsync(MemberRole.Owner);
        await owner.GotoAsync("/dashboard/settings/members");
        var email = $"desk-{Guid.NewGuid():N}@example.com";
        await owner.GetByLabel("Email").FillAsync(email);
        await owner.GetByLabel("Role", new() { Exact = true }).SelectOptionAsync("support");
        await owner.GetByRole(AriaRole.Button, new() { Name = "Create invitation link" }).ClickAsync();
        var link = (await owner.GetByTestId("invitation-link").TextContentAsync())!.Trim();
        Assert.StartsWith(app.HttpsAddress.ToString().TrimEnd('/') + "/dashboard/setup/", link, StringComparison.Ordinal);
        await Assertions.Expect(owner.Locator("tr", new() { HasText = email })).ToContainTextAsync("support");
        await DashboardBrowser.ScreenshotAsync(owner, "members");

        // Shown once.
        await owner.ReloadAsync();
        await Assertions.Expect(owner.GetByTestId("invitation-link")).ToHaveCountAsync(0);

        var support = await _browser.NewPageAsync();
        await DashboardBrowser.JoinAsync(support, link);
        var nav = support.GetByRole(AriaRole.Navigation);
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "API Keys" })).ToHaveCountAsync(0);
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Members" })).ToHaveCountAsync(0);

        foreach (var path in new[] { "/dashboard/settings/api-keys", "/dashboard/settings/members" })
        {
            await support.GotoAsync(path);
            await Assertions.Expect(support.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Not for your role");
        }

        // A form posted anyway is refused as well, and nothing is made.
        var token = await support.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");
        var posted = await support.APIRequest.PostAsync("/dashboard/settings/api-keys?handler=create", new()
        {
            Form = support.Context.APIRequest.CreateFormData().Set("Name", "sneaky").Set("Type", "admin").Set("__RequestVerificationToken", token!),
            MaxRedirects = 0,
        });
        Assert.Equal(302, posted.Status);
        Assert.Contains("/dashboard/forbidden", posted.Headers["location"]);
        using var admin = app.CreateAdminClient();
        var keys = await (await admin.GetAsync("api-keys?limit=100")).BodyAsync();
        Assert.DoesNotContain(keys.GetProperty("data").EnumerateArray(), k => k.Str("name") == "sneaky");
    }

    [Fact]
    public async Task AFormPostedWithoutItsAntiforgeryTokenIsRefusedAndChangesNothing()
    {
        var (page, _) = await _browser.MemberAsync(MemberRole.Owner);

        // The member's own session cookie, but no token: what a page on another site could make the browser send.
        var posted = await page.APIRequest.PostAsync("/dashboard/settings/api-keys?handler=create", new()
        {
            Form = page.Context.APIRequest.CreateFormData().Set("Name", "forged").Set("Type", "admin"),
            MaxRedirects = 0,
        });

        Assert.Equal(400, posted.Status);
        using var admin = app.CreateAdminClient();
        var keys = await (await admin.GetAsync("api-keys?limit=100")).BodyAsync();
        Assert.DoesNotContain(keys.GetProperty("data").EnumerateArray(), k => k.Str("name") == "forged");
    }

    [Fact]
    public async Task ChangingThePasswordSignsOutEveryOtherSession()
    {
        var (first, email) = await _browser.MemberAsync(MemberRole.ReadOnly);
        var second = await _browser.NewPageAsync();
        await DashboardBrowser.SignInAsync(second, email);
        await DashboardBrowser.ExpectOverviewAsync(second);

        await first.GotoAsync("/dashboard/account");
        await first.GetByLabel("Current password").FillAsync("a wrong current password");
        await first.GetByLabel("New password (at least 12 characters)").FillAsync("a brand new passphrase");
        await first.GetByLabel("New password again").FillAsync("a brand new passphrase");
        await first.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Assertions.Expect(first.GetByRole(AriaRole.Alert)).ToContainTextAsync("The current password is not right");

        await first.GetByLabel("Current password").FillAsync(DashboardBrowser.Password);
        await first.GetByLabel("New password (at least 12 characters)").FillAsync("a brand new passphrase");
        await first.GetByLabel("New password again").FillAsync("a brand new passphrase");
        await first.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Assertions.Expect(first.GetByRole(AriaRole.Status)).ToContainTextAsync("Every other session of yours has been signed out");

        // This session goes on; the other one is over.
        await first.GotoAsync("/dashboard");
        await DashboardBrowser.ExpectOverviewAsync(first);
        await second.GotoAsync("/dashboard");
        Assert.Contains("/dashboard/login", second.Url);

        await DashboardBrowser.SignInAsync(second, email);
        await Assertions.Expect(second.GetByRole(AriaRole.Alert)).ToContainTextAsync("do not match");
        await DashboardBrowser.SignInAsync(second, email, "a brand new passphrase");
        await DashboardBrowser.ExpectOverviewAsync(second);
    }

    [Fact]
    public async Task AnAuthenticatorAppBecomesTheSecondFactorAndEachRecoveryCodeWorksOnce()
    {
        var (page, email) = await _browser.MemberAsync(MemberRole.Admin);
        await page.GotoAsync("/dashboard/account");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set up an authenticator app" }).ClickAsync();
        await Assertions.Expect(page.GetByAltText("QR code for your authenticator app")).ToBeVisibleAsync();
        await DashboardBrowser.ScreenshotAsync(page, "two-factor");
        var key = (await page.GetByTestId("authenticator-key").TextContentAsync())!.Trim();

        await page.GetByLabel("Code from the app").FillAsync("000000" == Code(key) ? "111111" : "000000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn on two-factor sign-in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("That code is not right");

        await page.GetByLabel("Code from the app").FillAsync(Code(key));
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn on two-factor sign-in" }).ClickAsync();
        var codes = (await page.GetByTestId("recovery-codes").TextContentAsync())!.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(10, codes.Length);

        // The secrets at rest: the key sealed, the codes hashed.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
            var member = await db.Members.IgnoreQueryFilters().AsNoTracking().SingleAsync(m => m.Email == email);
            Assert.True(member.TwoFactorEnabled);
            Assert.DoesNotContain(key, System.Text.Encoding.UTF8.GetString(member.AuthenticatorKey!));
            Assert.All(codes, code => Assert.DoesNotContain(code, member.RecoveryCodeHashes));
        }

        // A password alone no longer opens the dashboard: the code does.
        await DashboardBrowser.SignOutAsync(page);
        await DashboardBrowser.SignInAsync(page, email);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/dashboard/login/two-factor"));
        await page.GotoAsync("/dashboard");
        Assert.Contains("/dashboard/login", page.Url);
        await DashboardBrowser.SignInAsync(page, email);
        await page.GetByLabel("Code from your authenticator app, or a recovery code").FillAsync(Code(key));
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
        await DashboardBrowser.ExpectOverviewAsync(page);

        // A recovery code works once.
        for (var use = 0; use < 2; use++)
        {
            await DashboardBrowser.SignOutAsync(page);
            await DashboardBrowser.SignInAsync(page, email);
            await page.GetByLabel("Code from your authenticator app, or a recovery code").FillAsync(codes[0]);
            await page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
            if (use == 0)
            {
                await DashboardBrowser.ExpectOverviewAsync(page);
            }
            else
            {
                await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("That code is not right");
            }
        }

        // Wrong codes count until a whole sign-in succeeds: typing the password again does not buy another run of
        // guesses at the code. One wrong code was typed above; three more, the password again, and the fifth locks.
        var wrong = Code(key) == "000000" ? "111111" : "000000";
        for (var guess = 2; guess <= DashboardSetup.MaxFailedSignIns; guess++)
        {
            if (guess == DashboardSetup.MaxFailedSignIns)
            {
                await DashboardBrowser.SignInAsync(page, email);
                await Assertions.Expect(page).ToHaveURLAsync(new Regex("/dashboard/login/two-factor"));
            }

            await page.GetByLabel("Code from your authenticator app, or a recovery code").FillAsync(wrong);
            await page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
        }

        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("locked out");

        var types = (await MemberEventsAsync(email)).Select(e => e.Type).ToList();
        Assert.Equal(1, types.Count(t => t == "member.two_factor_enabled"));
        Assert.Equal(1, types.Count(t => t == "member.recovery_code_used"));
        Assert.Equal("member.locked_out", types[^1]);
    }

    [Fact]
    public async Task ARemovedMemberIsSignedOutAndTheLastOwnerStaysOwner()
    {
        var accountId = (await app.CreateAccountAsync("Members-" + Guid.NewGuid().ToString("N")[..8])).AccountId;
        var (owner, ownerEmail) = await _browser.MemberAsync(MemberRole.Owner, accountId);
        var (reader, readerEmail) = await _browser.MemberAsync(MemberRole.ReadOnly, accountId);

        await owner.GotoAsync("/dashboard/settings/members");
        // Only this account's members are listed.
        await Assertions.Expect(owner.Locator("tbody tr[data-member-id]")).ToHaveCountAsync(2);

        // The last owner cannot stop being one.
        var self = owner.Locator("tr", new() { HasText = ownerEmail });
        await self.GetByLabel($"Role of {ownerEmail}").SelectOptionAsync("admin");
        await self.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(owner.GetByRole(AriaRole.Alert)).ToContainTextAsync("at least one owner");

        var readerId = await MemberIdAsync(readerEmail);
        await owner.Locator("tr", new() { HasText = readerEmail }).GetByRole(AriaRole.Button, new() { Name = $"Remove {readerEmail}" }).ClickAsync();
        await Assertions.Expect(owner.GetByRole(AriaRole.Status)).ToContainTextAsync("was removed");
        await reader.GotoAsync("/dashboard");
        Assert.Contains("/dashboard/login", reader.Url);

        // Both are events of the account, naming the owner who did them; the log shows no secret of the member.
        var ownerId = await MemberIdAsync(ownerEmail);
        var events = await EventsOfAsync(readerId);
        Assert.Equal(["member.joined", "member.signed_in", "member.removed"], events.Select(e => e.Type));
        Assert.All(events, e => Assert.Equal(accountId, e.AccountId));
        Assert.Equal(ownerId, events[^1].ActorKeyId);
        Assert.Contains("\"role\":\"read_only\"", events[^1].Data);
        Assert.DoesNotContain("security_stamp", events[^1].Data);
        Assert.DoesNotContain("hash", events[^1].Data);
        Assert.DoesNotContain("key", events[^1].Data);
    }

    [Fact]
    public async Task AnAdminCreatesAVerifyOnlyKeySeesItOnceUsesItOverHttpsAndRevokesIt()
    {
        var (page, _) = await _browser.MemberAsync(MemberRole.Admin);

        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "API Keys", Exact = true }).ClickAsync();
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
        var (page, _) = await _browser.MemberAsync(MemberRole.Owner);
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
    public async Task DashboardPagesRunOnlyTheirOwnScriptAndStylesAndForbidFraming()
    {
        var (page, _) = await _browser.MemberAsync(MemberRole.Owner);
        foreach (var path in new[] { "/dashboard/login", "/dashboard", "/dashboard/account", "/dashboard/settings/api-keys", "/dashboard/settings/members" })
        {
            var response = await page.GotoAsync(path);
            var headers = await response!.AllHeadersAsync();
            var policy = headers["content-security-policy"];
            Assert.Contains("default-src 'none'", policy);
            Assert.Contains("script-src 'self';", policy);
            Assert.DoesNotContain("unsafe-inline", policy);
            Assert.Contains("frame-ancestors 'none'", policy);
            Assert.Equal("DENY", headers["x-frame-options"]);

            // No inline script or style to need 'unsafe-inline': scripts come from files, no element has a style attribute.
            Assert.Equal(0, await page.Locator("script:not([src])").CountAsync());
            Assert.Equal(0, await page.Locator("[style]").CountAsync());
            Assert.Equal(0, await page.Locator("style").CountAsync());
        }
    }

    /// <summary>The authenticator app's current code (RFC 6238: SHA-1, 6 digits, 30 s).</summary>
    /// <summary>The events of the member with <paramref name="email"/>, oldest first.</summary>
    private async Task<List<Licenz.Server.Events.LicenzEvent>> MemberEventsAsync(string email) => await EventsOfAsync(await MemberIdAsync(email));

    private async Task<string> MemberIdAsync(string email)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        return await db.Members.IgnoreQueryFilters().Where(m => m.Email == email).Select(m => m.Id).SingleAsync();
    }

    private async Task<List<Licenz.Server.Events.LicenzEvent>> EventsOfAsync(string resourceId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        return await db.Events.IgnoreQueryFilters().AsNoTracking().Where(e => e.ResourceId == resourceId).OrderBy(e => e.Id).ToListAsync();
    }

    private static string Code(string key) => new Totp(Base32Encoding.ToBytes(key.Replace(" ", ""))).ComputeTotp();
}

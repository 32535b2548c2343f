using System.Net;
using System.Text.RegularExpressions;
using Licenz.Server.Dashboard.Members;
using Licenz.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Licenz.Server.Tests.Dashboard;

/// <summary>
/// A support desk's day in a real headless Chromium, checked against the API over HTTPS: a product, a policy and a
/// license made in the browser, the license found by email, a machine activated through the API and freed in the
/// browser, a support member suspending a license, the 30-day counts. Every page is saved as a screenshot at laptop
/// and phone width (TestResults/dashboard-screenshots).
/// </summary>
public sealed class DashboardPagesTests(LicenzApplication app) : IClassFixture<LicenzApplication>, IAsyncDisposable
{
    private readonly DashboardBrowser _browser = new(app);

    public ValueTask DisposeAsync() => _browser.DisposeAsync();

    [Fact]
    public async Task AProductPolicyAndLicenseMadeInTheBrowserTakeAMachineThroughTheApiAndTheBrowserFreesItsSeat()
    {
        var (page, _) = await _browser.MemberAsync(MemberRole.Admin);

        // A product, then a node-locked policy of two machines, in the browser.
        await page.GotoAsync("/dashboard/products");
        await page.GetByLabel("Name").FillAsync("Photon Editor");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create product" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Photon Editor");
        var productId = Regex.Match(page.Url, "prod_[a-z0-9]+").Value;

        // Bad input is refused beside its field, and nothing is made.
        await page.GetByLabel("Name").FillAsync("Two seats");
        await page.GetByLabel("Most machines (empty: no limit)").FillAsync("-1");
        await page.EvalOnSelectorAllAsync("input[min]", "inputs => inputs.forEach(i => i.removeAttribute('min'))");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create policy" }).ClickAsync();
        await Assertions.Expect(page.Locator(".field-error")).ToContainTextAsync("max_machines");
        await Assertions.Expect(page.Locator("tr", new() { HasText = "Two seats" })).ToHaveCountAsync(0);

        await page.GetByLabel("Most machines (empty: no limit)").FillAsync("2");
        await page.GetByLabel("Duration in days (empty: perpetual)").FillAsync("365");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create policy" }).ClickAsync();
        await Assertions.Expect(page.Locator("tr", new() { HasText = "Two seats" })).ToContainTextAsync("2");

        // A license under it, for a customer.
        var email = $"ana-{Guid.NewGuid():N}@example.com";
        await page.GotoAsync("/dashboard/licenses");
        await page.GetByLabel("Customer email").FillAsync(email);
        await page.GetByLabel("Product · policy").SelectOptionAsync(new SelectOptionValue { Label = "Photon Editor · Two seats" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Create license" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(email);
        var key = (await page.GetByTestId("license-key").TextContentAsync())!.Trim();

        // Found again by the email, as support would.
        await page.GotoAsync("/dashboard");
        await page.GetByLabel("Find a license by key, email or id").FillAsync(email.ToUpperInvariant());
        await page.GetByRole(AriaRole.Button, new() { Name = "Find" }).ClickAsync();
        await Assertions.Expect(page.Locator("tbody tr")).ToHaveCountAsync(1);
        await page.Locator("tbody tr a").ClickAsync();
        await Assertions.Expect(page.GetByTestId("license-key")).ToHaveTextAsync(key);

        // The application activates a machine through the API; the license page shows it.
        using var admin = app.CreateAdminClient();
        var fingerprint = "fp-laptop-" + Guid.NewGuid().ToString("N");
        var machine = await (await admin.PostJsonAsync("machines", new { key, fingerprint, name = "Ana's laptop", platform = "macOS" }))
            .DataAsync(HttpStatusCode.Created);
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("machines-count")).ToContainTextAsync("1 of 2");
        await Assertions.Expect(page.Locator("tr", new() { HasText = "Ana's laptop" })).ToContainTextAsync("macOS");

        // "Why does it not verify on my new PC?": the same decision as the API, rule by rule.
        await page.GetByLabel("Fingerprint (optional)").FillAsync("fp-some-other-pc");
        await page.GetByRole(AriaRole.Button, new() { Name = "Check now" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("verdict")).ToContainTextAsync("FINGERPRINT_SCOPE_MISMATCH");
        await Assertions.Expect(page.Locator("tr[data-rule=fingerprint]")).ToContainTextAsync("failed");
        await Assertions.Expect(page.Locator("tr[data-rule=status]")).ToContainTextAsync("passed");
        await page.GetByLabel("Fingerprint (optional)").FillAsync(fingerprint);
        await page.GetByRole(AriaRole.Button, new() { Name = "Check now" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("verdict")).ToContainTextAsync("VALID");
        using (var verifier = app.CreateAdminClient())
        {
            var verdict = await (await verifier.PostJsonAsync("licenses/verify", new { key, fingerprint })).DataAsync();
            Assert.Equal("VALID", verdict.Str("code"));

            // The page keeps what the application was answered when it was refused (a plain VALID keeps nothing).
            await app.FlushActivityAsync();
            await page.ReloadAsync();
            await Assertions.Expect(page.GetByTestId("no-refusals")).ToBeVisibleAsync();
            var refused = await (await verifier.PostJsonAsync("licenses/verify", new { key, fingerprint = "fp-the-new-pc", entitlements = new[] { "EXPORT" } })).DataAsync();
            Assert.Equal("FINGERPRINT_SCOPE_MISMATCH", refused.Str("code"));
            await app.FlushActivityAsync();
            await page.ReloadAsync();
            var refusal = page.GetByTestId("refusal");
            await Assertions.Expect(refusal).ToHaveCountAsync(1);
            await Assertions.Expect(refusal).ToHaveAttributeAsync("data-code", "FINGERPRINT_SCOPE_MISMATCH");
            await refusal.Locator("summary").ClickAsync();
            await Assertions.Expect(refusal).ToContainTextAsync("fp-the-new-pc");
            await Assertions.Expect(refusal).ToContainTextAsync("EXPORT");
            await Assertions.Expect(refusal.Locator("tr[data-rule=fingerprint]")).ToContainTextAsync("failed");
            await Assertions.Expect(refusal.Locator("tr[data-rule=status]")).ToContainTextAsync("passed");
            await Assertions.Expect(refusal.Locator("tr[data-rule]")).ToHaveCountAsync(refused.GetProperty("checks").GetArrayLength());
        }

        // A license file bound to that machine downloads, signed, and names it.
        var download = await page.RunAndWaitForDownloadAsync(async () =>
        {
            await page.GetByLabel("Machine").SelectOptionAsync(new SelectOptionValue { Label = "Ana's laptop" });
            await page.GetByRole(AriaRole.Button, new() { Name = "Download license file" }).ClickAsync();
        });
        Assert.EndsWith(".lic", download.SuggestedFilename);
        var file = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Contains("-----BEGIN LICENZ LICENSE-----", file);

        // Deactivated in the browser: the API sees the seat free and the machine gone.
        await page.GetByRole(AriaRole.Button, new() { Name = "Deactivate Ana's laptop" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("seat is free");
        var license = await (await admin.GetAsync($"licenses/{key}")).DataAsync();
        Assert.Equal(0, license.GetProperty("machines_count").GetInt32());
        await (await admin.GetAsync($"machines/{machine.Str("id")}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        // The history names who did what: the member's deactivation among the events.
        await Assertions.Expect(page.Locator("tr", new() { HasText = "machine.deleted" })).ToContainTextAsync("mem_");
        await Assertions.Expect(page.Locator("dl.facts").First).ToContainTextAsync("Photon Editor · Two seats");

        // The product's page links to its licenses.
        await page.GotoAsync($"/dashboard/products/{productId}");
        await page.GetByRole(AriaRole.Link, new() { Name = "its licenses" }).ClickAsync();
        await Assertions.Expect(page.Locator("tbody tr")).ToContainTextAsync(email);
    }

    [Fact]
    public async Task ASupportMemberSuspendsALicenseTheApiThenRefusesButCannotCreateProducts()
    {
        using var admin = app.CreateAdminClient();
        var product = await (await admin.PostJsonAsync("products", new { name = "Support desk product " + Guid.NewGuid().ToString("N")[..6] })).DataAsync(HttpStatusCode.Created);
        var created = await (await admin.PostJsonAsync("licenses", new { product_id = product.Str("id"), email = "customer@example.com", type = "subscription" }))
            .DataAsync(HttpStatusCode.Created);

        var (support, _) = await _browser.MemberAsync(MemberRole.Support);
        await support.GotoAsync($"/dashboard/licenses/{created.Str("id")}");
        await support.GetByRole(AriaRole.Button, new() { Name = "Suspend" }).ClickAsync();
        await Assertions.Expect(support.GetByTestId("license-status")).ToHaveTextAsync("suspended");

        using var verifier = app.CreateClient((await (await admin.PostJsonAsync("api-keys", new { type = "verify_only", name = "app" })).DataAsync(HttpStatusCode.Created)).Str("key"));
        var verdict = await (await verifier.PostJsonAsync("licenses/verify", new { key = created.Str("key") })).DataAsync();
        Assert.False(verdict.GetProperty("valid").GetBoolean());
        Assert.Equal("SUSPENDED", verdict.Str("code"));

        // The event names the member who did it.
        var events = await (await admin.GetAsync($"events?resource_id={created.Str("id")}")).DataAsync();
        Assert.Contains(events.EnumerateArray(), e => e.Str("type") == "license.suspended" && e.Str("actor_key_id").StartsWith("mem_", StringComparison.Ordinal));

        // Products are an admin's: no form for support, and a post is refused.
        await support.GotoAsync("/dashboard/products");
        await Assertions.Expect(support.GetByRole(AriaRole.Button, new() { Name = "Create product" })).ToHaveCountAsync(0);
        var token = await support.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");
        var posted = await support.APIRequest.PostAsync("/dashboard/products?handler=create", new()
        {
            Form = support.Context.APIRequest.CreateFormData().Set("Name", "Not allowed").Set("__RequestVerificationToken", token!),
            MaxRedirects = 0,
        });
        Assert.NotEqual(200, posted.Status);
        var products = await (await admin.GetAsync("products?limit=100")).DataAsync();
        Assert.DoesNotContain(products.EnumerateArray(), p => p.Str("name") == "Not allowed");
    }

    [Fact]
    public async Task TheOverviewChartsTheDaysVerificationsAndActivationsFromTheCounters()
    {
        var (accountId, adminKey) = await app.CreateAccountAsync("Counted " + Guid.NewGuid().ToString("N")[..6]);
        using var admin = app.CreateClient(adminKey);
        var product = await (await admin.PostJsonAsync("products", new { name = "Counted product" })).DataAsync(HttpStatusCode.Created);
        var license = await (await admin.PostJsonAsync("licenses", new { product_id = product.Str("id"), email = "c@example.com", type = "subscription" }))
            .DataAsync(HttpStatusCode.Created);
        var verifyKey = (await (await admin.PostJsonAsync("api-keys", new { type = "verify_only", name = "App" })).DataAsync(HttpStatusCode.Created)).Str("key");
        using var application = app.CreateClient(verifyKey);
        for (var i = 0; i < 3; i++)
        {
            await (await application.PostJsonAsync("licenses/verify", new { key = license.Str("key") })).DataAsync();
        }

        await (await admin.PostJsonAsync("machines", new { key = license.Str("key"), fingerprint = "counted-machine" })).DataAsync(HttpStatusCode.Created);
        await app.FlushActivityAsync();

        var (page, _) = await _browser.MemberAsync(MemberRole.ReadOnly, accountId);
        await Assertions.Expect(page.Locator(".legend-verifications")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Main)).ToContainTextAsync("verifications (3)");
        await Assertions.Expect(page.GetByRole(AriaRole.Main)).ToContainTextAsync("activations (1)");
        await Assertions.Expect(page.Locator("rect.bar-verifications")).ToHaveCountAsync(30);
        var today = app.Time.GetUtcNow().ToString("yyyy-MM-dd");
        await Assertions.Expect(page.Locator("rect.bar-verifications title", new() { HasText = today })).ToHaveTextAsync($"{today}: 3 verifications");

        // The plan's budgets as the rate limiter holds them now: the three verifications in the applications' budget,
        // the product, license, key and activation made with the admin key in the management budget.
        await page.GotoAsync("/dashboard/settings/plan");
        await Assertions.Expect(page.GetByTestId("verifications-today")).ToHaveTextAsync("3");
        await Assertions.Expect(page.GetByTestId("client-usage")).ToContainTextAsync("3 of 10,000 in the last minute (9,997 left)");
        await Assertions.Expect(page.GetByTestId("management-usage")).ToContainTextAsync("4 of 10,000 in the last minute (9,996 left)");
        app.StartNextWindow();
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("client-usage")).ToContainTextAsync("0 of 10,000");

        // A read-only member sees, and has no forms that change anything.
        await page.GotoAsync($"/dashboard/licenses/{license.Str("id")}");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Suspend" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Download license file" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task EveryPageRendersAtLaptopAndPhoneWidthWithLabelledFieldsAndNoHorizontalScroll()
    {
        using var admin = app.CreateAdminClient();
        var product = await (await admin.PostJsonAsync("products", new { name = "Screenshot product" })).DataAsync(HttpStatusCode.Created);
        var license = await (await admin.PostJsonAsync("licenses", new { product_id = product.Str("id"), email = "shots@example.com", type = "subscription" }))
            .DataAsync(HttpStatusCode.Created);
        await (await admin.PostJsonAsync("machines", new { key = license.Str("key"), fingerprint = "screenshot-machine", name = "Build server" })).DataAsync(HttpStatusCode.Created);
        await (await admin.PostJsonAsync("entitlements", new { code = "pdf-export", name = "PDF export" })).DataAsync(HttpStatusCode.Created);

        var email = $"shots-{Guid.NewGuid():N}@example.com";
        var pages = new[]
        {
            ("overview", "/dashboard"), ("licenses", "/dashboard/licenses"), ("license", $"/dashboard/licenses/{license.Str("id")}"),
            ("machines", "/dashboard/machines"), ("products", "/dashboard/products"), ("product", $"/dashboard/products/{product.Str("id")}"),
            ("entitlements", "/dashboard/entitlements"), ("events", "/dashboard/events"), ("api-keys", "/dashboard/settings/api-keys"),
            ("signing-keys", "/dashboard/settings/signing-keys"), ("members", "/dashboard/settings/members"), ("plan", "/dashboard/settings/plan"),
            ("account", "/dashboard/account"),
        };
        var link = await _browser.InvitationLinkAsync(email, MemberRole.Owner);
        var first = true;
        foreach (var (_, width, height) in DashboardBrowser.Widths)
        {
            var page = await _browser.NewPageAsync(width, height);
            await page.GotoAsync("/dashboard/login");
            await DashboardBrowser.ScreenshotAsync(page, "sign-in");
            if (first)
            {
                await DashboardBrowser.JoinAsync(page, link);
                first = false;
            }
            else
            {
                await DashboardBrowser.SignInAsync(page, email);
                await DashboardBrowser.ExpectOverviewAsync(page);
            }

            foreach (var (name, path) in pages)
            {
                var response = await page.GotoAsync(path);
                Assert.True(response!.Ok, $"{path} answered {response.Status}");
                await DashboardBrowser.ScreenshotAsync(page, name);

                // Every field has a label a screen reader reads; the page fits the width (tables scroll in their own box).
                var unlabelled = await page.EvaluateAsync<int>(
                    "() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')].filter(f => !f.labels || f.labels.length === 0).length");
                Assert.True(unlabelled == 0, $"{path}: {unlabelled} fields without a label");
                var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
                Assert.True(overflow <= 1, $"{path} at {width}px scrolls sideways by {overflow}px");
            }
        }

        // Keyboard use: the first Tab reaches the skip link, which leads to the page's content.
        var keyboard = await _browser.NewPageAsync();
        await DashboardBrowser.SignInAsync(keyboard, email);
        await DashboardBrowser.ExpectOverviewAsync(keyboard);
        await keyboard.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to content", await keyboard.EvaluateAsync<string>("() => document.activeElement.textContent"));
        Assert.All(pages, p => Assert.True(File.Exists(Path.Combine(DashboardBrowser.ScreenshotFolder, $"{p.Item1}-phone.png"))));
    }
}

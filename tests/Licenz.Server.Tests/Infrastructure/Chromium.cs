using Microsoft.Playwright;

namespace Licenz.Server.Tests.Infrastructure;

/// <summary>
/// Headless Chromium from the system's packages (Playwright's own browser download is never used).
/// Where Chromium is not installed the browser tests skip and say why — unless LICENZ_REQUIRE_BROWSER
/// is set, as .ci/run does after installing it, in which case its absence is a failure.
/// </summary>
public static class Chromium
{
    private static readonly string[] Candidates = ["/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser"];

    public static string? ExecutablePath => Candidates.FirstOrDefault(File.Exists);

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        var path = ExecutablePath;
        if (path is null)
        {
            if (Environment.GetEnvironmentVariable("LICENZ_REQUIRE_BROWSER") is { Length: > 0 })
            {
                Assert.Fail("Chromium is required (LICENZ_REQUIRE_BROWSER is set) but not installed.");
            }

            Assert.Skip("Chromium is not installed here (apt-get install -y chromium); .ci/run installs it and runs this test.");
        }

        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = path,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            ],
        });
        return (playwright, browser);
    }
}

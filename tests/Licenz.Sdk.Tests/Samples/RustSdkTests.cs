using System.Diagnostics;
using System.Text.RegularExpressions;
using Licenz.Sdk.Tests.Infrastructure;

namespace Licenz.Sdk.Tests.Samples;

/// <summary>
/// The Rust SDK (sdk/rust, crate <c>licenz_sdk</c>): its own tests — the format document's vectors byte for byte, the
/// conformance kit, and the API against this real server (a product, a license, a signed verification, a machine, a
/// bound license file verified offline) — run by cargo, offline, with the crates Debian ships
/// (<c>sdk/rust/.cargo/config.toml</c>). Skips where cargo is missing, unless <c>LICENZ_REQUIRE_RUST</c> is set (as CI does).
/// </summary>
[Collection(BuildsCollection.Name)]
public sealed partial class RustSdkTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    [Fact]
    public async Task TheRustSdksTestsPassAgainstThisServer()
    {
        var cargo = Cargo();
        var crate = Path.Combine(RepositoryPaths.Root(), "sdk", "rust");
        var start = new ProcessStartInfo(cargo, ["test", "--offline", "--color", "never"]) { WorkingDirectory = crate };

        var (exitCode, output) = await Processes.RunAsync(start, new Dictionary<string, string?>
        {
            // By name: the rustls of reqwest 0.11 checks certificates for DNS names only, not IP addresses.
            ["LICENZ_URL"] = new UriBuilder(app.ApiBaseUrl) { Host = "localhost" }.Uri.ToString(),
            ["LICENZ_API_KEY"] = app.AdminKey,
            ["LICENZ_CA"] = app.CertificatePath,
            ["LICENZ_REQUIRE_SERVER"] = "1",
        }, TimeSpan.FromMinutes(15));

        Assert.True(exitCode == 0, output);
        var results = TestResult().Matches(output);
        Assert.NotEmpty(results);
        Assert.All(results, result => Assert.Equal("0", result.Groups["failed"].Value));
        Assert.True(results.Sum(result => int.Parse(result.Groups["passed"].Value, System.Globalization.CultureInfo.InvariantCulture)) >= 20, output);
    }

    /// <summary>cargo, on PATH or where rustup puts it; skips without it, or fails under <c>LICENZ_REQUIRE_RUST</c>.</summary>
    private static string Cargo()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Append(Path.Combine(home, ".cargo", "bin"))
            .Select(folder => Path.Combine(folder, "cargo"))
            .FirstOrDefault(File.Exists);
        if (found is not null)
        {
            return found;
        }

        const string problem = "cargo is not installed (rustup), so the Rust SDK cannot be built here.";
        if (Environment.GetEnvironmentVariable("LICENZ_REQUIRE_RUST") is { Length: > 0 })
        {
            Assert.Fail("LICENZ_REQUIRE_RUST is set, but: " + problem);
        }

        Assert.Skip(problem);
        return "";
    }

    [GeneratedRegex(@"test result: ok\. (?<passed>\d+) passed; (?<failed>\d+) failed")]
    private static partial Regex TestResult();
}

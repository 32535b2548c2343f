using System.Text.RegularExpressions;
using Licenz.Tests.Shared;

namespace Licenz.Sdk.Tests.Samples;

/// <summary>
/// samples/Licenz.Samples.Aot published with NativeAOT, as a vendor ships a native executable: the trimming and AOT
/// analyzers pass over the whole program (the SDK included) without a warning, and the executable verifies the
/// format document's files offline.
/// </summary>
[Collection(BuildsCollection.Name)]
public sealed partial class NativeAotSampleTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "licenz-aot-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task ThePublishedNativeExecutableVerifiesLicenseFiles()
    {
        RequireNativeToolchain();
        var output = Path.Combine(_folder, "publish");
        var project = Path.Combine(RepositoryPaths.Root(), "samples", "Licenz.Samples.Aot", "Licenz.Samples.Aot.csproj");

        var publish = await Processes.RunAsync(Licenz.Tests.Shared.DotNetHost.Locate(), [],
            "publish", project, "-c", "Release", "-r", RuntimeIdentifier(), "-o", output, "--disable-build-servers", "-nodeReuse:false");

        Assert.True(publish.ExitCode == 0, publish.Output);
        Assert.DoesNotMatch(Warning(), publish.Output);
        var executable = Path.Combine(output, OperatingSystem.IsWindows() ? "licenz-verify.exe" : "licenz-verify");
        Assert.True(File.Exists(executable), publish.Output);
        Assert.False(File.Exists(Path.Combine(output, "licenz-verify.dll")), "A NativeAOT publish leaves no managed assembly of the application.");

        var vectors = Offline.TestVectorTests.Published;
        var jwks = Write("jwks.json", vectors["jwks"]);
        var atIssue = new Dictionary<string, string> { ["LICENZ_NOW"] = "2026-01-16T10:30:00Z" };

        var plain = await Processes.RunAsync(executable, atIssue, Write("plain.lic", vectors["plain"] + "\n"), jwks);
        Assert.True(plain.ExitCode == 0, plain.Output);
        Assert.StartsWith("VALID:", plain.Output, StringComparison.Ordinal);
        Assert.Contains("license lic_test (subscription)", plain.Output, StringComparison.Ordinal);

        var encrypted = await Processes.RunAsync(executable, atIssue, Write("encrypted.lic", vectors["encrypted"]), jwks, "LIC-TESTV-ECT0R-0001H");
        Assert.True(encrypted.ExitCode == 0, encrypted.Output);

        var tampered = LicenseFileText.ChangeCharacter(vectors["plain"], 2, 5);
        var refused = await Processes.RunAsync(executable, atIssue, Write("tampered.lic", tampered), jwks);
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith("BAD_SIGNATURE:", refused.Output, StringComparison.Ordinal);

        var expired = await Processes.RunAsync(executable, [], Write("plain-today.lic", vectors["plain"]), jwks);
        Assert.Equal(1, expired.ExitCode);
        Assert.StartsWith("FILE_EXPIRED:", expired.Output, StringComparison.Ordinal);
    }

    /// <summary>NativeAOT links with the platform's C toolchain (clang on Linux): skips without it, or fails under <c>LICENZ_REQUIRE_NATIVE_AOT</c> (as CI sets it).</summary>
    private static void RequireNativeToolchain()
    {
        if (!OperatingSystem.IsLinux() || (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(folder => File.Exists(Path.Combine(folder, "clang"))))
        {
            return;
        }

        const string problem = "clang is not installed (Debian: apt-get install -y clang), so NativeAOT cannot link here.";
        if (Environment.GetEnvironmentVariable("LICENZ_REQUIRE_NATIVE_AOT") is { Length: > 0 })
        {
            Assert.Fail("LICENZ_REQUIRE_NATIVE_AOT is set, but: " + problem);
        }

        Assert.Skip(problem);
    }

    private string Write(string name, string text)
    {
        Directory.CreateDirectory(_folder);
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }



    private static string RuntimeIdentifier() =>
        typeof(NativeAotSampleTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "RuntimeIdentifier").Value!;


    [GeneratedRegex(@"warning (IL|CS|NU)\d+")]
    private static partial Regex Warning();
}

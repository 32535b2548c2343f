using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Microsoft.Extensions.DependencyInjection;
using PublicApiGenerator;

namespace Licenz.Sdk.Tests;

/// <summary>
/// The SDK and its companion package are libraries others compile against: their public API changes only on purpose. The approved text sits
/// beside this file; a change writes the new text as <c>PublicApi….a change writes the new text as <c>PublicApi.received.txt</c>lt;targeta change writes the new text as <c>PublicApi.received.txt</c>gt;.received.txt</c> and fails until it is accepted.
/// </summary>
public sealed class PublicApiTests
{
    public static TheoryData<string, string> PackagesAndTargets => new()
    {
        { "Licenz.Sdk", "net10.0" }, { "Licenz.Sdk", "net8.0" }, { "Licenz.Sdk", "netstandard2.0" },
        { "Licenz.Sdk.DependencyInjection", "net10.0" }, { "Licenz.Sdk.DependencyInjection", "net8.0" }, { "Licenz.Sdk.DependencyInjection", "netstandard2.0" },
    };

    /// <summary>Every target's build against the one approved text: the same public API on .NET 10, .NET 8 and .NET Standard 2.0.</summary>
    [Theory]
    [MemberData(nameof(PackagesAndTargets))]
    public void ThePublicApiIsTheApprovedOne(string package, string target)
    {
        // The build of each target (the solution builds them all), read in a context of its own, never run.
        var path = Path.Combine(Metadata("SourceFolder"), "..", "..", "src", package, "bin", Metadata("Configuration"), target, package + ".dll");
        Assert.True(File.Exists(path), $"{package}'s {target} build is missing: {path}");
        var context = new AssemblyLoadContext($"{package} {target}", isCollectible: true);
        var assembly = context.LoadFromAssemblyPath(Path.GetFullPath(path));
        Assert.Equal(package, assembly.GetName().Name);
        var api = Normalize(assembly.GeneratePublicApi(new ApiGeneratorOptions
        {
            IncludeAssemblyAttributes = false,
            AllowNamespacePrefixes = ["Microsoft.Extensions.DependencyInjection"],
        }));
        var folder = SourceFolder();
        var name = package == "Licenz.Sdk" ? "PublicApi" : "PublicApi." + package;
        var approvedPath = Path.Combine(folder, name + ".approved.txt");
        var receivedPath = Path.Combine(folder, $"{name}.{target}.received.txt");
        var approved = File.Exists(approvedPath) ? Normalize(File.ReadAllText(approvedPath)) : "";

        if (approved == api)
        {
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, api);
        Assert.Fail(
            $"The public API of {package} ({target}) differs from {approvedPath}. The new API is in {receivedPath}. " +
            $"If the change is intended, accept it: cp \"{receivedPath}\" \"{approvedPath}\" (and commit the approved file).");
    }

    [Fact]
    public void TheSdkPullsInNoDependencyInjectionNorHttpClientFactory()
    {
        // An application that only verifies license files offline takes Licenz.Sdk alone; AddLicenz is the companion's.
        var references = typeof(LicenzClient).Assembly.GetReferencedAssemblies().Select(a => a.Name ?? "").ToList();

        Assert.DoesNotContain(references, name => name.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal));
        Assert.Contains("Microsoft.Extensions.Http", typeof(LicenzServiceCollectionExtensions).Assembly.GetReferencedAssemblies().Select(a => a.Name));
    }

    private static string Metadata(string key) =>
        typeof(PublicApiTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    private static string Normalize(string text) => text.ReplaceLineEndings("\n").TrimEnd() + "\n";

    private static string SourceFolder([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}

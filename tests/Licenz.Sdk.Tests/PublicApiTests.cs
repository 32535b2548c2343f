using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using PublicApiGenerator;

namespace Licenz.Sdk.Tests;

/// <summary>
/// The SDK and its companion package are libraries others compile against: their public API changes only on purpose. The approved text sits
/// beside this file; a change writes the new text as <c>PublicApi.received.txt</c> and fails until it is accepted.
/// </summary>
public sealed class PublicApiTests
{
    public static TheoryData<string> Packages => ["Licenz.Sdk", "Licenz.Sdk.DependencyInjection"];

    [Theory]
    [MemberData(nameof(Packages))]
    public void ThePublicApiIsTheApprovedOne(string package)
    {
        var assembly = package == "Licenz.Sdk" ? typeof(LicenzClient).Assembly : typeof(LicenzServiceCollectionExtensions).Assembly;
        Assert.Equal(package, assembly.GetName().Name);
        var api = Normalize(assembly.GeneratePublicApi(new ApiGeneratorOptions
        {
            IncludeAssemblyAttributes = false,
            AllowNamespacePrefixes = ["Microsoft.Extensions.DependencyInjection"],
        }));
        var folder = SourceFolder();
        var name = package == "Licenz.Sdk" ? "PublicApi" : "PublicApi." + package;
        var approvedPath = Path.Combine(folder, name + ".approved.txt");
        var receivedPath = Path.Combine(folder, name + ".received.txt");
        var approved = File.Exists(approvedPath) ? Normalize(File.ReadAllText(approvedPath)) : "";

        if (approved == api)
        {
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, api);
        Assert.Fail(
            $"The public API of {package} differs from {approvedPath}. The new API is in {receivedPath}. " +
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

    private static string Normalize(string text) => text.ReplaceLineEndings("\n").TrimEnd() + "\n";

    private static string SourceFolder([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}

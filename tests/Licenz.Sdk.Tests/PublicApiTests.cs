using System.Runtime.CompilerServices;
using PublicApiGenerator;

namespace Licenz.Sdk.Tests;

/// <summary>
/// The SDK is a library others compile against: its public API changes only on purpose. The approved text sits
/// beside this file; a change writes the new text as <c>PublicApi.received.txt</c> and fails until it is accepted.
/// </summary>
public sealed class PublicApiTests
{
    [Fact]
    public void ThePublicApiIsTheApprovedOne()
    {
        var api = Normalize(typeof(LicenzClient).Assembly.GeneratePublicApi(new ApiGeneratorOptions
        {
            IncludeAssemblyAttributes = false,
            AllowNamespacePrefixes = ["Microsoft.Extensions.DependencyInjection"],
        }));
        var folder = SourceFolder();
        var approvedPath = Path.Combine(folder, "PublicApi.approved.txt");
        var receivedPath = Path.Combine(folder, "PublicApi.received.txt");
        var approved = File.Exists(approvedPath) ? Normalize(File.ReadAllText(approvedPath)) : "";

        if (approved == api)
        {
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, api);
        Assert.Fail(
            $"The public API of Licenz.Sdk differs from {approvedPath}. The new API is in {receivedPath}. " +
            $"If the change is intended, accept it: cp \"{receivedPath}\" \"{approvedPath}\" (and commit the approved file).");
    }

    private static string Normalize(string text) => text.ReplaceLineEndings("\n").TrimEnd() + "\n";

    private static string SourceFolder([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}

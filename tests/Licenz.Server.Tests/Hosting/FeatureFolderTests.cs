using System.Text.RegularExpressions;

namespace Licenz.Server.Tests.Hosting;

/// <summary>
/// The server's folders depend on each other in one direction: features on the shared HTTP infrastructure and on
/// <c>Data/</c>, <c>Hosting/</c> on everything; the shared HTTP infrastructure on no feature.
/// </summary>
public sealed partial class FeatureFolderTests
{
    private static readonly string Server = Path.Combine(RepositoryRoot(), "src", "Licenz.Server");

    private static string RepositoryRoot()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Licenz.slnx")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Repository root not found.");
        }

        return root;
    }

    [GeneratedRegex(@"^using (Licenz\.Server\.\w+);", RegexOptions.Multiline)]
    private static partial Regex ServerUsing();

    private static IEnumerable<(string File, string Namespace)> UsingsIn(string folder) =>
        Directory.EnumerateFiles(Path.Combine(Server, folder), "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => ServerUsing().Matches(File.ReadAllText(file)).Select(m => (Path.GetFileName(file), m.Groups[1].Value)));

    [Fact]
    public void TheSharedHttpInfrastructureReferencesNoFeature()
    {
        var outside = UsingsIn("Http").Where(u => u.Namespace is not ("Licenz.Server.Http" or "Licenz.Server.Data")).ToList();

        Assert.True(outside.Count == 0, "Http/ uses: " + string.Join(", ", outside.Select(u => $"{u.File} → {u.Namespace}")));
    }

    [Fact]
    public void EntitiesAndTheirConfigurationsLiveInTheirFeatureFolders()
    {
        var inData = Directory.EnumerateFiles(Path.Combine(Server, "Data"), "*.cs", SearchOption.TopDirectoryOnly)
            .Where(file => File.ReadAllText(file).Contains("IEntityTypeConfiguration<", StringComparison.Ordinal))
            .Select(Path.GetFileName)
            .ToList();

        Assert.Empty(inData);
        Assert.True(File.Exists(Path.Combine(Server, "Licenses", "License.cs")));
        Assert.True(File.Exists(Path.Combine(Server, "Licenses", "LicenseConfiguration.cs")));
        Assert.True(File.Exists(Path.Combine(Server, "Licenses", "LicensesJsonContext.cs")));
        Assert.True(File.Exists(Path.Combine(Server, "Licenses", "LicensesSetup.cs")));
    }
}

using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Licenz.Sdk.Tests;

/// <summary>
/// The package a vendor adds, packed as a release is (<c>dotnet pack -c Release</c> on a build server): every target,
/// the license, the README, the repository's commit, symbols, a tag-derived version, deterministic assemblies, and
/// dependencies only where a target needs them.
/// </summary>
[Collection(BuildsCollection.Name)]
public sealed partial class PackageTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "licenz-pack-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task TheSdkPackageHoldsWhatAVendorNeedsToAdoptIt()
    {
        var root = RepositoryPaths.Root();
        // Rebuilt, not built: an earlier Release build (the NativeAOT sample's) compiled without the build server's path map.
        var pack = await Processes.RunAsync(Licenz.Tests.Shared.DotNetHost.Locate(), new Dictionary<string, string> { ["CI"] = "true" },
            "msbuild", Path.Combine(root, "src", "Licenz.Sdk", "Licenz.Sdk.csproj"), "-restore", "-t:Rebuild;Pack", "-p:Configuration=Release",
            "-p:PackageOutputPath=" + _folder, "-nodeReuse:false");
        Assert.True(pack.ExitCode == 0, pack.Output);

        var package = Assert.Single(Directory.GetFiles(_folder, "Licenz.Sdk.*.nupkg"));
        var symbols = Assert.Single(Directory.GetFiles(_folder, "Licenz.Sdk.*.snupkg"));
        using var archive = ZipFile.OpenRead(package);
        var entries = archive.Entries.Select(e => e.FullName).ToHashSet();
        string[] targets = ["net10.0", "net8.0", "netstandard2.0"];
        foreach (var target in targets)
        {
            Assert.Contains($"lib/{target}/Licenz.Sdk.dll", entries);
            Assert.Contains($"lib/{target}/Licenz.Sdk.xml", entries);
        }

        Assert.Contains("README.md", entries);
        Assert.Contains("LICENSE", entries);
        Assert.Contains("MIT License", Read(archive, "LICENSE"), StringComparison.Ordinal);

        var nuspec = XDocument.Parse(Read(archive, "Licenz.Sdk.nuspec"));
        XNamespace ns = nuspec.Root!.Name.Namespace;
        var metadata = nuspec.Root.Element(ns + "metadata")!;
        Assert.Equal("MIT", metadata.Element(ns + "license")!.Value);
        Assert.Equal("expression", metadata.Element(ns + "license")!.Attribute("type")!.Value);
        Assert.Equal("README.md", metadata.Element(ns + "readme")!.Value);
        Assert.Matches(Version(), metadata.Element(ns + "version")!.Value);
        var head = (await Processes.RunAsync("git", [], "-C", root, "rev-parse", "HEAD")).Output.Trim();
        Assert.Equal(head, metadata.Element(ns + "repository")!.Attribute("commit")!.Value);

        var dependencies = metadata.Element(ns + "dependencies")!.Elements(ns + "group")
            .ToDictionary(g => g.Attribute("targetFramework")!.Value, g => g.Elements(ns + "dependency").Select(d => d.Attribute("id")!.Value).ToList());
        Assert.Contains("NSec.Cryptography", dependencies["net10.0"]);
        Assert.DoesNotContain("BouncyCastle.Cryptography", dependencies["net10.0"]);
        Assert.Contains("BouncyCastle.Cryptography", dependencies["net8.0"]);
        Assert.Contains("System.Text.Json", dependencies[".NETStandard2.0"]);
        Assert.DoesNotContain(dependencies.Values.SelectMany(d => d), id => id.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal));

        using var symbolArchive = ZipFile.OpenRead(symbols);
        foreach (var target in targets)
        {
            Assert.Contains($"lib/{target}/Licenz.Sdk.pdb", symbolArchive.Entries.Select(e => e.FullName));
            using var assembly = new MemoryStream(ReadBytes(archive, $"lib/{target}/Licenz.Sdk.dll"));
            using var pe = new PEReader(assembly);
            var debug = pe.ReadDebugDirectory();
            Assert.Contains(debug, entry => entry.Type == DebugDirectoryEntryType.Reproducible);
            var codeView = pe.ReadCodeViewDebugDirectoryData(debug.First(entry => entry.Type == DebugDirectoryEntryType.CodeView));
            // A build server's paths are mapped to /_/: nothing of the machine that built it is in the assembly.
            Assert.StartsWith("/_/src/Licenz.Sdk/", codeView.Path, StringComparison.Ordinal);
        }
    }

    private static string Read(ZipArchive archive, string name)
    {
        // A StreamReader, which drops the byte order mark NuGet writes before the nuspec's XML.
        using var reader = new StreamReader(archive.GetEntry(name)!.Open());
        return reader.ReadToEnd();
    }

    private static byte[] ReadBytes(ZipArchive archive, string name)
    {
        using var stream = archive.GetEntry(name)!.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    // MinVer: a tag's version (1.4.0), or after it the next patch's pre-release with the commits since (1.4.1-alpha.0.3).
    [GeneratedRegex(@"^\d+\.\d+\.\d+(-alpha\.0\.\d+)?$")]
    private static partial Regex Version();
}

/// <summary>Tests that build the SDK in Release (a pack, a NativeAOT publish) share its output folders: one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class BuildsCollection
{
    public const string Name = "Release builds of the SDK";
}

using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Licenz.Sdk.Tests.Samples;

namespace Licenz.Sdk.Tests.Offline;

/// <summary>
/// The SDK as each kind of application loads it (tests/Licenz.Sdk.Conformance): a .NET 10 app (the net10.0 build, NSec),
/// a self-contained .NET 8 app (the net8.0 build, BouncyCastle; its runtime from the NuGet runtime pack, no shared .NET 8
/// on the machine) and a .NET Framework 4.8 app (the netstandard2.0 build) run under Mono. Each checks the published test
/// vectors and the failures the format names, and then does what an application does with a real server: activates
/// this machine, saves a license file bound to it, and is licensed from that file with the server out of reach.
/// </summary>
/// <remarks>
/// Mono's TLS stack reads RSA server certificates only (an ECDSA one fails the handshake: "Cannot decode public key from
/// unknown OID 1.2.840.10045.2.1"), so the .NET Framework app under Mono talks to a server given an RSA certificate, as
/// its operator would configure one (<c>Kestrel:Certificates:Default</c>); .NET Framework on Windows reads both.
/// </remarks>
public sealed class ConformanceTests(SampleServer ecdsaServer, RsaCertificateServer rsaServer)
    : IClassFixture<SampleServer>, IClassFixture<RsaCertificateServer>, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "licenz-conformance-" + Guid.NewGuid().ToString("N"));

    public static TheoryData<string> Runtimes => ["net10.0", "net8.0", "net48"];

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task ThePublishedVectorsAndEveryFailureCodeHold(string runtime)
    {
        var document = Path.Combine(AppContext.BaseDirectory, "docs", "license-file-format.md");

        var (exitCode, output) = await RunAsync(runtime, [], "vectors", document);

        Assert.True(exitCode == 0, output);
        Assert.Contains(RuntimeName(runtime), output, StringComparison.Ordinal);
        Assert.Contains("ok   plain: VALID", output, StringComparison.Ordinal);
        Assert.Contains("ok   plain with one character of its signature changed: BAD_SIGNATURE", output, StringComparison.Ordinal);
        Assert.Contains("ok   plain with the published revocation list kept: REVOKED", output, StringComparison.Ordinal);
        var summary = System.Text.RegularExpressions.Regex.Match(output, @"\n(\d+) checks, 0 failed");
        Assert.True(summary.Success, output);
        Assert.True(int.Parse(summary.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 45, output);
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task AnApplicationActivatesSavesItsLicenseFileAndVerifiesItOffline(string runtime)
    {
        var (app, certificatePath) = runtime == "net48" ? (rsaServer, rsaServer.RsaCertificatePath) : ((SampleServer)ecdsaServer, ecdsaServer.CertificatePath);
        using var admin = app.CreateClient(configure: options => (options.TrustedCertificate, options.TrustedCertificatePath) = (null, certificatePath));
        var product = await admin.Products.CreateAsync(new ProductCreateOptions { Name = "Conformance " + runtime });
        var license = await admin.Licenses.CreateAsync(new LicenseCreateOptions { ProductId = product.Id, Email = "desk@example.com", Type = LicenseTypeNames.Subscription });
        var shipped = await admin.ApiKeys.CreateAsync(new ApiKeyCreateOptions { Type = ApiKeyTypeNames.VerifyOnly, Name = "Conformance " + runtime });

        // Another license of the account, revoked: the application's online check shows a newer revocation list than it keeps.
        var revoked = await admin.Licenses.CreateAsync(new LicenseCreateOptions { ProductId = product.Id, Email = "gone@example.com", Type = LicenseTypeNames.Subscription });
        await admin.Licenses.RevokeAsync(revoked.Id);
        Directory.CreateDirectory(_folder);
        var jwksPath = Path.Combine(_folder, "jwks.json");
        await File.WriteAllTextAsync(jwksPath, (await admin.SigningKeys.GetJwksAsync()).ToJwks());

        var (exitCode, output) = await RunAsync(runtime, new Dictionary<string, string>
        {
            ["LICENZ_URL"] = app.ApiBaseUrl.ToString(),
            ["LICENZ_API_KEY"] = shipped.Key,
            ["LICENZ_LICENSE_KEY"] = license.Key,
            ["LICENZ_PRODUCT_ID"] = product.Id,
            ["LICENZ_JWKS"] = jwksPath,
            ["LICENZ_CA"] = certificatePath,
            ["LICENZ_STORAGE"] = Path.Combine(_folder, "storage"),
            ["LICENZ_MACHINE_ID"] = "conformance-" + runtime,
            ["LICENZ_REVOKED_LICENSE_ID"] = revoked.Id,
        }, "round-trip");

        Assert.True(exitCode == 0, output);
        Assert.Contains(RuntimeName(runtime), output, StringComparison.Ordinal);
        Assert.Contains("ok   offline: valid from the saved license file", output, StringComparison.Ordinal);
        Assert.Contains("ok   online: the newer revocation list is fetched and kept", output, StringComparison.Ordinal);
        Assert.Equal(1, (await admin.Licenses.GetAsync(license.Id)).MachinesCount);
    }

    private static string RuntimeName(string runtime) => runtime switch
    {
        "net10.0" => "runtime: .NET 10.",
        "net8.0" => "runtime: .NET 8.",
        _ => "runtime: Mono ",
    };

    /// <summary>Runs the conformance app of <paramref name="runtime"/>'s build, as that kind of application starts.</summary>
    private static async Task<(int ExitCode, string Output)> RunAsync(string runtime, Dictionary<string, string> environment, params string[] arguments)
    {
        var output = Path.Combine(Metadata("ConformanceOutput"), runtime);
        var program = Path.Combine(output, runtime switch
        {
            "net10.0" => "licenz-conformance.dll",
            "net8.0" => Path.Combine(Metadata("RuntimeIdentifier"), "licenz-conformance"),
            _ => "licenz-conformance.exe",
        });
        Assert.True(File.Exists(program), $"The conformance app's {runtime} build is missing ({program}): the test project's build builds it.");
        var start = runtime switch
        {
            "net10.0" => new ProcessStartInfo(Licenz.Tests.Shared.DotNetHost.Locate(), [program, .. arguments]),
            // Self-contained: its own apphost and runtime, never the shared .NET of the machine.
            "net8.0" => new ProcessStartInfo(program, arguments),
            _ => new ProcessStartInfo(Mono(), [program, .. arguments]),
        };
        // Nothing points the .NET 8 app at another runtime.
        var variables = environment.ToDictionary(pair => pair.Key, pair => (string?)pair.Value);
        foreach (var name in new[] { "DOTNET_ROOT", "DOTNET_HOST_PATH", "DOTNET_ROLL_FORWARD" })
        {
            variables[name] = null;
        }

        return await Processes.RunAsync(start, variables);
    }

    /// <summary>Mono's path: the test skips when it is missing, or fails under <c>LICENZ_REQUIRE_MONO</c> (as CI sets it).</summary>
    private static string Mono()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(folder => Path.Combine(folder, "mono"))
            .FirstOrDefault(File.Exists);
        if (found is null)
        {
            const string problem = "Mono is not installed (Debian: apt-get install -y mono-devel), so the .NET Framework 4.8 build cannot run here.";
            if (Environment.GetEnvironmentVariable("LICENZ_REQUIRE_MONO") is { Length: > 0 })
            {
                Assert.Fail("LICENZ_REQUIRE_MONO is set, but: " + problem);
            }

            Assert.Skip(problem);
        }

        return found;
    }

    private static string Metadata(string key) =>
        typeof(ConformanceTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}

/// <summary>The sample's server with an RSA certificate of the operator's (Kestrel:Certificates:Default) in place of the generated ECDSA one.</summary>
public sealed class RsaCertificateServer : SampleServer
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "licenz-rsa-" + Guid.NewGuid().ToString("N"));

    public RsaCertificateServer()
    {
        Directory.CreateDirectory(_folder);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Licenz (RSA)", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(7));
        RsaCertificatePath = Path.Combine(_folder, "server.crt");
        File.WriteAllText(RsaCertificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_folder, "server.key"), key.ExportPkcs8PrivateKeyPem());
        Set("Kestrel:Certificates:Default:Path", RsaCertificatePath);
        Set("Kestrel:Certificates:Default:KeyPath", Path.Combine(_folder, "server.key"));
    }

    public string RsaCertificatePath { get; }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}

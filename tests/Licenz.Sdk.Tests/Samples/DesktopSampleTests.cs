using Licenz.Sdk.Tests.Infrastructure;

namespace Licenz.Sdk.Tests.Samples;

/// <summary>
/// samples/Licenz.Samples.Desktop run as a vendor's customer would run it: activate online, then start again with
/// the server gone and be licensed from the saved file, then be refused once the license is revoked.
/// </summary>
public sealed class DesktopSampleTests(SampleServer app) : IClassFixture<SampleServer>, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "licenz-sample-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task ActivatesOnlineThenRunsOfflineFromTheLicenseFileThenStopsWhenRevoked()
    {
        using var admin = app.CreateClient();
        var product = await admin.Products.CreateAsync(new ProductCreateOptions { Name = "Photo Editor" });
        var license = await admin.Licenses.CreateAsync(new LicenseCreateOptions { ProductId = product.Id, Email = "artist@example.com", Type = LicenseTypeNames.Subscription });
        var shipped = await admin.ApiKeys.CreateAsync(new ApiKeyCreateOptions { Type = ApiKeyTypeNames.VerifyOnly, Name = "Photo Editor 1.0" });
        Directory.CreateDirectory(_folder);
        var jwksPath = Path.Combine(_folder, "jwks.json");
        await File.WriteAllTextAsync(jwksPath, (await admin.SigningKeys.GetJwksAsync()).ToJwks());
        var online = Environment(app.ApiBaseUrl.ToString(), shipped.Key, product.Id, jwksPath);
        var offline = Environment("https://127.0.0.1:9/api/v1", shipped.Key, product.Id, jwksPath);

        var notYet = await RunAsync(offline);
        Assert.Equal(3, notYet.ExitCode);
        Assert.Contains("Not activated", notYet.Output, StringComparison.Ordinal);

        var typo = await RunAsync(online, "activate", license.Key[..^1] + (license.Key[^1] == '0' ? "1" : "0"));
        Assert.Equal(2, typo.ExitCode);

        var activation = await RunAsync(online, "activate", license.Key.ToLowerInvariant().Replace("-", "", StringComparison.Ordinal));
        Assert.True(activation.ExitCode == 0, activation.Output);
        Assert.Contains($"Activated {license.Id}", activation.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_folder, "storage", "license.lic")));

        var onlineStart = await RunAsync(online);
        Assert.True(onlineStart.ExitCode == 0, onlineStart.Output);
        Assert.Contains("Licensed (verified online).", onlineStart.Output, StringComparison.Ordinal);

        var offlineStart = await RunAsync(offline);
        Assert.True(offlineStart.ExitCode == 0, offlineStart.Output);
        Assert.Contains("Licensed (offline, from the license file;", offlineStart.Output, StringComparison.Ordinal);

        await admin.Licenses.RevokeAsync(license.Id);
        var revoked = await RunAsync(online);
        Assert.Equal(3, revoked.ExitCode);
        Assert.Contains("Not licensed: REVOKED", revoked.Output, StringComparison.Ordinal);

        var offlineAfterRevocation = await RunAsync(offline);
        Assert.Equal(3, offlineAfterRevocation.ExitCode);
    }

    private Dictionary<string, string> Environment(string url, string apiKey, string productId, string jwksPath) => new()
    {
        ["LICENZ_URL"] = url,
        ["LICENZ_API_KEY"] = apiKey,
        ["LICENZ_PRODUCT_ID"] = productId,
        ["LICENZ_JWKS"] = jwksPath,
        ["LICENZ_CA"] = app.CertificatePath,
        ["LICENZ_STORAGE"] = Path.Combine(_folder, "storage"),
        ["LICENZ_MACHINE_ID"] = "sample-test-machine",
    };

    private static Task<(int ExitCode, string Output)> RunAsync(Dictionary<string, string> environment, params string[] arguments) =>
        Processes.RunAsync(Licenz.Tests.Shared.DotNetHost.Locate(), environment, [Path.Combine(AppContext.BaseDirectory, "photo-editor.dll"), .. arguments]);
}

/// <summary>The sample runs on the real clock, so this server's clock starts at the real time too.</summary>
public class SampleServer : LicenzApplication
{
    public SampleServer() => Time.SetUtcNow(DateTimeOffset.UtcNow);
}

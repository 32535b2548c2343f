using System.Security.Cryptography;
using Licenz.Server.Data;
using Licenz.Server.Signing;
using Licenz.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Licenz.Server.Tests.Signing;

/// <summary>Private signing keys are sealed under a master key that is not kept beside the database.</summary>
public sealed class KeyEncryptionTests
{
    [Fact]
    public async Task NoPrivateSeedAppearsInTheDataFolderAndTheMasterKeyLivesApartWithOwnerOnlyAccess()
    {
        await using var app = new LicenzApplication();
        await app.InitializeAsync();
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
            var encryption = scope.ServiceProvider.GetRequiredService<KeyEncryption>();
            var record = await db.SigningKeys.AsNoTracking().IgnoreQueryFilters([LicenzDbContext.TenantFilter]).SingleAsync();
            var seed = encryption.Open(record.SealedPrivateKey, $"licenz/signing-key/{record.AccountId}/{record.Id}");
            using var restored = SigningKey.FromSeed(seed);
            Assert.Equal(record.PublicKey, restored.PublicKey);

            var masterKeyFile = Path.Combine(app.SecretsDirectory, "master.key");
            var masterKey = Convert.FromBase64String(File.ReadAllText(masterKeyFile).Trim());
            await app.FlushActivityAsync();
            foreach (var file in Directory.EnumerateFiles(app.DataDirectory, "*", SearchOption.AllDirectories))
            {
                var bytes = await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken);
                Assert.True(bytes.AsSpan().IndexOf(seed) < 0, $"The private seed is in {file}.");
                Assert.True(bytes.AsSpan().IndexOf(masterKey) < 0, $"The master key is in {file}.");
                Assert.DoesNotContain(Convert.ToBase64String(masterKey), System.Text.Encoding.Latin1.GetString(bytes), StringComparison.Ordinal);
            }

            Assert.False(masterKeyFile.StartsWith(app.DataDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(masterKeyFile));
            }
        }
    }

    [Fact]
    public async Task TheDashboardsCookieKeysAreSealedToo()
    {
        await using var app = new LicenzApplication();
        await app.InitializeAsync();
        using (var client = app.CreateClient(apiKey: null, basePath: "/"))
        {
            // Rendering the sign-in form issues an antiforgery token, which creates the cookie key ring.
            (await client.GetAsync("dashboard/login")).EnsureSuccessStatusCode();
        }

        // Kept in the database (every node reads them there), sealed; none in the data folder.
        await using var scope = app.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<LicenzDbContext>().DataProtectionKeys.AsNoTracking()
            .Select(k => k.Xml).ToListAsync(TestContext.Current.CancellationToken);
        Assert.NotEmpty(stored);
        foreach (var xml in stored)
        {
            Assert.Contains("licenzSealed", xml!, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", xml!, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(Path.Combine(app.DataDirectory, "data-protection")));
    }

    [Fact]
    public async Task AConfiguredMasterKeyIsUsedAndNoKeyFileIsWritten()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var app = new LicenzApplication().WithSetting("Licenz:KeyEncryption:Key", key);
        await app.InitializeAsync();

        Assert.False(File.Exists(Path.Combine(app.SecretsDirectory, "master.key")));
        await using var scope = app.Services.CreateAsyncScope();
        var record = await scope.ServiceProvider.GetRequiredService<LicenzDbContext>().SigningKeys.AsNoTracking().IgnoreQueryFilters([LicenzDbContext.TenantFilter]).SingleAsync();
        using var aes = new AesGcm(Convert.FromBase64String(key), 16);
        var sealedKey = record.SealedPrivateKey;
        var seed = new byte[sealedKey.Length - 29];
        aes.Decrypt(sealedKey.AsSpan(1, 12), sealedKey.AsSpan(13, seed.Length), sealedKey.AsSpan(^16), seed,
            System.Text.Encoding.UTF8.GetBytes($"licenz/signing-key/{record.AccountId}/{record.Id}"));
        using var restored = SigningKey.FromSeed(seed);
        Assert.Equal(record.PublicKey, restored.PublicKey);
    }

    [Fact]
    public async Task AMasterKeyThatDoesNotOpenTheStoredKeysStopsTheStartNamingTheSetting()
    {
        var folder = Path.Combine(Path.GetTempPath(), "licenz-tests", "master-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var first = new Dictionary<string, string> { ["Licenz__KeyEncryption__Key"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };
            await using (var server = Hosting.LicenzProcess.Start(folder, ["--urls", "https://127.0.0.1:0"], first))
            {
                await server.WaitUntilListeningAsync();
            }

            var other = new Dictionary<string, string> { ["Licenz__KeyEncryption__Key"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };
            await using var second = Hosting.LicenzProcess.Start(folder, ["--urls", "https://127.0.0.1:0"], other);
            var exitCode = await second.WaitForExitAsync();

            Assert.True(exitCode == 1, $"Exit code {exitCode}.{second.Describe()}");
            Assert.Contains("Licenz:KeyEncryption: this master key does not open the signing keys", second.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", second.Error, StringComparison.Ordinal);
        }
        finally
        {
            LicenzApplication.TryDelete(folder);
        }
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("c2hvcnQ=")]
    public async Task AMalformedMasterKeyStopsTheStartBeforeAnythingIsWritten(string key)
    {
        var folder = Path.Combine(Path.GetTempPath(), "licenz-tests", "master-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var environment = new Dictionary<string, string> { ["Licenz__KeyEncryption__Key"] = key };
            await using var server = Hosting.LicenzProcess.Start(folder, ["--urls", "https://127.0.0.1:0"], environment);

            var exitCode = await server.WaitForExitAsync();

            Assert.True(exitCode == 1, $"Exit code {exitCode}.{server.Describe()}");
            Assert.Contains("Licenz:KeyEncryption:Key: the master key must be base64 of exactly 32 bytes", server.Error, StringComparison.Ordinal);
            Assert.DoesNotContain(key, server.Error, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(folder, "licenz-data", "licenz.db")), "The refused start created the database.");
        }
        finally
        {
            LicenzApplication.TryDelete(folder);
        }
    }
}

using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Licenz.Server.Accounts;
using Licenz.Server.Data;
using Licenz.Server.RateLimiting;
using Licenz.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Licenz.Server.Tests.Hosting;

/// <summary>
/// What one start of the server leaves behind and prints: the data folder, the database, the certificate,
/// the default account and the bootstrap admin key.
/// </summary>
public sealed class FirstStartTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private const string AdminKeyLine = "Admin API key: ";

    [Fact]
    public async Task FirstStartCreatesTheDataFolderAndTheDatabaseOfTheConfiguredEngine()
    {
        Assert.True(Directory.Exists(app.DataDirectory), $"No data folder at {app.DataDirectory}");
        if (app.Engine.IsPostgreSql)
        {
            // The data lives in PostgreSQL; the folder keeps only the certificate.
            Assert.False(File.Exists(app.DatabasePath), $"A SQLite database at {app.DatabasePath} although the engine is PostgreSQL");
            await using var scope = app.Services.CreateAsyncScope();
            Assert.True(scope.ServiceProvider.GetRequiredService<LicenzDbContext>().Database.IsNpgsql());
            return;
        }

        Assert.True(File.Exists(app.DatabasePath), $"No database at {app.DatabasePath}");
        await using var connection = new SqliteConnection($"Data Source={app.DatabasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode";
        var mode = (string?)await pragma.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        Assert.Equal("wal", mode, ignoreCase: true);
    }

    [Fact]
    public async Task FirstStartAppliesEveryMigration()
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        var known = db.Database.GetMigrations().ToList();
        Assert.NotEmpty(known);

        // The history table as stored, not as EF reports it.
        var applied = await db.Database.SqlQueryRaw<string>("SELECT \"MigrationId\" AS \"Value\" FROM \"__EFMigrationsHistory\"")
            .ToListAsync(TestContext.Current.CancellationToken);

        Assert.Equal(known.Order(StringComparer.Ordinal), applied.Order(StringComparer.Ordinal));
        Assert.Empty(await db.Database.GetPendingMigrationsAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task FirstStartGeneratesTheSelfSignedCertificateTheServerPresents()
    {
        var tls = Path.Combine(app.DataDirectory, "tls");
        var pfxPath = Path.Combine(tls, "licenz-localhost.pfx");
        var crtPath = Path.Combine(tls, "licenz-localhost.crt");
        Assert.True(File.Exists(pfxPath), $"No {pfxPath}");
        Assert.True(File.Exists(crtPath), $"No {crtPath}");

        using var pfx = X509CertificateLoader.LoadPkcs12FromFile(pfxPath, password: null);
        Assert.True(pfx.HasPrivateKey);
        using var crt = X509CertificateLoader.LoadCertificateFromFile(crtPath);
        Assert.False(crt.HasPrivateKey);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", await File.ReadAllTextAsync(crtPath, TestContext.Current.CancellationToken));
        Assert.Equal(pfx.Thumbprint, crt.Thumbprint);
        Assert.Contains("localhost", crt.GetNameInfo(X509NameType.DnsName, forIssuer: false));

        using var presented = await PresentedCertificateAsync(app.HttpsAddress);
        Assert.Equal(crt.Thumbprint, presented.Thumbprint);
    }

    [Fact]
    public void TheCertificatesPrivateKeyFileIsReadableOnlyByItsOwner()
    {
        var pfxPath = Path.Combine(app.DataDirectory, "tls", "licenz-localhost.pfx");
        Assert.True(File.Exists(pfxPath), $"No {pfxPath}");
        if (OperatingSystem.IsWindows())
        {
            // Windows has no Unix modes; the folder's ACLs apply there.
            return;
        }

        var mode = File.GetUnixFileMode(pfxPath);
        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        Assert.Equal((UnixFileMode)0, mode & others);
        Assert.True(mode.HasFlag(UnixFileMode.UserRead), $"The owner cannot read the key file ({mode}).");
    }

    [Fact]
    public async Task FirstStartCreatesOneDefaultAccountWithTheConfiguredPlan()
    {
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
            var defaults = await db.Accounts.AsNoTracking().Where(a => a.IsDefault).ToListAsync(TestContext.Current.CancellationToken);
            var account = Assert.Single(defaults);
            Assert.Equal(Plan.Business, account.Plan);
            Assert.Equal("Default", account.Name);
        }

        using var client = app.CreateAdminClient();
        using var response = await client.GetAsync("products", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("10000", Assert.Single(response.Headers.GetValues("X-RateLimit-Limit")));
    }

    [Fact]
    public async Task FirstStartPrintsTheBaseUrlAndExactlyOneAdminKeyThatWorks()
    {
        var lines = app.Output.Lines;
        var baseUrl = new Uri(app.HttpsAddress, "/api/v1").ToString();
        Assert.Contains($"Licenz API: {baseUrl}", lines);

        var keyLine = Assert.Single(lines, l => l.StartsWith("Admin API key:", StringComparison.Ordinal));
        var key = keyLine[AdminKeyLine.Length..];
        Assert.Matches("^lz_admin_[A-Za-z0-9]{20,}$", key);
        Assert.DoesNotContain(lines, l => l.Contains("create-api-key", StringComparison.Ordinal));

        using var client = app.CreateClient(key);
        var keys = await (await client.GetAsync("api-keys", TestContext.Current.CancellationToken)).DataAsync();
        var bootstrap = Assert.Single(keys.EnumerateArray());
        Assert.Equal("admin", bootstrap.Str("type"));
        // The listing shows the key's visible start (with an ellipsis), never the secret.
        var prefix = bootstrap.Str("prefix").TrimEnd('…');
        Assert.True(prefix.Length >= "lz_admin_".Length, $"Prefix '{prefix}'");
        Assert.StartsWith(prefix, key, StringComparison.Ordinal);
        Assert.NotEqual(key, prefix);
    }

    [Fact]
    public async Task ASecondStartPrintsNoKeyButHowToCreateOneAndTheFirstKeyStillWorks()
    {
        var folder = NewDataFolder();
        try
        {
            string firstKey;
            string firstThumbprint;
            await using (var first = LicenzApplication.Over(folder))
            {
                await first.InitializeAsync();
                firstKey = first.AdminKey;
                using var presented = await PresentedCertificateAsync(first.HttpsAddress);
                firstThumbprint = presented.Thumbprint;
            }

            await using var second = LicenzApplication.Over(folder);
            await second.InitializeAsync();
            var lines = second.Output.Lines;
            Assert.Contains($"Licenz API: {new Uri(second.HttpsAddress, "/api/v1")}", lines);
            Assert.DoesNotContain(lines, l => l.StartsWith("Admin API key:", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.Contains("lz_admin_", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("create-api-key --type admin", StringComparison.Ordinal));

            using var client = second.CreateClient(firstKey);
            var keys = await (await client.GetAsync("api-keys", TestContext.Current.CancellationToken)).DataAsync();
            Assert.Single(keys.EnumerateArray());

            await using var scope = second.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
            Assert.Equal(1, await db.Accounts.CountAsync(TestContext.Current.CancellationToken));

            // The certificate users already trust is kept, not replaced.
            using var again = await PresentedCertificateAsync(second.HttpsAddress);
            Assert.Equal(firstThumbprint, again.Thumbprint);
        }
        finally
        {
            LicenzApplication.TryDelete(folder);
        }
    }

    [Fact]
    public async Task ChangingThePlanBetweenStartsChangesTheDefaultAccountsPlan()
    {
        var folder = NewDataFolder();
        try
        {
            string key;
            await using (var first = LicenzApplication.Over(folder).WithSetting("Licenz:Plan", "free"))
            {
                await first.InitializeAsync();
                key = first.AdminKey;
                Assert.Equal("100", await RateLimitAsync(first, key));
            }

            await using (var second = LicenzApplication.Over(folder).WithSetting("Licenz:Plan", "starter"))
            {
                await second.InitializeAsync();
                Assert.Equal("500", await RateLimitAsync(second, key));
            }

            await using (var third = LicenzApplication.Over(folder).WithSetting("Licenz:Plan", "enterprise"))
            {
                await third.InitializeAsync();
                Assert.Equal("unlimited", await RateLimitAsync(third, key));
                await using var scope = third.Services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
                var account = await db.Accounts.AsNoTracking().SingleAsync(TestContext.Current.CancellationToken);
                Assert.True(account.IsDefault);
                Assert.Equal(Plan.Enterprise, account.Plan);
            }
        }
        finally
        {
            LicenzApplication.TryDelete(folder);
        }
    }

    private static string NewDataFolder() => Path.Combine(Path.GetTempPath(), "licenz-tests", Guid.NewGuid().ToString("N"));

    private static async Task<string> RateLimitAsync(LicenzApplication server, string key)
    {
        using var client = server.CreateClient(key);
        using var response = await client.GetAsync("products", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Assert.Single(response.Headers.GetValues("X-RateLimit-Limit"));
    }

    /// <summary>The certificate the server shows in a TLS handshake, whatever it is.</summary>
    private static async Task<X509Certificate2> PresentedCertificateAsync(Uri address)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port, TestContext.Current.CancellationToken);
        await using var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }, TestContext.Current.CancellationToken);
        return X509CertificateLoader.LoadCertificate(ssl.RemoteCertificate!.GetRawCertData());
    }
}

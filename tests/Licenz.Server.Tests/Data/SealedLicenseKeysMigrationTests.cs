using System.Net;
using System.Text;
using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Licenz.Server.Tests.Infrastructure;
using Licenz.Tests.Shared;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace Licenz.Server.Tests.Data;

/// <summary>
/// Upgrading a database whose license keys are stored in plain text (as the previous release stored them, and its event
/// log showed them) loses no key: the migration keeps each key and masks the log's, the first start seals every key and
/// leaves none in the file, and every key still verifies and finds its license.
/// </summary>
public sealed class SealedLicenseKeysMigrationTests : IDisposable
{
    private const string Before = "20261201121720_EventLog";
    private const string SealedKeys = "20261201144925_SealedLicenseKeys";
    private static readonly string[] Keys = [LicenseKeyGenerator.Generate(), LicenseKeyGenerator.Generate(), LicenseKeyGenerator.Generate()];
    private static readonly string[] LicenseIds = ["lic_00000000000000000000000001", "lic_00000000000000000000000002", "lic_00000000000000000000000003"];

    private readonly string _folder = Directory.CreateTempSubdirectory("licenz-upgrade-").FullName;

    private string DataDirectory => Path.Combine(_folder, "licenz-data");

    private string DatabasePath => Path.Combine(DataDirectory, "licenz.db");

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheFirstStartSealsEveryPlainTextKeyAndLeavesNoneInTheFileOrTheEventLog()
    {
        await CreatePreviousReleaseDatabaseAsync();

        string adminKey;
        await using (var app = LicenzApplication.Over(DataDirectory, TestDatabase.Sqlite))
        {
            await app.InitializeAsync();
            adminKey = await IssueAdminKeyAsync(app);
            using var admin = app.CreateClient(adminKey);
            for (var i = 0; i < Keys.Length; i++)
            {
                Assert.Equal("VALID", (await (await admin.PostJsonAsync("licenses/verify", new { key = Keys[i] })).DataAsync()).Str("code"));
                var found = await (await admin.GetAsync($"licenses/{Keys[i].ToLowerInvariant()}", Cancel)).DataAsync();
                Assert.Equal(LicenseIds[i], found.Str("id"));
                Assert.Equal(Keys[i], found.Str("key"));
            }

            var events = (await (await admin.GetAsync("events?resource_type=license", Cancel)).DataAsync()).EnumerateArray().ToList();
            Assert.Equal(Keys[..2].Select(k => "LIC-*****-*****-" + k[^5..]).Order(StringComparer.Ordinal), events.Select(e => e.GetProperty("data").Str("key")).Order(StringComparer.Ordinal));
            Assert.Equal("a@example.com", events.Single(e => e.Str("resource_id") == LicenseIds[0]).GetProperty("data").Str("email"));
            await app.FlushActivityAsync();
        }

        // Nothing of the keys is left: not in a column, not in a free page, not in the write-ahead log.
        Assert.Equal(["", "", ""], await ScalarsAsync("SELECT PlaintextKey FROM licenses ORDER BY Id"));
        Assert.DoesNotContain("Key", await ScalarsAsync("SELECT name FROM pragma_table_info('licenses')"));
        foreach (var file in Directory.EnumerateFiles(DataDirectory, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file, Cancel);
            foreach (var key in Keys)
            {
                Assert.True(bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(key[4..15])) < 0, $"{key} is in {file}.");
            }
        }

        // Idempotent: the next start has nothing left to seal, and the keys still work.
        await using (var again = LicenzApplication.Over(DataDirectory, TestDatabase.Sqlite))
        {
            await again.InitializeAsync();
            using var admin = again.CreateClient(adminKey);
            Assert.Equal("VALID", (await (await admin.PostJsonAsync("licenses/verify", new { key = Keys[1] })).DataAsync()).Str("code"));
            Assert.Equal(Keys[2], (await (await admin.GetAsync($"licenses/{LicenseIds[2]}", Cancel)).DataAsync()).Str("key"));
        }
    }

    [Fact]
    public async Task DowngradeBeforeTheKeysAreSealedRestoresThemAndAfterwardsIsRefused()
    {
        await CreatePreviousReleaseDatabaseAsync();
        await using (var db = Context())
        {
            var migrator = db.GetService<IMigrator>();
            await migrator.MigrateAsync(SealedKeys, Cancel);
            Assert.Equal(Keys, await ScalarsAsync("SELECT PlaintextKey FROM licenses ORDER BY Id"));

            await migrator.MigrateAsync(Before, Cancel);
            Assert.Equal(Keys, await ScalarsAsync("SELECT Key FROM licenses ORDER BY Id"));
            await migrator.MigrateAsync(SealedKeys, Cancel);
        }

        // Sealed by a start: the plain text is gone, and going back would lose it.
        await using (var app = LicenzApplication.Over(DataDirectory, TestDatabase.Sqlite))
        {
            await app.InitializeAsync();
        }

        await using (var db = Context())
        {
            var refused = await Assert.ThrowsAnyAsync<SqliteException>(() => db.GetService<IMigrator>().MigrateAsync(Before, Cancel));
            Assert.Contains("licenz_keys_to_restore", refused.Message, StringComparison.Ordinal);
            Assert.Contains(SealedKeys, await db.Database.GetAppliedMigrationsAsync(Cancel));
        }
    }

    /// <summary>A database as the previous release left it: keys in plain text, and in the event log's data.</summary>
    private async Task CreatePreviousReleaseDatabaseAsync()
    {
        Directory.CreateDirectory(DataDirectory);
        await using var db = Context();
        await db.GetService<IMigrator>().MigrateAsync(Before, Cancel);
        var licenses = string.Join(",\n", Keys.Select((key, i) =>
            $"('{LicenseIds[i]}', 'acct_1', 'prod_1', '{key}', '{(char)('a' + i)}@example.com', 'Perpetual', 'Active', '{{}}', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 1)"));
        var events = string.Join(",\n", Keys.Take(2).Select((key, i) =>
            $"('evt_0000000000000000000000000{i}', 'acct_1', 'license.created', 'license', '{LicenseIds[i]}', NULL, '2026-01-01 00:00:00', " +
            $"'{{\"id\":\"{LicenseIds[i]}\",\"key\":\"{key}\",\"product_id\":\"prod_1\",\"email\":\"{(char)('a' + i)}@example.com\",\"type\":\"perpetual\",\"status\":\"active\"}}')"));
        await ExecuteAsync(db,
            $"""
            INSERT INTO accounts (Id, Name, Plan, IsDefault, CreatedAt) VALUES ('acct_1', 'Default', 'business', 1, '2026-01-01 00:00:00');
            INSERT INTO products (Id, AccountId, Name, Code, Metadata, SubscriptionDays, TrialDays, CreatedAt, UpdatedAt)
                VALUES ('prod_1', 'acct_1', 'Desktop', 'desktop', '{"{}"}', 365, 14, '2026-01-01 00:00:00', '2026-01-01 00:00:00');
            INSERT INTO licenses (Id, AccountId, ProductId, Key, Email, Type, Status, Metadata, CreatedAt, UpdatedAt, Version) VALUES {licenses};
            INSERT INTO license_activity (LicenseId, LastValidatedAt) SELECT Id, NULL FROM licenses;
            INSERT INTO events (Id, AccountId, Type, ResourceType, ResourceId, ActorKeyId, CreatedAt, Data) VALUES {events};
            """);
    }

    private static async Task<string> IssueAdminKeyAsync(LicenzApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        var (_, secret) = ApiKeyIssuer.Issue(db, app.Time, "acct_1", ApiKeyType.Admin, "upgrade test", null);
        await db.SaveChangesAsync(Cancel);
        return secret;
    }

    private LicenzDbContext Context() => new(new DbContextOptionsBuilder<LicenzDbContext>().UseSqlite($"Data Source={DatabasePath};Pooling=False").Options);

    private static async Task ExecuteAsync(LicenzDbContext db, string sql)
    {
        await db.Database.OpenConnectionAsync(Cancel);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(Cancel);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The first column of every row, as text ("" for null).</summary>
    private Task<List<string>> ScalarsAsync(string sql) => SqliteFile.ScalarsAsync(DatabasePath, sql, Cancel);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        LicenzApplication.TryDelete(_folder);
    }
}

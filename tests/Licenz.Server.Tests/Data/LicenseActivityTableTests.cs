using System.Net;
using Licenz.Server.Data;
using Licenz.Server.Tests.Infrastructure;
using Licenz.Tests.Shared;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Licenz.Server.Tests.Data;

/// <summary>
/// On SQLite, <c>license_activity</c> is a <c>WITHOUT ROWID</c> table (migration <c>LicenseActivityWithoutRowid</c>): one
/// B-tree keyed by the license id, so the activity writer finds each row in one search. EF Core cannot say so in its
/// model; these tests fail when a later migration rebuilds the table without it, or when the rebuild loses a row or the
/// table's foreign key.
/// </summary>
public sealed class LicenseActivityTableTests : IDisposable
{
    private const string Before = "20261201181628_OfflineMachineFiles";

    private readonly string _folder = Directory.CreateTempSubdirectory("licenz-activity-table-").FullName;

    private string DataDirectory => Path.Combine(_folder, "licenz-data");

    private string DatabasePath => Path.Combine(DataDirectory, "licenz.db");

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheTableIsOneBTreeThatKeepsItsTimesAndCascadesThroughADowngradeAndAnUpgrade()
    {
        string adminKey, validated, deleted;
        await using (var app = LicenzApplication.Over(DataDirectory, TestDatabase.Sqlite))
        {
            await app.InitializeAsync();
            adminKey = app.AdminKey;
            using var admin = app.CreateClient(adminKey);
            var product = (await (await admin.PostJsonAsync("products", new { name = "Activity table" })).DataAsync(HttpStatusCode.Created)).Str("id");
            var license = await (await admin.PostJsonAsync("licenses", new { product_id = product, email = "kept@example.com", type = "perpetual" })).DataAsync(HttpStatusCode.Created);
            validated = license.Str("id");
            deleted = (await (await admin.PostJsonAsync("licenses", new { product_id = product, email = "gone@example.com", type = "perpetual" })).DataAsync(HttpStatusCode.Created)).Str("id");
            Assert.Equal("VALID", (await (await admin.PostJsonAsync("licenses/verify", new { key = license.Str("key") })).DataAsync()).Str("code"));
            await app.FlushActivityAsync();
        }

        Assert.Equal(["WITHOUT ROWID"], await TableOptionsAsync());
        Assert.Empty(await ScalarsAsync("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'license_activity'"));
        var time = Assert.Single(await ScalarsAsync($"SELECT LastValidatedAt FROM license_activity WHERE LicenseId = '{validated}'"));
        Assert.NotEqual("", time);

        await using (var db = Context())
        {
            var migrator = db.GetService<IMigrator>();
            await migrator.MigrateAsync(Before, Cancel);
            Assert.Equal([""], await TableOptionsAsync());
            Assert.Equal([time], await ScalarsAsync($"SELECT LastValidatedAt FROM license_activity WHERE LicenseId = '{validated}'"));

            await migrator.MigrateAsync(cancellationToken: Cancel);
            Assert.Equal(["WITHOUT ROWID"], await TableOptionsAsync());
            Assert.Equal([time], await ScalarsAsync($"SELECT LastValidatedAt FROM license_activity WHERE LicenseId = '{validated}'"));
        }

        // The rebuilt table still belongs to its license: deleting the license deletes its row.
        await using (var app = LicenzApplication.Over(DataDirectory, TestDatabase.Sqlite))
        {
            await app.InitializeAsync();
            using var admin = app.CreateClient(adminKey);
            (await admin.DeleteAsync($"licenses/{deleted}", Cancel)).EnsureSuccessStatusCode();
        }

        Assert.Empty(await ScalarsAsync($"SELECT LicenseId FROM license_activity WHERE LicenseId = '{deleted}'"));
        Assert.Equal([validated], await ScalarsAsync("SELECT LicenseId FROM license_activity"));
    }

    /// <summary>What follows the closing parenthesis of the table's <c>CREATE TABLE</c>, trimmed.</summary>
    private async Task<List<string>> TableOptionsAsync() =>
        (await ScalarsAsync("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'license_activity'"))
        .Select(sql => sql[(sql.LastIndexOf(')') + 1)..].Trim().TrimEnd(';').Trim()).ToList();

    private LicenzDbContext Context() => new(new DbContextOptionsBuilder<LicenzDbContext>().UseSqlite($"Data Source={DatabasePath};Pooling=False").Options);

    /// <summary>The first column of every row, as text ("" for null).</summary>
    private Task<List<string>> ScalarsAsync(string sql) => SqliteFile.ScalarsAsync(DatabasePath, sql, Cancel);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        LicenzApplication.TryDelete(_folder);
    }
}

using Licenz.Server.Accounts;
using Licenz.Server.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Licenz.Server.Tests.Data;

/// <summary>
/// Upgrading a database made before last-validated times had a table of their own keeps every license's time,
/// and the licenses table, altered in place, keeps its links: the activity row goes with its license.
/// </summary>
public sealed class LicenseActivityMigrationTests : IDisposable
{
    private const string Before = "20261126202954_SigningKeys";
    private const string Validated = "lic_00000000000000000000000001";
    private const string NeverValidated = "lic_00000000000000000000000002";

    private readonly string _folder = Directory.CreateTempSubdirectory("licenz-migration-").FullName;

    [Fact]
    public async Task UpgradeMovesEachLastValidatedTimeToTheActivityTableAndDowngradeMovesItBack()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var db = new LicenzDbContext(new DbContextOptionsBuilder<LicenzDbContext>()
            .UseSqlite($"Data Source={Path.Combine(_folder, "licenz.db")};Pooling=False").Options);
        var migrator = db.GetService<IMigrator>();
        Assert.Contains(Before, db.Database.GetMigrations());

        // A database as the previous release left it: the time is a column of the license row.
        await migrator.MigrateAsync(Before, cancellationToken);
        await ScalarsAsync(db,
            $$"""
            INSERT INTO accounts (Id, Name, Plan, IsDefault, CreatedAt) VALUES ('acct_1', 'Default', 'free', 1, '2026-11-01 00:00:00');
            INSERT INTO products (Id, AccountId, Name, Code, Metadata, SubscriptionDays, TrialDays, CreatedAt, UpdatedAt)
                VALUES ('prod_1', 'acct_1', 'Desktop', 'desktop', '{}', 365, 14, '2026-11-01 00:00:00', '2026-11-01 00:00:00');
            INSERT INTO licenses (Id, AccountId, ProductId, Key, Email, Type, Status, Metadata, CreatedAt, UpdatedAt, LastValidatedAt, Version)
                VALUES ('{{Validated}}', 'acct_1', 'prod_1', 'LIC-AAAAA-AAAAA-AAAAA', 'a@example.com', 'Perpetual', 'Active', '{}',
                        '2026-11-01 00:00:00', '2026-11-01 00:00:00', '2026-11-20 10:11:12', 1),
                       ('{{NeverValidated}}', 'acct_1', 'prod_1', 'LIC-BBBBB-BBBBB-BBBBB', 'b@example.com', 'Perpetual', 'Active', '{}',
                        '2026-11-01 00:00:00', '2026-11-01 00:00:00', NULL, 1);
            """, cancellationToken);

        await migrator.MigrateAsync(cancellationToken: cancellationToken);

        var times = await db.Licenses.AsNoTracking().IgnoreQueryFilters([LicenzDbContext.TenantFilter]).OrderBy(l => l.Id).Select(l => new { l.Id, l.Activity.LastValidatedAt }).ToListAsync(cancellationToken);
        Assert.Equal([Validated, NeverValidated], times.Select(t => t.Id));
        Assert.Equal(new DateTime(2026, 11, 20, 10, 11, 12, DateTimeKind.Utc), times[0].LastValidatedAt);
        Assert.Null(times[1].LastValidatedAt);
        Assert.DoesNotContain("LastValidatedAt", await ColumnsAsync(db, "licenses", cancellationToken));
        Assert.Empty(await ScalarsAsync(db, "PRAGMA foreign_key_check", cancellationToken));

        // The activity table refers to the licenses table: deleting a license deletes its row.
        await ScalarsAsync(db, $"DELETE FROM licenses WHERE Id = '{NeverValidated}'", cancellationToken);
        Assert.Equal([Validated], await ScalarsAsync(db, "SELECT LicenseId FROM license_activity", cancellationToken));

        await migrator.MigrateAsync(Before, cancellationToken);
        Assert.Equal(["2026-11-20 10:11:12"], await ScalarsAsync(db, "SELECT LastValidatedAt FROM licenses", cancellationToken));
        Assert.DoesNotContain("license_activity", await ScalarsAsync(db, "SELECT name FROM sqlite_master WHERE type = 'table'", cancellationToken));
    }

    private static Task<List<string>> ColumnsAsync(LicenzDbContext db, string table, CancellationToken cancellationToken) =>
        ScalarsAsync(db, $"SELECT name FROM pragma_table_info('{table}')", cancellationToken);

    /// <summary>Runs the statements; the first column of every row they return, as text.</summary>
    private static async Task<List<string>> ScalarsAsync(LicenzDbContext db, string sql, CancellationToken cancellationToken)
    {
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var values = new List<string>();
            while (await reader.ReadAsync(cancellationToken))
            {
                values.Add(reader.IsDBNull(0) ? "" : reader.GetValue(0).ToString() ?? "");
            }

            return values;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}

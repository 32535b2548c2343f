using System.Data;
using Licenz.Server.Data;
using Licenz.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Licenz.Server.Tests.Data;

/// <summary>
/// Every connection the server opens to its SQLite file has the larger page cache and no memory map; the activity
/// writer's flush gets a larger cache still and memory-mapped reads, for as long as it runs.
/// </summary>
public sealed class SqliteConnectionSettingsTests(LicenzApplication.OnSqlite app) : IClassFixture<LicenzApplication.OnSqlite>
{
    [Fact]
    public async Task ConnectionsOpenedByTheServerUseTheLargerCacheAndNoMemoryMap()
    {
        // Twice: the second open reuses a pooled connection, and must still have them.
        for (var open = 0; open < 2; open++)
        {
            await using var scope = app.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
            await db.Database.OpenConnectionAsync(TestContext.Current.CancellationToken);
            try
            {
                Assert.Equal(-8192L, await PragmaAsync(db, "cache_size"));
                Assert.Equal(0L, await PragmaAsync(db, "mmap_size"));
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }

    [Fact]
    public async Task TheLargePageCacheLastsUntilDisposedAndThenTheConnectionIsAsItWas()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();

        await using (await SqliteConnectionSettings.LargePageCacheAsync(db.Database, cancellationToken))
        {
            Assert.Equal(ConnectionState.Open, db.Database.GetDbConnection().State);
            Assert.Equal(-65536L, await PragmaAsync(db, "cache_size"));
            Assert.Equal(268435456L, await PragmaAsync(db, "mmap_size"));
        }

        Assert.Equal(ConnectionState.Closed, db.Database.GetDbConnection().State);

        // Opened by someone else as well, the connection stays open after it, with its usual cache again.
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using (await SqliteConnectionSettings.LargePageCacheAsync(db.Database, cancellationToken))
            {
                Assert.Equal(-65536L, await PragmaAsync(db, "cache_size"));
            }

            Assert.Equal(ConnectionState.Open, db.Database.GetDbConnection().State);
            Assert.Equal(-8192L, await PragmaAsync(db, "cache_size"));
            Assert.Equal(0L, await PragmaAsync(db, "mmap_size"));
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task<long> PragmaAsync(LicenzDbContext db, string name)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = $"PRAGMA {name};";
        return Convert.ToInt64(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }
}

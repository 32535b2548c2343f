using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Licenz.Server.Data;

/// <summary>
/// Settings SQLite keeps per connection, applied each time EF Core opens one: an 8 MB page cache instead of 2 MB. The
/// activity writer's flush (<see cref="LargePageCacheAsync"/>) also reads through a memory map of the database file
/// instead of a system call per page: with a million licenses it updates tens of thousands of rows scattered over the
/// table every few seconds, and each of its page reads had been a <c>pread</c>.
/// </summary>
/// <remarks>
/// Only the flush maps the file. A map is per connection, and SQLite maps the file again on every connection that sees
/// it grow: under writes (licenses created, machines activated) the file grows all the time, and with a map on every
/// pooled connection the remapping and page faults took a third of the server's CPU (machine activations 1,204/s with
/// the map on every connection, 1,977/s without, in two 8-second runs of bench/wrk/activate.lua, one after the other).
/// </remarks>
public sealed class SqliteConnectionSettings : DbConnectionInterceptor
{
    private const string PageCache = "PRAGMA cache_size = -8192;";
    private const string LargePageCache = "PRAGMA cache_size = -65536; PRAGMA mmap_size = 268435456;";
    private const string Usual = PageCache + " PRAGMA mmap_size = 0;";

    /// <summary>
    /// Opens the context's connection with a 64 MB page cache and memory-mapped reads until the result is disposed, then
    /// gives the connection back with its usual cache and no map (SQLite frees the pages beyond it). For a transaction that changes pages by the
    /// thousand (the activity writer's flush): with the usual cache, changed pages are spilled to the WAL before the
    /// commit and read back when the next statement changes them again. Other databases: opens the connection only.
    /// </summary>
    public static async Task<IAsyncDisposable> LargePageCacheAsync(DatabaseFacade database, CancellationToken cancellationToken)
    {
        await database.OpenConnectionAsync(cancellationToken);
        if (database.GetDbConnection() is not SqliteConnection sqlite)
        {
            return new Restore(database, null);
        }

        await ExecuteAsync(sqlite, LargePageCache, cancellationToken);
        return new Restore(database, sqlite);
    }

    private sealed class Restore(DatabaseFacade database, SqliteConnection? sqlite) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                if (sqlite is not null)
                {
                    await ExecuteAsync(sqlite, Usual, CancellationToken.None);
                    NativeHeap.Trim();
                }
            }
            finally
            {
                await database.CloseConnectionAsync();
            }
        }
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string pragmas, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (connection is SqliteConnection sqlite)
        {
            using var command = sqlite.CreateCommand();
            command.CommandText = PageCache;
            command.ExecuteNonQuery();
        }
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (connection is SqliteConnection sqlite)
        {
            await ExecuteAsync(sqlite, PageCache, cancellationToken);
        }
    }
}

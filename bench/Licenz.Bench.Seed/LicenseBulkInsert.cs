using Licenz.Server.Data;
using Licenz.Server.Licenses;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Bench.Seed;

/// <summary>
/// Inserts licenses with one prepared SQLite statement per table in large transactions: a million rows in well under a
/// minute, where change tracking would take many. Tables, columns and value conversions come from the server's
/// EF Core model (<see cref="LicenseTable"/>), so the rows are exactly what the server itself would have written.
/// On PostgreSQL the licenses are copied in instead (<see cref="LicenseBulkCopy"/>).
/// </summary>
internal static class LicenseBulkInsert
{
    private const int BatchSize = 50_000;

    public static async Task<int> RunAsync(LicenzDbContext db, int count, Func<int, License> create)
    {
        if (count == 0)
        {
            return 0;
        }

        if (db.Database.IsNpgsql())
        {
            return await LicenseBulkCopy.RunAsync(db, count, create);
        }

        var tables = LicenseTable.ForLicenses(db);

        await db.Database.OpenConnectionAsync();
        try
        {
            var connection = (SqliteConnection)db.Database.GetDbConnection();
            await ExecuteAsync(connection, "PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;");

            var inserted = 0;
            while (inserted < count)
            {
                await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
                var inserts = new List<(SqliteCommand Command, SqliteParameter[] Parameters)>();
                foreach (var table in tables)
                {
                    var insert = connection.CreateCommand();
                    insert.Transaction = transaction;
                    insert.CommandText = $"INSERT INTO {LicenseTable.Quote(table.Name)} ({table.ColumnList}) " +
                                         $"VALUES ({string.Join(", ", table.Columns.Select((_, i) => $"$p{i}"))})";
                    // Untyped: each value is bound as what it is (text, integer, null), as EF Core binds it.
                    var parameters = table.Columns.Select((_, i) => insert.Parameters.Add(new SqliteParameter { ParameterName = $"$p{i}" })).ToArray();
                    insert.Prepare();
                    inserts.Add((insert, parameters));
                }

                try
                {
                    var end = Math.Min(count, inserted + BatchSize);
                    for (; inserted < end; inserted++)
                    {
                        var license = create(inserted);
                        for (var t = 0; t < tables.Length; t++)
                        {
                            var (insert, parameters) = inserts[t];
                            var row = tables[t].Row(license);
                            for (var i = 0; i < parameters.Length; i++)
                            {
                                parameters[i].Value = tables[t].Columns[i].ValueOf(row) ?? DBNull.Value;
                            }

                            await insert.ExecuteNonQueryAsync();
                        }
                    }
                }
                finally
                {
                    foreach (var (insert, _) in inserts)
                    {
                        await insert.DisposeAsync();
                    }
                }

                await transaction.CommitAsync();
            }

            await ExecuteAsync(connection, "PRAGMA wal_checkpoint(TRUNCATE);");
            return inserted;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}

using Licenz.Server.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Licenz.Bench.Seed;

/// <summary>
/// Inserts licenses with one prepared SQLite statement in large transactions: a million rows in well under a
/// minute, where change tracking would take many. Table, columns and value conversions come from the server's
/// EF Core model, so the rows are exactly what the server itself would have written.
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

        var entity = db.Model.FindEntityType(typeof(License)) ?? throw new InvalidOperationException("No License entity in the model.");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var properties = entity.GetProperties().ToArray();
        var columns = properties.Select(p => p.GetColumnName(table) ?? throw new InvalidOperationException($"No column for {p.Name}.")).ToArray();
        var getters = properties.Select(p => p.GetGetter()).ToArray();
        var converters = properties.Select(p => p.GetTypeMapping().Converter).ToArray();

        await db.Database.OpenConnectionAsync();
        try
        {
            var connection = (SqliteConnection)db.Database.GetDbConnection();
            await ExecuteAsync(connection, "PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;");

            var inserted = 0;
            while (inserted < count)
            {
                await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
                await using var insert = connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = $"INSERT INTO {Quote(table.Name)} ({string.Join(", ", columns.Select(Quote))}) " +
                                     $"VALUES ({string.Join(", ", columns.Select((_, i) => $"$p{i}"))})";
                // Untyped: each value is bound as what it is (text, integer, null), as EF Core binds it.
                var parameters = columns.Select((_, i) => insert.Parameters.Add(new SqliteParameter { ParameterName = $"$p{i}" })).ToArray();
                insert.Prepare();
                var end = Math.Min(count, inserted + BatchSize);
                for (; inserted < end; inserted++)
                {
                    var license = create(inserted);
                    for (var i = 0; i < parameters.Length; i++)
                    {
                        var value = getters[i].GetClrValue(license);
                        if (value is not null && converters[i] is { } converter)
                        {
                            value = converter.ConvertToProvider(value);
                        }

                        parameters[i].Value = value ?? DBNull.Value;
                    }

                    await insert.ExecuteNonQueryAsync();
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

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

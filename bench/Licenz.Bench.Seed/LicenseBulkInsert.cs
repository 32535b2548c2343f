using Licenz.Server.Activity;
using Licenz.Server.Data;
using Licenz.Server.Licenses;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Licenz.Bench.Seed;

/// <summary>
/// Inserts licenses with one prepared SQLite statement per table in large transactions: a million rows in well under a
/// minute, where change tracking would take many. Tables, columns and value conversions come from the server's
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

        // A license is two rows: its own, and its last-validated row (LicenseActivity).
        Table[] tables = [Table.Of<License>(db, license => license), Table.Of<LicenseActivity>(db, license => license.Activity)];

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
                    insert.CommandText = $"INSERT INTO {Quote(table.Name)} ({string.Join(", ", table.Columns.Select(c => Quote(c.Name)))}) " +
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
                                var (_, getter, converter) = tables[t].Columns[i];
                                var value = getter.GetClrValue(row);
                                if (value is not null && converter is not null)
                                {
                                    value = converter.ConvertToProvider(value);
                                }

                                parameters[i].Value = value ?? DBNull.Value;
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

    /// <summary>An entity type's table and columns in the server's model, and where a license keeps that entity.</summary>
    private sealed record Table(string Name, (string Name, IClrPropertyGetter Getter, ValueConverter? Converter)[] Columns, Func<License, object> Row)
    {
        public static Table Of<T>(LicenzDbContext db, Func<License, T> row) where T : class
        {
            var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"No {typeof(T).Name} entity in the model.");
            var mapping = entity.GetTableMappings().Single();
            return new Table(mapping.Table.Name,
                mapping.ColumnMappings.Select(c => (c.Column.Name, c.Property.GetGetter(), c.Property.GetTypeMapping().Converter)).ToArray(),
                row);
        }
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

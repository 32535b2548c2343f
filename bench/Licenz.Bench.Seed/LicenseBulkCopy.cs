using Licenz.Server.Data;
using Licenz.Server.Licenses;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Licenz.Bench.Seed;

/// <summary>
/// Loads licenses into PostgreSQL with binary <c>COPY … FROM STDIN</c> (<see cref="NpgsqlConnection.BeginBinaryImportAsync"/>),
/// a batch at a time: each batch's licenses, then their last-validated rows (which refer to them), in one transaction.
/// Tables, columns, store types and value conversions come from the server's model for PostgreSQL (<see cref="LicenseTable"/>).
/// </summary>
internal static class LicenseBulkCopy
{
    private const int BatchSize = 50_000;

    public static async Task<int> RunAsync(LicenzDbContext db, int count, Func<int, License> create)
    {
        var tables = LicenseTable.ForLicenses(db);
        await db.Database.OpenConnectionAsync();
        try
        {
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            var inserted = 0;
            var batch = new List<License>(Math.Min(count, BatchSize));
            while (inserted < count)
            {
                batch.Clear();
                for (var end = Math.Min(count, inserted + BatchSize); inserted < end; inserted++)
                {
                    batch.Add(create(inserted));
                }

                await using var transaction = await connection.BeginTransactionAsync();
                foreach (var table in tables)
                {
                    await using var import = await connection.BeginBinaryImportAsync(
                        $"COPY {LicenseTable.Quote(table.Name)} ({table.ColumnList}) FROM STDIN (FORMAT BINARY)");
                    foreach (var license in batch)
                    {
                        var row = table.Row(license);
                        await import.StartRowAsync();
                        foreach (var column in table.Columns)
                        {
                            if (column.ValueOf(row) is { } value)
                            {
                                await import.WriteAsync(value, column.StoreType);
                            }
                            else
                            {
                                await import.WriteNullAsync();
                            }
                        }
                    }

                    await import.CompleteAsync();
                }

                await transaction.CommitAsync();
            }

            // Fresh statistics, as autovacuum would gather soon after a load this size: the server's first queries plan with them.
            await using (var analyze = new NpgsqlCommand(string.Join("; ", tables.Select(t => $"ANALYZE {LicenseTable.Quote(t.Name)}")), connection))
            {
                await analyze.ExecuteNonQueryAsync();
            }

            return inserted;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}

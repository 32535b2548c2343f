using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Licenz.Server.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Licenz.Bench.Seed;

/// <summary>
/// <c>raw-inserts --writers N --seconds S [--warmup W]</c>: the write path's physical limit, which <c>writes.sh</c> judges
/// the server's writes against. N writers at once, each on a connection of its own opened the way the server opens its
/// connections (the server's own EF Core options: its provider and connection string, and on SQLite its connection
/// settings and WAL journal), insert one row per transaction (<c>BEGIN</c>, one <c>INSERT</c>, <c>COMMIT</c>: no EF Core
/// statement, no HTTP) into a table of their own in the same database, <c>bench_raw_inserts</c>, dropped afterwards:
/// W seconds unmeasured, then S seconds measured. The server should not be writing meanwhile.
/// </summary>
/// <remarks>
/// SQLite has one writer at a time, so on SQLite the writers take turns on one lock in this process, first come first
/// served. Without it they would meet SQLite's lock and Microsoft.Data.Sqlite's answer to it, a 150 ms sleep and another
/// try: that would measure the retry loop, not the database. PostgreSQL takes them all at once. Prints
/// <c>raw-result transactions=… duration_us=… p50_us=… p99_us=…</c>: the transactions that ended within the measured
/// seconds, and their latency from the moment the writer wanted to begin (its wait for its turn included).
/// </remarks>
internal static class RawInserts
{
    private const string Table = "bench_raw_inserts";

    // About what a small row of the server's holds besides its id and time (an email, a short JSON object). Ids are made
    // as the server makes its events' (increasing), so rows go in at the end of the table, as the server's do.
    private static readonly string Payload = new('x', 100);

    public static async Task<int> RunAsync(WebApplication app, int writers, int seconds, int warmup)
    {
        await ExecuteAsync(app, $"CREATE TABLE IF NOT EXISTS {Table} (id text PRIMARY KEY, created_at text NOT NULL, payload text NOT NULL)");
        try
        {
            var sqlite = await IsSqliteAsync(app);
            var turn = sqlite ? new SemaphoreSlim(1, 1) : null;
            var start = Stopwatch.GetTimestamp();
            var measuredFrom = start + (long)(warmup * (double)Stopwatch.Frequency);
            var measuredTo = measuredFrom + (long)(seconds * (double)Stopwatch.Frequency);
            var latencies = await Task.WhenAll(Enumerable.Range(0, writers)
                .Select(_ => Task.Run(() => WriteAsync(app, turn, measuredFrom, measuredTo))));

            var all = latencies.SelectMany(l => l).Order().ToArray();
            if (all.Length == 0)
            {
                throw new InvalidOperationException("No transaction ended within the measured seconds.");
            }

            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"raw-result transactions={all.Length} duration_us={seconds * 1_000_000L} p50_us={Microseconds(all[all.Length / 2])} " +
                $"p99_us={Microseconds(all[Math.Min(all.Length - 1, (int)(all.Length * 0.99))])} writers={writers} engine={(sqlite ? "sqlite" : "postgresql")}"));
            return 0;
        }
        finally
        {
            await ExecuteAsync(app, $"DROP TABLE IF EXISTS {Table}");
        }
    }

    /// <summary>One writer: transactions back to back until the measured seconds are over; the latencies of those that ended within them.</summary>
    private static async Task<List<long>> WriteAsync(WebApplication app, SemaphoreSlim? turn, long measuredFrom, long measuredTo)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        await db.Database.OpenConnectionAsync();
        try
        {
            var connection = db.Database.GetDbConnection();
            await using var insert = connection.CreateCommand();
            insert.CommandText = $"INSERT INTO {Table} (id, created_at, payload) VALUES (@id, @at, @payload)";
            var id = Parameter(insert, "@id");
            var at = Parameter(insert, "@at");
            Parameter(insert, "@payload").Value = Payload;

            var latencies = new List<long>();
            while (Stopwatch.GetTimestamp() < measuredTo)
            {
                var wanted = Stopwatch.GetTimestamp();
                if (turn is not null)
                {
                    await turn.WaitAsync();
                }

                try
                {
                    await using var transaction = await connection.BeginTransactionAsync();
                    insert.Transaction = transaction;
                    id.Value = Ids.NewSequential("raw", TimeProvider.System);
                    at.Value = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);
                    await insert.ExecuteNonQueryAsync();
                    await transaction.CommitAsync();
                }
                finally
                {
                    turn?.Release();
                }

                var ended = Stopwatch.GetTimestamp();
                if (ended >= measuredFrom && ended < measuredTo)
                {
                    latencies.Add(ended - wanted);
                }
            }

            return latencies;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static DbParameter Parameter(DbCommand command, string name)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        command.Parameters.Add(parameter);
        return parameter;
    }

    private static async Task<bool> IsSqliteAsync(WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return scope.ServiceProvider.GetRequiredService<LicenzDbContext>().Database.IsSqlite();
    }

    private static async Task ExecuteAsync(WebApplication app, string sql)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<LicenzDbContext>().Database.ExecuteSqlRawAsync(sql);
    }

    private static long Microseconds(long ticks) => (long)(ticks * 1_000_000.0 / Stopwatch.Frequency);
}

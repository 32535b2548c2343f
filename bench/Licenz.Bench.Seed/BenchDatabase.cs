using Licenz.Server.Data;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Licenz.Bench.Seed;

/// <summary>
/// <c>create-database</c> and <c>drop-database</c>: the PostgreSQL database named in the server's connection string
/// (<c>ConnectionStrings:Licenz</c>, <c>Database=…</c>), made fresh for a benchmark run and dropped after it. Both
/// connect to the <c>postgres</c> maintenance database with the same credentials (a role that may create databases).
/// <c>create-database</c> prints the server's version, for the results.
/// </summary>
internal static class BenchDatabase
{
    public static async Task<int> RunAsync(string command, string[] configuration)
    {
        var settings = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(configuration).Build();
        var target = new NpgsqlConnectionStringBuilder(settings.GetConnectionString(DatabaseSetup.ConnectionStringName)
                                                       ?? throw new InvalidOperationException("ConnectionStrings:Licenz is not set."));
        var name = target.Database;
        if (string.IsNullOrEmpty(name) || name == "postgres")
        {
            throw new InvalidOperationException("ConnectionStrings:Licenz names no database of its own (Database=…).");
        }

        var quoted = LicenseTable.Quote(name);
        var maintenance = new NpgsqlConnectionStringBuilder(target.ConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
        await connection.OpenAsync();

        // A database left over by a run that was killed is dropped first: each run starts from an empty one.
        // FORCE ends its sessions (a server of that run still connected).
        await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)");
        if (command == "create-database")
        {
            await ExecuteAsync(connection, $"CREATE DATABASE {quoted}");
            await Console.Out.WriteLineAsync(connection.ServerVersion);
        }

        await Console.Error.WriteLineAsync($"{(command == "create-database" ? "Created" : "Dropped")} database {name} on {target.Host}:{target.Port}.");
        return 0;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

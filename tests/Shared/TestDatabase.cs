using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Licenz.Tests.Shared;

/// <summary>
/// Which engine a test run's servers use. SQLite (the default) needs nothing; PostgreSQL needs a server the tests may
/// create databases on (<c>LICENZ_TEST_POSTGRES</c>, default: the role <c>.ci/run</c> creates on 127.0.0.1). Each host
/// gets a database named after its data folder, so a host started again on the same folder finds its data.
/// </summary>
public sealed class TestDatabase
{
    public const string EngineVariable = "LICENZ_TEST_DATABASE";
    public const string ServerVariable = "LICENZ_TEST_POSTGRES";
    public const string DefaultServer = "Host=127.0.0.1;Port=5432;Username=licenz;Password=licenz";

    private TestDatabase(bool isPostgreSql, string server)
    {
        IsPostgreSql = isPostgreSql;
        Server = server;
    }

    public bool IsPostgreSql { get; }

    /// <summary>The PostgreSQL server's connection string, without a database.</summary>
    public string Server { get; }

    public static TestDatabase FromEnvironment()
    {
        var engine = Environment.GetEnvironmentVariable(EngineVariable)?.Trim().ToLowerInvariant();
        var server = Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } configured ? configured : DefaultServer;
        return engine switch
        {
            null or "" or "sqlite" => new TestDatabase(false, server),
            "postgresql" or "postgres" => new TestDatabase(true, server),
            _ => throw new InvalidOperationException($"{EngineVariable} is '{engine}'; it must be sqlite or postgresql."),
        };
    }

    /// <summary>SQLite in the data folder, whatever the engine of the run: for tests about SQLite itself.</summary>
    public static TestDatabase Sqlite { get; } = new(false, DefaultServer);

    /// <summary>The PostgreSQL server the tests may use, whatever the engine of the run (the two-node tests need it).</summary>
    public static TestDatabase PostgreSql { get; } = new(true, FromEnvironment().Server);

    /// <summary>
    /// Checks that the PostgreSQL server answers; skips the calling test with the reason when it does not, or fails it
    /// under <c>LICENZ_REQUIRE_POSTGRES</c> (<c>.ci/run</c> installs and starts PostgreSQL, then requires it).
    /// </summary>
    public async Task RequireAsync()
    {
        try
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Server) { Database = "postgres", Pooling = false, Timeout = 5 }.ConnectionString);
            await connection.OpenAsync();
        }
        catch (Exception unreachable) when (unreachable is NpgsqlException or TimeoutException)
        {
            var problem = $"No PostgreSQL server at {new NpgsqlConnectionStringBuilder(Server).Host} ({ServerVariable}): {unreachable.Message}. .ci/run installs and starts one, then runs this test.";
            if (Environment.GetEnvironmentVariable("LICENZ_REQUIRE_POSTGRES") is { Length: > 0 })
            {
                Assert.Fail($"LICENZ_REQUIRE_POSTGRES is set, but: {problem}");
            }

            Assert.Skip(problem);
        }
    }

    /// <summary>The server settings for a host with this data folder.</summary>
    public IEnumerable<KeyValuePair<string, string?>> SettingsFor(string dataDirectory)
    {
        if (!IsPostgreSql)
        {
            yield break;
        }

        yield return new("Licenz:Database:Provider", "postgresql");
        yield return new("Licenz:Database:MigrateAtStart", "true");
        yield return new("ConnectionStrings:Licenz", ConnectionString(dataDirectory));
    }

    public string ConnectionString(string dataDirectory) =>
        new NpgsqlConnectionStringBuilder(Server) { Database = DatabaseName(dataDirectory) }.ConnectionString;

    /// <summary><c>licenz_test_</c> and a digest of the folder's path: a valid name, the same for the same folder.</summary>
    public static string DatabaseName(string dataDirectory) =>
        "licenz_test_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataDirectory))))[..24];

    /// <summary>Drops the host's database (PostgreSQL), closing what still holds it.</summary>
    public async Task DropAsync(string dataDirectory)
    {
        if (!IsPostgreSql)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Server) { Database = "postgres", Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{DatabaseName(dataDirectory)}\" WITH (FORCE)", connection);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await drop.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException busy) when (busy.SqlState == PostgresErrorCodes.InsufficientPrivilege && attempt < 20)
            {
                // FORCE ends the role's own sessions only: an autovacuum worker (the superuser's) that started on the new
                // database is waited for, unless the role may signal it (.ci/run grants pg_signal_backend).
                await Task.Delay(250);
            }
        }
    }
}

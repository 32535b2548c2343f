using System.Net;
using Licenz.Server.Tests.Infrastructure;
using Licenz.Tests.Shared;

namespace Licenz.Server.Tests.Hosting;

/// <summary>
/// The server process on PostgreSQL as an operator runs it: the schema moves only through the logged <c>migrate</c>
/// command (or at start when configured to), a node refuses to start on a schema that is behind, and a wrong database
/// setting stops the start with a message that names it. Runs in every pass, whatever the suite's engine.
/// </summary>
public sealed class PostgreSqlProcessTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "licenz-tests", "pg-process-" + Guid.NewGuid().ToString("N"));

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private Dictionary<string, string> OnPostgreSql => new()
    {
        ["Licenz__Database__Provider"] = "postgresql",
        ["ConnectionStrings__Licenz"] = TestDatabase.PostgreSql.ConnectionString(_folder),
    };

    public ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task MigrateLogsEachMigrationAndThenTheNodeStartsOnTheSchemaItMade()
    {
        await TestDatabase.PostgreSql.RequireAsync();

        var (exitCode, _, error) = await LicenzProcess.RunAsync(_folder, ["migrate"], OnPostgreSql);
        Assert.True(exitCode == 0, $"Exit code {exitCode}: {error}");
        Assert.Contains("Applying", error, StringComparison.Ordinal);
        Assert.Contains("_InitialSchema", error, StringComparison.Ordinal);
        Assert.Contains("The PostgreSQL database schema is up to date.", error, StringComparison.Ordinal);

        // Again: nothing left to apply, and it says so without applying anything.
        (exitCode, _, error) = await LicenzProcess.RunAsync(_folder, ["migrate"], OnPostgreSql);
        Assert.True(exitCode == 0, $"Exit code {exitCode}: {error}");
        Assert.DoesNotContain("Applying", error, StringComparison.Ordinal);

        await using var server = LicenzProcess.Start(_folder, ["--urls", "https://127.0.0.1:0"], OnPostgreSql);
        await server.WaitUntilListeningAsync();
        Assert.StartsWith("lz_admin_", server.AdminKey, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, "licenz-data", "licenz.db")), "The node made a SQLite database although the engine is PostgreSQL.");
    }

    [Fact]
    public async Task ANodeOnASchemaThatIsBehindRefusesToStartAndNamesTheMigrateCommand()
    {
        await TestDatabase.PostgreSql.RequireAsync();

        await using var server = LicenzProcess.Start(_folder, ["--urls", "https://127.0.0.1:0"], OnPostgreSql);
        var exitCode = await server.WaitForExitAsync();

        Assert.NotEqual(0, exitCode);
        Assert.Contains("migration(s) behind", server.Error, StringComparison.Ordinal);
        Assert.Contains("migrate", server.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Output, l => l.StartsWith("Admin API key", StringComparison.Ordinal));
        Assert.DoesNotMatch(@"^\s+at ", server.Error);
    }

    [Fact]
    public async Task MigrateAtStartLetsTheNodeMigrateItself()
    {
        await TestDatabase.PostgreSql.RequireAsync();
        var environment = OnPostgreSql;
        environment["Licenz__Database__MigrateAtStart"] = "true";

        await using var server = LicenzProcess.Start(_folder, ["--urls", "https://127.0.0.1:0"], environment);
        await server.WaitUntilListeningAsync();

        Assert.StartsWith("lz_admin_", server.AdminKey, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mysql", null, "Licenz:Database:Provider is 'mysql'; it must be 'sqlite' or 'postgresql'.")]
    [InlineData("postgresql", null, "ConnectionStrings:Licenz must say where the database is")]
    [InlineData("postgresql", "Host=127.0.0.1;Port=1;Database=licenz;Username=licenz;Password=licenz;Timeout=2", "the database:")]
    public async Task AWrongDatabaseSettingStopsTheStartWithAMessageThatNamesIt(string provider, string? connectionString, string expected)
    {
        var environment = new Dictionary<string, string> { ["Licenz__Database__Provider"] = provider };
        if (connectionString is not null)
        {
            environment["ConnectionStrings__Licenz"] = connectionString;
        }

        var (exitCode, output, error) = await LicenzProcess.RunAsync(_folder, ["--urls", "https://127.0.0.1:0"], environment);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^\s+at ", error);
        Assert.DoesNotContain(output, l => l.StartsWith("Admin API key", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await TestDatabase.PostgreSql.DropAsync(_folder);
        }
        catch (Npgsql.NpgsqlException)
        {
            // No PostgreSQL server here (the test skipped): nothing was made on it.
        }

        LicenzHost.TryDelete(_folder);
    }
}

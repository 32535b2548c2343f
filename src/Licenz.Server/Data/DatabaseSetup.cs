using Licenz.Server.Events;
using Licenz.Server.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Data;

/// <summary>The database engines Licenz runs on.</summary>
public enum DatabaseProvider
{
    /// <summary>Embedded, in the data folder: one node, nothing to install.</summary>
    Sqlite,

    /// <summary>An existing PostgreSQL server: several nodes over one database.</summary>
    PostgreSql,
}

/// <summary>Settings under <c>Licenz:Database</c>; the connection string is <c>ConnectionStrings:Licenz</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Licenz:Database";

    /// <summary><c>sqlite</c> (the default) or <c>postgresql</c>.</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>
    /// Bring the schema up to date when the server starts. Unset: yes for SQLite (one node owns its file), no for
    /// PostgreSQL, whose schema an operator moves on with the <c>migrate</c> command before rolling the nodes.
    /// </summary>
    public bool? MigrateAtStart { get; set; }

    /// <summary>The engine named; SQLite for a name that is none (which the validator refuses at start).</summary>
    public DatabaseProvider ParsedProvider => TryParseProvider(Provider, out var provider) ? provider : DatabaseProvider.Sqlite;

    public static bool TryParseProvider(string? name, out DatabaseProvider provider)
    {
        (var known, provider) = name?.Trim().ToLowerInvariant() switch
        {
            "sqlite" => (true, DatabaseProvider.Sqlite),
            "postgresql" or "postgres" => (true, DatabaseProvider.PostgreSql),
            _ => (false, DatabaseProvider.Sqlite),
        };
        return known;
    }

    public bool MigratesAtStart => MigrateAtStart ?? ParsedProvider == DatabaseProvider.Sqlite;
}

/// <summary>Names a provider that does not exist, or PostgreSQL without a connection string.</summary>
public sealed class DatabaseOptionsValidator(IConfiguration configuration) : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        if (!DatabaseOptions.TryParseProvider(options.Provider, out var provider))
        {
            return ValidateOptionsResult.Fail($"{DatabaseOptions.Section}:Provider is '{options.Provider}'; it must be 'sqlite' or 'postgresql'.");
        }

        return provider == DatabaseProvider.PostgreSql && string.IsNullOrWhiteSpace(configuration.GetConnectionString(DatabaseSetup.ConnectionStringName))
            ? ValidateOptionsResult.Fail(
                $"{DatabaseOptions.Section}:Provider is postgresql, so ConnectionStrings:{DatabaseSetup.ConnectionStringName} must say where the database is " +
                "(for example: Host=db.internal;Database=licenz;Username=licenz;Password=…).")
            : ValidateOptionsResult.Success;
    }
}

public static class DatabaseSetup
{
    public const string ConnectionStringName = "Licenz";

    private static readonly SqliteConnectionSettings ConnectionSettings = new();

    /// <summary>
    /// The database of <c>Licenz:Database:Provider</c>: SQLite in the data folder by default (<c>ConnectionStrings:Licenz</c>
    /// overrides the location), or PostgreSQL at <c>ConnectionStrings:Licenz</c>. Features see one
    /// <see cref="LicenzDbContext"/> either way; queries stay provider-neutral (no raw SQL).
    /// </summary>
    public static IServiceCollection AddLicenzDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IValidateOptions<DatabaseOptions>, DatabaseOptionsValidator>();
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateOnStart();
        services.AddScoped<Tenancy>();
        services.AddSingleton<EventSources>();
        services.AddSingleton<EventSpineInterceptor>();
        services.AddSingleton<GroupCommit>();
        services.AddHostedService(provider => provider.GetRequiredService<GroupCommit>());

        // The provider decides which context type is pooled; it is read here, before the container exists.
        var provider = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>()?.ParsedProvider ?? DatabaseProvider.Sqlite;
        if (provider == DatabaseProvider.PostgreSql)
        {
            services.AddPooledDbContextFactory<PostgreSqlLicenzDbContext>((provider, builder) =>
                builder.UseNpgsql(PostgreSqlConnectionString(provider.GetRequiredService<IConfiguration>()))
                    .AddInterceptors(provider.GetRequiredService<EventSpineInterceptor>()));
            services.AddSingleton<IDbContextFactory<LicenzDbContext>, EngineContextFactory<PostgreSqlLicenzDbContext>>();
        }
        else
        {
            services.AddPooledDbContextFactory<LicenzDbContext>((provider, builder) =>
            {
                var options = provider.GetRequiredService<IOptions<LicenzOptions>>().Value;
                builder.UseSqlite(SqliteConnectionString(provider.GetRequiredService<IConfiguration>(), options))
                    .AddInterceptors(provider.GetRequiredService<EventSpineInterceptor>(), ConnectionSettings);
            });
        }

        // A context from the pool, told whose rows this scope may see; disposing it returns it to the pool.
        services.AddScoped(provider =>
        {
            var db = provider.GetRequiredService<IDbContextFactory<LicenzDbContext>>().CreateDbContext();
            db.Tenancy = provider.GetRequiredService<Tenancy>();
            return db;
        });
        return services;
    }

    /// <summary>
    /// <c>ConnectionStrings:Licenz</c>, with three defaults of Npgsql's changed unless the connection string sets them:
    /// <list type="bullet">
    /// <item><c>Maximum Pool Size</c> 25, not 100: Npgsql's 100 is all of PostgreSQL's default <c>max_connections</c>, so
    /// two nodes under a burst could take every connection and a third request, or <c>psql</c>, be refused ("too many
    /// clients"). A node's database work is bounded by its CPU long before 25 statements run at once; a request beyond
    /// that waits for a connection from the pool (<c>Timeout</c>, 15 s) instead of being refused by PostgreSQL.</item>
    /// <item><c>Max Auto Prepare</c> 64: statements prepared on each connection once they are used a few times. EF Core's
    /// queries are the same few statements over and over, and unprepared, PostgreSQL plans each again every time (a
    /// license read with its policy took milliseconds of planning under the activation benchmark, see bench/README.md).</item>
    /// <item><c>No Reset On Close</c>: a pooled connection is not reset each time a request gives it back. The server sets
    /// no session state to reset, and the reset was a statement for PostgreSQL to run on every connection use (machine
    /// activations 821/s against 712/s without it, PostgreSQL's CPU per activation 0.84 ms against 1.08 ms).</item>
    /// </list>
    /// </summary>
    public static string? PostgreSqlConnectionString(IConfiguration configuration)
    {
        var configured = configuration.GetConnectionString(ConnectionStringName);
        if (configured is null)
        {
            return null;
        }

        // Npgsql's builder knows every keyword, set or not: whether the operator set one is read from their string.
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = configured }.Keys.Cast<string>()
            .Select(key => key.Replace(" ", "", StringComparison.Ordinal)).ToList();
        bool Given(string keyword) => given.Contains(keyword, StringComparer.OrdinalIgnoreCase);

        var used = new Npgsql.NpgsqlConnectionStringBuilder(configured);
        if (!Given("MaximumPoolSize") && !Given("MaxPoolSize"))
        {
            used.MaxPoolSize = PooledConnections;
        }

        if (!Given("MaxAutoPrepare"))
        {
            used.MaxAutoPrepare = AutoPreparedStatements;
        }

        if (!Given("NoResetOnClose"))
        {
            used.NoResetOnClose = true;
        }

        return used.ConnectionString;
    }

    /// <summary>The connections each node keeps to PostgreSQL at most, unless the connection string says otherwise.</summary>
    public const int PooledConnections = 25;

    /// <summary>The statements each PostgreSQL connection keeps prepared, unless the connection string says otherwise.</summary>
    public const int AutoPreparedStatements = 64;

    public static string SqliteConnectionString(IConfiguration configuration, LicenzOptions options) =>
        configuration.GetConnectionString(ConnectionStringName)
        ?? $"Data Source={Path.Combine(options.DataDirectoryFullPath, "licenz.db")}";

    /// <summary>
    /// Brings the schema up to date, logging each migration (the <c>migrate</c> command, and every start where
    /// <see cref="DatabaseOptions.MigratesAtStart"/>). Otherwise a schema that is behind stops the start with what to run,
    /// rather than failing requests later. A SQLite database file is made (or kept) readable by the server's user only,
    /// before anything is written to it (<see cref="SqliteFiles"/>).
    /// </summary>
    public static async Task PrepareAsync(LicenzDbContext db, bool migrate, ILogger logger, CancellationToken cancellationToken)
    {
        if (db.Database.IsSqlite() && db.Database.GetConnectionString() is { } connectionString)
        {
            SqliteFiles.RestrictToOwner(connectionString, logger);
        }

        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count > 0 && !migrate)
        {
            throw new InvalidOperationException(
                $"the database schema is {pending.Count} migration(s) behind this version ({string.Join(", ", pending)}). " +
                "Run the migrate command with the same configuration first (licenz-server migrate, or dotnet run --project " +
                $"src/Licenz.Server -- migrate), or set {DatabaseOptions.Section}:MigrateAtStart=true.");
        }

        if (pending.Count > 0)
        {
            // EF Core holds a lock for the duration (a table lock on SQLite, an advisory lock on PostgreSQL), so two nodes
            // started together apply each migration once.
            logger.LogInformation("Applying {Count} database migration(s): {Migrations}", pending.Count, string.Join(", ", pending));
            await db.Database.MigrateAsync(cancellationToken);
            logger.LogInformation("The database schema is up to date ({Migration})", pending[^1]);
        }

        if (db.Database.IsSqlite())
        {
            // Write-ahead logging: readers never wait for the writer. The mode is stored in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }

    /// <summary>Serves an engine's context type where features ask for <see cref="LicenzDbContext"/>.</summary>
    private sealed class EngineContextFactory<TContext>(IDbContextFactory<TContext> engine) : IDbContextFactory<LicenzDbContext>
        where TContext : LicenzDbContext
    {
        public LicenzDbContext CreateDbContext() => engine.CreateDbContext();
    }
}

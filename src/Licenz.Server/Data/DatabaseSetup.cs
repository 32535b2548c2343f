using Licenz.Server.Events;
using Licenz.Server.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Data;

public static class DatabaseSetup
{
    public const string ConnectionStringName = "Licenz";

    private static readonly SqliteConnectionSettings ConnectionSettings = new();

    /// <summary>
    /// SQLite in the data folder by default; <c>ConnectionStrings:Licenz</c> overrides the location.
    /// Queries stay provider-neutral (no raw SQL) so another provider can take its place.
    /// </summary>
    public static IServiceCollection AddLicenzDatabase(this IServiceCollection services)
    {
        services.AddScoped<Tenancy>();
        services.AddSingleton<EventSources>();
        services.AddSingleton<EventSpineInterceptor>();
        services.AddPooledDbContextFactory<LicenzDbContext>((provider, builder) =>
        {
            var configuration = provider.GetRequiredService<IConfiguration>();
            var options = provider.GetRequiredService<IOptions<LicenzOptions>>().Value;
            builder.UseSqlite(SqliteConnectionString(configuration, options))
                .AddInterceptors(provider.GetRequiredService<EventSpineInterceptor>(), ConnectionSettings);
        });

        // A context from the pool, told whose rows this scope may see; disposing it returns it to the pool.
        services.AddScoped(provider =>
        {
            var db = provider.GetRequiredService<IDbContextFactory<LicenzDbContext>>().CreateDbContext();
            db.Tenancy = provider.GetRequiredService<Tenancy>();
            return db;
        });
        return services;
    }

    public static string SqliteConnectionString(IConfiguration configuration, LicenzOptions options) =>
        configuration.GetConnectionString(ConnectionStringName)
        ?? $"Data Source={Path.Combine(options.DataDirectoryFullPath, "licenz.db")}";

    /// <summary>
    /// Brings the schema up to date. Automatic for the embedded SQLite database, and logged. A SQLite database file is
    /// made (or kept) readable by the server's user only, before anything is written to it (<see cref="SqliteFiles"/>).
    /// </summary>
    public static async Task MigrateAsync(LicenzDbContext db, ILogger logger, CancellationToken cancellationToken)
    {
        if (db.Database.IsSqlite() && db.Database.GetConnectionString() is { } connectionString)
        {
            SqliteFiles.RestrictToOwner(connectionString, logger);
        }

        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count > 0)
        {
            logger.LogInformation("Applying {Count} database migration(s): {Migrations}", pending.Count, string.Join(", ", pending));
            await db.Database.MigrateAsync(cancellationToken);
        }

        if (db.Database.IsSqlite())
        {
            // Write-ahead logging: readers never wait for the writer. The mode is stored in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }
}

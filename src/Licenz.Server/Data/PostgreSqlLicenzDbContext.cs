using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Data;

/// <summary>
/// The Licenz model on PostgreSQL (<c>Licenz:Database:Provider = postgresql</c>). Features never name this type: they
/// take <see cref="LicenzDbContext"/>. It exists so that EF Core keeps PostgreSQL's migrations apart from SQLite's.
/// </summary>
public sealed class PostgreSqlLicenzDbContext(DbContextOptions<PostgreSqlLicenzDbContext> options) : LicenzDbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);

        // Text compares byte by byte, as on SQLite: ids page in the same order whatever the database's locale, and a
        // code or an email matches exactly.
        foreach (var property in modelBuilder.Model.GetEntityTypes().SelectMany(t => t.GetProperties()).Where(p => p.ClrType == typeof(string)))
        {
            property.SetCollation("C");
        }
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Licenz.Server.Data;

/// <summary>
/// Used by <c>dotnet ef migrations add</c> only, once per engine:
/// <c>--context LicenzDbContext --output-dir Data/Migrations/Sqlite</c> and
/// <c>--context PostgreSqlLicenzDbContext --output-dir Data/Migrations/PostgreSql</c>. No database is opened.
/// </summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<LicenzDbContext>
{
    public LicenzDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<LicenzDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

internal sealed class DesignTimePostgreSqlDbContextFactory : IDesignTimeDbContextFactory<PostgreSqlLicenzDbContext>
{
    public PostgreSqlLicenzDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgreSqlLicenzDbContext>().UseNpgsql("Host=localhost;Database=licenz_design_time").Options);
}

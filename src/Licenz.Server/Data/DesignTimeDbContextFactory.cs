using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Licenz.Server.Data;

/// <summary>Used by <c>dotnet ef migrations add</c> only.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<LicenzDbContext>
{
    public LicenzDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<LicenzDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

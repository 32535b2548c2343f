using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Licenz.Server.Activity;

/// <remarks>
/// On SQLite the table is <c>WITHOUT ROWID</c> (migration <c>LicenseActivityWithoutRowid</c>; EF Core has no setting for
/// it): a migration that rebuilds this table must say so again, or <c>LicenseActivityTableTests</c> fails.
/// </remarks>
internal sealed class LicenseActivityConfiguration : IEntityTypeConfiguration<LicenseActivity>
{
    public void Configure(EntityTypeBuilder<LicenseActivity> builder)
    {
        builder.ToTable("license_activity");
        builder.HasKey(a => a.LicenseId);
        builder.Property(a => a.LicenseId).HasMaxLength(40);
    }
}

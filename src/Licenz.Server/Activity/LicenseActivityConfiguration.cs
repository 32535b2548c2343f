using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Licenz.Server.Activity;

internal sealed class LicenseActivityConfiguration : IEntityTypeConfiguration<LicenseActivity>
{
    public void Configure(EntityTypeBuilder<LicenseActivity> builder)
    {
        builder.ToTable("license_activity");
        builder.HasKey(a => a.LicenseId);
        builder.Property(a => a.LicenseId).HasMaxLength(40);
    }
}

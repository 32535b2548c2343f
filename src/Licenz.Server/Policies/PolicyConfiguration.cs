using Licenz.Server.Accounts;
using Licenz.Server.Products;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Licenz.Server.Policies;

internal sealed class PolicyConfiguration : IEntityTypeConfiguration<Policy>
{
    public void Configure(EntityTypeBuilder<Policy> builder)
    {
        builder.ToTable("policies");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Id).HasMaxLength(40);
        builder.Property(p => p.AccountId).HasMaxLength(40);
        builder.Property(p => p.ProductId).HasMaxLength(40);
        builder.Property(p => p.Name).HasMaxLength(200);
        builder.Property(p => p.LicenseType).HasConversion<string>().HasMaxLength(20);
        builder.Property(p => p.DefaultFor).HasConversion<string>().HasMaxLength(20);
        builder.Property(p => p.ExpirationStrategy).HasConversion<string>().HasMaxLength(20);
        builder.Property(p => p.ExpirationBasis).HasConversion<string>().HasMaxLength(20);
        builder.Property(p => p.FingerprintMatching).HasConversion<string>().HasMaxLength(20);
        builder.Property(p => p.Entitlements).HasMaxLength(8000);
        builder.Property(p => p.Version).IsConcurrencyToken();
        builder.Ignore(p => p.HeartbeatInterval);

        // One default per product and type (other policies have none: NULLs never collide in a unique index).
        builder.HasIndex(p => new { p.ProductId, p.DefaultFor }).IsUnique();
        builder.HasIndex(p => new { p.AccountId, p.Id });
        builder.HasIndex(p => new { p.AccountId, p.ProductId, p.Id });
        builder.HasOne<Account>().WithMany().HasForeignKey(p => p.AccountId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Product>().WithMany().HasForeignKey(p => p.ProductId).OnDelete(DeleteBehavior.Restrict);
    }
}

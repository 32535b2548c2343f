using Licenz.Server.Accounts;
using Licenz.Server.Activity;
using Licenz.Server.Products;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Licenz.Server.Licenses;

internal sealed class LicenseConfiguration : IEntityTypeConfiguration<License>
{
    public void Configure(EntityTypeBuilder<License> builder)
    {
        builder.ToTable("licenses");
        builder.HasKey(l => l.Id);
        builder.Property(l => l.Id).HasMaxLength(40);
        builder.Property(l => l.AccountId).HasMaxLength(40);
        builder.Property(l => l.ProductId).HasMaxLength(40);
        builder.Property(l => l.KeyHash).HasMaxLength(LicenseKeyProtection.HashSize);
        builder.Property(l => l.SealedKey).HasMaxLength(128);
        builder.Property(l => l.PlaintextKey).HasMaxLength(32);
        builder.Property(l => l.Email).HasMaxLength(320);
        builder.Property(l => l.Type).HasConversion<string>().HasMaxLength(20);
        builder.Property(l => l.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(l => l.Version).IsConcurrencyToken();
        builder.Property(l => l.PolicyId).HasMaxLength(40);
        builder.Property(l => l.Entitlements).HasMaxLength(8000);
        builder.Property(l => l.RecentTransfers).HasMaxLength(8000);
        builder.Ignore(l => l.MaxMachines);

        // Its policy comes with it, as its activity does: every answer about a license shows its effective rules.
        builder.HasOne(l => l.Policy).WithMany().HasForeignKey(l => l.PolicyId).OnDelete(DeleteBehavior.Restrict);
        builder.Navigation(l => l.Policy).AutoInclude();
        builder.HasIndex(l => new { l.AccountId, l.PolicyId, l.Id });

        // Last-validated times have a table of their own, written in batches (see LicenseActivity); every query for
        // licenses loads them along, as if they were a column.
        builder.HasOne(l => l.Activity).WithOne().HasForeignKey<LicenseActivity>(a => a.LicenseId).OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(l => l.Activity).IsRequired().AutoInclude();

        // License keys are unique across accounts: verification finds a key (by its keyed hash) first, then checks its
        // account. The start-up upgrade finds the rows it has still to seal through the same index (hash null).
        builder.HasIndex(l => l.KeyHash).IsUnique();

        // Listing walks ids newest first within an account, optionally narrowed by product, status or email.
        builder.HasIndex(l => new { l.AccountId, l.Id });
        builder.HasIndex(l => new { l.AccountId, l.ProductId, l.Id });
        builder.HasIndex(l => new { l.AccountId, l.Email });
        builder.HasOne<Account>().WithMany().HasForeignKey(l => l.AccountId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Product>().WithMany().HasForeignKey(l => l.ProductId).OnDelete(DeleteBehavior.Restrict);
    }
}

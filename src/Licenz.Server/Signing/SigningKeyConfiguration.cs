using Licenz.Server.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Licenz.Server.Signing;

internal sealed class SigningKeyConfiguration : IEntityTypeConfiguration<SigningKeyRecord>
{
    public void Configure(EntityTypeBuilder<SigningKeyRecord> builder)
    {
        builder.ToTable("signing_keys");
        builder.HasKey(k => k.Id);
        builder.Property(k => k.Id).HasMaxLength(64);
        builder.Property(k => k.AccountId).HasMaxLength(40);
        builder.Property(k => k.PublicKey).HasMaxLength(32);
        builder.Property(k => k.SealedPrivateKey).HasMaxLength(128);
        builder.Property(k => k.Status).HasConversion<string>().HasMaxLength(20);
        builder.HasIndex(k => new { k.AccountId, k.Status });
        builder.HasOne<Account>().WithMany().HasForeignKey(k => k.AccountId).OnDelete(DeleteBehavior.Restrict);
    }
}

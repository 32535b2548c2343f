using Licenz.Server.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Licenz.Server.ApiKeys;

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> builder)
    {
        builder.ToTable("api_keys");
        builder.HasKey(k => k.Id);
        builder.Property(k => k.Id).HasMaxLength(40);
        builder.Property(k => k.AccountId).HasMaxLength(40);
        builder.Property(k => k.Type).HasConversion<string>().HasMaxLength(20);
        builder.Property(k => k.Name).HasMaxLength(200);
        builder.Property(k => k.LookupId).HasMaxLength(40);
        builder.Property(k => k.SecretHash).HasMaxLength(32);
        builder.HasIndex(k => k.LookupId).IsUnique();
        builder.HasIndex(k => k.AccountId);
        builder.HasOne<Account>().WithMany().HasForeignKey(k => k.AccountId).OnDelete(DeleteBehavior.Restrict);
    }
}

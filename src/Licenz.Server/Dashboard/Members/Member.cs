using Licenz.Server.Accounts;
using Licenz.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Licenz.Server.Dashboard.Members;

/// <summary>What a dashboard member may do, from most to least.</summary>
public enum MemberRole
{
    /// <summary>Everything, members and the plan included.</summary>
    Owner,

    /// <summary>Everything but members: products, policies, licenses, API keys, signing keys.</summary>
    Admin,

    /// <summary>Licenses and machines (find, suspend, reinstate, renew, free a seat, download a file); no API keys, no signing keys.</summary>
    Support,

    /// <summary>Reads what support reads, changes nothing.</summary>
    ReadOnly,
}

/// <summary>
/// A person who signs in to the dashboard (<c>mem_…</c>), in one account. The password is kept as ASP.NET Core Identity's
/// hash (PBKDF2), the authenticator key sealed under the master key, recovery codes as keyed hashes: nothing here
/// signs anyone in if the database is read.
/// </summary>
public sealed class Member : IAccountResource
{
    public required string Id { get; init; }
    public required string AccountId { get; init; }

    /// <summary>As typed at the invitation.</summary>
    public required string Email { get; set; }

    /// <summary>Identity's normalized form of <see cref="Email"/>: unique on the server, how sign-in finds the member.</summary>
    public required string NormalizedEmail { get; set; }

    public string? Name { get; set; }
    public MemberRole Role { get; set; }
    public string? PasswordHash { get; set; }

    /// <summary>Changes with the password, the second factor or the role: every session opened before it ends.</summary>
    public required string SecurityStamp { get; set; }

    public int AccessFailedCount { get; set; }
    public DateTime? LockoutEnd { get; set; }
    public bool TwoFactorEnabled { get; set; }

    /// <summary>The TOTP secret, sealed (<see cref="Signing.KeyEncryption"/>); null until the member sets up an authenticator.</summary>
    public byte[]? AuthenticatorKey { get; set; }

    /// <summary>Keyed hashes (<see cref="MemberStore"/>) of the unused recovery codes, base64, separated by ';'.</summary>
    public string RecoveryCodeHashes { get; set; } = "";

    public DateTime CreatedAt { get; init; }
    public DateTime? LastSignInAt { get; set; }
}

internal sealed class MemberConfiguration : IEntityTypeConfiguration<Member>
{
    public void Configure(EntityTypeBuilder<Member> builder)
    {
        builder.ToTable("members");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).HasMaxLength(40);
        builder.Property(m => m.AccountId).HasMaxLength(40);
        builder.Property(m => m.Email).HasMaxLength(254);
        builder.Property(m => m.NormalizedEmail).HasMaxLength(254);
        builder.Property(m => m.Name).HasMaxLength(200);
        builder.Property(m => m.Role).HasConversion<string>().HasMaxLength(20);
        builder.Property(m => m.PasswordHash).HasMaxLength(200);
        builder.Property(m => m.SecurityStamp).HasMaxLength(64);
        builder.Property(m => m.RecoveryCodeHashes).HasMaxLength(1000);
        builder.HasIndex(m => m.NormalizedEmail).IsUnique();
        builder.HasIndex(m => new { m.AccountId, m.Id });
        builder.HasOne<Account>().WithMany().HasForeignKey(m => m.AccountId).OnDelete(DeleteBehavior.Restrict);
    }
}

/// <summary>
/// A one-time link that makes a member (<c>inv_…</c>): the first owner's (printed at first start, or by
/// <c>create-dashboard-user</c>) or an owner's invitation. Only the SHA-256 hash of the link's token is kept.
/// </summary>
public sealed class Invitation : IAccountResource
{
    public required string Id { get; init; }
    public required string AccountId { get; init; }

    /// <summary>The email the member signs in with; null for the setup link printed at first start, where the owner types it.</summary>
    public string? Email { get; init; }

    public MemberRole Role { get; init; }
    public required byte[] TokenHash { get; init; }

    /// <summary>The member who invited; null for the server's own setup link.</summary>
    public string? InvitedBy { get; init; }

    public DateTime CreatedAt { get; init; }
    public DateTime ExpiresAt { get; init; }
    public DateTime? AcceptedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}

internal sealed class InvitationConfiguration : IEntityTypeConfiguration<Invitation>
{
    public void Configure(EntityTypeBuilder<Invitation> builder)
    {
        builder.ToTable("member_invitations");
        builder.HasKey(i => i.Id);
        builder.Property(i => i.Id).HasMaxLength(40);
        builder.Property(i => i.AccountId).HasMaxLength(40);
        builder.Property(i => i.Email).HasMaxLength(254);
        builder.Property(i => i.Role).HasConversion<string>().HasMaxLength(20);
        builder.Property(i => i.TokenHash).HasMaxLength(32);
        builder.Property(i => i.InvitedBy).HasMaxLength(40);
        builder.HasIndex(i => i.TokenHash).IsUnique();
        builder.HasIndex(i => new { i.AccountId, i.Id });
        builder.HasOne<Account>().WithMany().HasForeignKey(i => i.AccountId).OnDelete(DeleteBehavior.Restrict);
    }
}

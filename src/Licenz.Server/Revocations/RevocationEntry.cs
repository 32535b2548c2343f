using Licenz.Server.Data;
using Licenz.Server.Events;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Licenz.Server.Revocations;

/// <summary>
/// One change of an account's revocation list — a license revoked, suspended, reinstated or deleted, a machine
/// deactivated — appended by the event spine in the same transaction as the change (<see cref="EventSpineInterceptor"/>).
/// Rows are never deleted: the list's version is the number of its account's rows, which only grows, and grows with
/// every commit that changes the list, in commit order (a reader sees a row only once its transaction committed).
/// </summary>
public sealed class RevocationEntry : IAccountResource
{
    /// <summary>
    /// Database-generated; orders the account's changes (a license's next change can only begin once its last one
    /// committed, so the later change has the higher number).
    /// </summary>
    public long Id { get; init; }

    string IAccountResource.Id => Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public required string AccountId { get; init; }

    /// <summary><c>license</c> or <c>machine</c>.</summary>
    public required string SubjectType { get; init; }

    public required string SubjectId { get; init; }

    /// <summary>
    /// What the subject is now: a license <c>revoked</c>, <c>suspended</c>, <c>deleted</c> or <c>active</c> again
    /// (reinstated: it leaves the list); a machine <c>deactivated</c>.
    /// </summary>
    public required string State { get; init; }

    public DateTime CreatedAt { get; init; }

    /// <summary>The entry a committed event stands for, or null when the event does not change the list.</summary>
    public static RevocationEntry? For(LicenzEvent change)
    {
        var (subject, state) = change.Type switch
        {
            "license.revoked" => ("license", "revoked"),
            "license.suspended" => ("license", "suspended"),
            "license.reinstated" => ("license", "active"),
            "license.deleted" => ("license", "deleted"),
            "machine.deleted" or "machine.deactivated" or "machine.heartbeat.dead" => ("machine", "deactivated"),
            _ => (null, null),
        };
        return subject is null
            ? null
            : new RevocationEntry
            {
                AccountId = change.AccountId,
                SubjectType = subject,
                SubjectId = change.ResourceId,
                State = state!,
                CreatedAt = change.CreatedAt,
            };
    }
}

internal sealed class RevocationEntryConfiguration : IEntityTypeConfiguration<RevocationEntry>
{
    public void Configure(EntityTypeBuilder<RevocationEntry> builder)
    {
        builder.ToTable("revocations");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).ValueGeneratedOnAdd();
        builder.Property(r => r.AccountId).HasMaxLength(40);
        builder.Property(r => r.SubjectType).HasMaxLength(16);
        builder.Property(r => r.SubjectId).HasMaxLength(64);
        builder.Property(r => r.State).HasMaxLength(16);

        // Counted (the version) and read in order, per account.
        builder.HasIndex(r => new { r.AccountId, r.Id });
    }
}

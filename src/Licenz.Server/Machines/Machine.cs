using Licenz.Server.Accounts;
using Licenz.Server.Data;
using Licenz.Server.Licenses;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Licenz.Server.Machines;

/// <summary>
/// A machine a license is activated on (<c>mach_…</c>): one seat of the license's <c>max_machines</c>, recognised by its
/// fingerprint and, under <see cref="Policies.FingerprintMatching.MostComponents"/>, by its named components.
/// </summary>
public sealed class Machine : IAccountResource
{
    public required string Id { get; init; }
    public required string AccountId { get; init; }
    public required string LicenseId { get; init; }
    public required string ProductId { get; init; }

    /// <summary>What the application computed for this machine (the SDK's MachineFingerprint); unique within the license.</summary>
    public required string Fingerprint { get; set; }

    public string? Name { get; set; }
    public string? Platform { get; set; }
    public string? Hostname { get; set; }

    /// <summary>Named hashed parts of the machine (board, cpu, disk, os, …): a JSON object of strings.</summary>
    public string Components { get; set; } = "{}";

    /// <summary>When it was activated.</summary>
    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; set; }

    /// <summary>The last heartbeat (the activation counts as the first). Written without an event: a ping is not a change.</summary>
    public DateTime? LastHeartbeatAt { get; set; }

    /// <summary>
    /// When the next heartbeat is due, if its policy required heartbeats when it was activated or last sent one: the
    /// heartbeat monitor deactivates it past this time, and verification answers HEARTBEAT_DEAD.
    /// </summary>
    public DateTime? HeartbeatDueAt { get; set; }

    /// <summary>
    /// The ids (<c>jti</c>) of the license files issued to this activation of the machine by offline activations, a JSON
    /// array of strings (the latest <see cref="MachineRules.MaxOfflineFiles"/>): an offline deactivation proof must name
    /// one of them, so a proof made for an earlier activation of the same machine frees nothing.
    /// </summary>
    public string OfflineFileIds { get; set; } = "[]";

    /// <summary>Bumped on every change, so two concurrent changes cannot both win.</summary>
    public long Version { get; set; }
}

internal sealed class MachineConfiguration : IEntityTypeConfiguration<Machine>
{
    public void Configure(EntityTypeBuilder<Machine> builder)
    {
        builder.ToTable("machines");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).HasMaxLength(40);
        builder.Property(m => m.AccountId).HasMaxLength(40);
        builder.Property(m => m.LicenseId).HasMaxLength(40);
        builder.Property(m => m.ProductId).HasMaxLength(40);
        builder.Property(m => m.Fingerprint).HasMaxLength(MachineRules.MaxFingerprint);
        builder.Property(m => m.Name).HasMaxLength(200);
        builder.Property(m => m.Platform).HasMaxLength(100);
        builder.Property(m => m.Hostname).HasMaxLength(255);
        builder.Property(m => m.Components).HasMaxLength(8000);
        builder.Property(m => m.OfflineFileIds).HasMaxLength(1000);
        builder.Property(m => m.Version).IsConcurrencyToken();

        // A fingerprint is one seat of a license: the index refuses a second row for it, whatever races.
        builder.HasIndex(m => new { m.LicenseId, m.Fingerprint }).IsUnique();
        builder.HasIndex(m => new { m.AccountId, m.Id });
        builder.HasIndex(m => new { m.AccountId, m.Fingerprint });
        builder.HasIndex(m => new { m.AccountId, m.ProductId, m.Id });
        builder.HasIndex(m => m.HeartbeatDueAt);
        builder.HasOne<Account>().WithMany().HasForeignKey(m => m.AccountId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<License>().WithMany().HasForeignKey(m => m.LicenseId).OnDelete(DeleteBehavior.Cascade);
    }
}

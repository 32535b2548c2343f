using Licenz.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Licenz.Server.Events;

/// <summary>
/// One state change, appended in the same transaction as the change itself (see <see cref="EventSpineInterceptor"/>):
/// the event log, verification-cache invalidation and (later) webhooks and other nodes all read these rows.
/// </summary>
public sealed class LicenzEvent : IAccountResource
{
    public const string IdPrefix = "evt";

    /// <summary><c>evt_…</c>: time-sortable, so the log pages by id.</summary>
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    /// <summary><c>license.suspended</c>, <c>product.created</c>, …: the resource type, a dot, what happened.</summary>
    public required string Type { get; init; }

    /// <summary><c>license</c>, <c>product</c>, <c>policy</c>, <c>entitlement</c>, <c>machine</c>, <c>api_key</c>, <c>signing_key</c>, <c>account</c>.</summary>
    public required string ResourceType { get; init; }

    public required string ResourceId { get; init; }

    /// <summary>The API key that made the change (through the API or the dashboard); null for the server's own work.</summary>
    public string? ActorKeyId { get; init; }

    public DateTime CreatedAt { get; init; }

    /// <summary>
    /// The resource as it is after the change (as it was, for a deletion), as the API shows it: JSON text. A license's
    /// key shows masked to its last group (<see cref="Licenses.LicenseKeyProtection.Mask"/>): the log keeps no usable key.
    /// </summary>
    public required string Data { get; init; }

    /// <summary>
    /// For a license, the keyed hash of its key (<see cref="Licenses.License.KeyHash"/>), by which caches find it: what
    /// invalidation needs, here or on another node the event is sent to, without the key itself. Null for other resources.
    /// Not shown by the API.
    /// </summary>
    public byte[]? KeyHash { get; init; }
}

internal sealed class LicenzEventConfiguration : IEntityTypeConfiguration<LicenzEvent>
{
    public void Configure(EntityTypeBuilder<LicenzEvent> builder)
    {
        builder.ToTable("events");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).HasMaxLength(40);
        builder.Property(e => e.AccountId).HasMaxLength(40);
        builder.Property(e => e.Type).HasMaxLength(64);
        builder.Property(e => e.ResourceType).HasMaxLength(32);
        builder.Property(e => e.ResourceId).HasMaxLength(64);
        builder.Property(e => e.ActorKeyId).HasMaxLength(40);
        builder.Property(e => e.KeyHash).HasMaxLength(Licenses.LicenseKeyProtection.HashSize);

        // The log is read newest first within an account, narrowed by resource or by type.
        builder.HasIndex(e => new { e.AccountId, e.Id });
        builder.HasIndex(e => new { e.AccountId, e.ResourceId, e.Id });
        builder.HasIndex(e => new { e.AccountId, e.Type, e.Id });

        // No foreign keys: the log outlives what it describes (a deleted license's events stay).
    }
}

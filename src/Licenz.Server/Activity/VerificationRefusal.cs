using Licenz.Server.Data;
using Licenz.Server.Licenses;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Licenz.Server.Activity;

/// <summary>
/// A verification of a license that did not answer a plain VALID (<c>vrf_…</c>): its code, what the application asked
/// (fingerprint, entitlements) and every rule's outcome, as <c>POST /licenses/verify</c> answered it. The license page
/// shows the last of them, so support sees why a customer was refused without asking for the answer's JSON.
/// </summary>
/// <remarks>
/// <see cref="ActivityRecorder"/> writes them with its flush, off the request path: the latest one per license and
/// flush (a client retrying in a loop writes one row every few seconds, not one a request), kept
/// <see cref="ActivityRecorder.RefusalsKeptFor"/>. A plain VALID writes nothing here: it passed every rule, and the
/// license's last-validated time tells when; so the hot path of valid verifications costs nothing more.
/// </remarks>
public sealed class VerificationRefusal : IAccountResource
{
    public required string Id { get; init; }
    public required string AccountId { get; init; }
    public required string LicenseId { get; init; }
    public DateTime At { get; init; }
    public bool Valid { get; init; }
    public required string Code { get; init; }
    public required string Detail { get; init; }

    /// <summary>The fingerprint the application sent (its first 200 characters), if any.</summary>
    public string? Fingerprint { get; init; }

    /// <summary>The entitlements the application asked for, comma-separated (the first 500 characters), if any.</summary>
    public string? Entitlements { get; init; }

    /// <summary>The answer's <c>checks</c>, as JSON.</summary>
    public required string Checks { get; init; }
}

internal sealed class VerificationRefusalConfiguration : IEntityTypeConfiguration<VerificationRefusal>
{
    public void Configure(EntityTypeBuilder<VerificationRefusal> builder)
    {
        builder.ToTable("verification_refusals");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).HasMaxLength(40);
        builder.Property(r => r.AccountId).HasMaxLength(40);
        builder.Property(r => r.LicenseId).HasMaxLength(40);
        builder.Property(r => r.Code).HasMaxLength(40);
        builder.Property(r => r.Detail).HasMaxLength(1000);
        builder.Property(r => r.Fingerprint).HasMaxLength(200);
        builder.Property(r => r.Entitlements).HasMaxLength(500);
        builder.HasIndex(r => new { r.LicenseId, r.At });
        builder.HasIndex(r => r.At);
        builder.HasOne<License>().WithMany().HasForeignKey(r => r.LicenseId).OnDelete(DeleteBehavior.Cascade);
    }
}

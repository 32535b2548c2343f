namespace Licenz;

/// <summary>
/// A checked-out license file (<c>POST /licenses/{id}/license-file</c>). Save <see cref="LicenseFile"/> as it is;
/// the application verifies it offline with <see cref="Licenz.LicenseFile.Verify"/>.
/// </summary>
public sealed record LicenseFileCheckout : LicenzResult
{
    /// <summary>The armored, signed license file.</summary>
    public required string LicenseFile { get; init; }

    /// <summary>The license it is for, <c>lic_…</c>.</summary>
    public required string LicenseId { get; init; }

    /// <summary>The signing key (<c>kid</c>) in the JWKS.</summary>
    public required string KeyId { get; init; }

    /// <summary>When the file was issued.</summary>
    public DateTimeOffset IssuedAt { get; init; }

    /// <summary>When the file's time to live ends: the application must check in before then.</summary>
    public DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Whether the file is encrypted for its license key (and machine, when bound).</summary>
    public bool Encrypted { get; init; }

    /// <summary>The machine fingerprint the file is bound to, if any.</summary>
    public string? Fingerprint { get; init; }

    /// <summary>The activated machine the file is bound to, <c>mach_…</c>, if any.</summary>
    public string? MachineId { get; init; }
}

namespace Licenz;

/// <summary>What <see cref="LicenseFile.Verify"/> checks a license file against.</summary>
public sealed class LicenseFileOptions
{
    /// <summary>The clock. Tests and unusual hosts may replace it.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// The license key the customer entered. Required to open encrypted files; when given, a file for
    /// another key is refused (<see cref="LicenseFileCodes.LicenseKeyMismatch"/>).
    /// </summary>
    public string? LicenseKey { get; init; }

    /// <summary>This machine's fingerprint (see <see cref="MachineFingerprint"/>). Required for files bound to a machine.</summary>
    public string? Fingerprint { get; init; }

    /// <summary>
    /// This machine's named components (board, cpu, disk, os, … hashed, as given at activation). With them, a bound file
    /// whose policy matches <see cref="FingerprintMatchingNames.MostComponents"/> also accepts this machine when its
    /// fingerprint changed but most of its components match the file's (<see cref="MachineComponents.MostMatch"/>).
    /// </summary>
    public IReadOnlyDictionary<string, string>? Components { get; init; }

    /// <summary>Entitlement codes the application requires: a license without one of them is refused (<see cref="LicenseFileCodes.EntitlementsMissing"/>).</summary>
    public IReadOnlyCollection<string>? RequiredEntitlements { get; init; }

    /// <summary>When set, a file for another product is refused.</summary>
    public string? ProductId { get; init; }

    /// <summary>When set, a file issued by another account (<c>iss</c>) is refused.</summary>
    public string? Issuer { get; init; }

    /// <summary>
    /// Where the latest trusted time (a file's <c>iat</c>, a signed server <c>Date</c>) is remembered, to
    /// notice a clock set back, with the issuer's revocation list and the highest list version seen. Defaults to small
    /// files per issuer under the user's local application data.
    /// </summary>
    public ITrustedClock TrustedClock { get; init; } = Licenz.TrustedClock.Default;

    /// <summary>How far the clock may be behind a trusted time before it counts as set back. Default 10 minutes.</summary>
    public TimeSpan ClockTolerance { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Allowance for clock skew on the file's <c>iat</c> and <c>exp</c>. Default 2 minutes.</summary>
    public TimeSpan Leeway { get; init; } = TimeSpan.FromMinutes(2);

    private byte[]? _contentKey;
    private byte[]? _boundContentKey;

    /// <summary>
    /// The key that opens encrypted files for <see cref="LicenseKey"/> (and <see cref="Fingerprint"/> when
    /// <paramref name="bound"/>), or null when they are not given. Both are fixed once the options exist, so the key
    /// is derived once per options instance rather than once per file.
    /// </summary>
    internal byte[]? ContentKey(bool bound)
    {
        ref var cached = ref bound ? ref _boundContentKey : ref _contentKey;
        if (cached is null && LicenseKey is not null && Licenz.LicenseKey.TryNormalize(LicenseKey, out var normalized)
            && (!bound || Fingerprint is not null))
        {
            cached = LicenseFile.DeriveKey(normalized, bound ? Fingerprint : null);
        }

        return cached;
    }
}

/// <summary>The outcome of checking a license file. Never an exception: a failure has a code and a reason.</summary>
/// <param name="Code">One of <see cref="LicenseFileCodes"/>.</param>
/// <param name="Message">The code, in words.</param>
/// <param name="Claims">The file's claims once its signature has been verified (also for most failures); null otherwise.</param>
public sealed record LicenseFileResult(string Code, string Message, LicenseFileClaims? Claims)
{
    /// <summary>True only for <see cref="LicenseFileCodes.Valid"/>.</summary>
    public bool IsValid => Code == LicenseFileCodes.Valid;

    /// <summary>Valid, but past the license's expiry, within its grace period: the application should urge a renewal.</summary>
    public bool InGrace { get; init; }

    /// <summary>When the grace period ends, while <see cref="InGrace"/>.</summary>
    public DateTimeOffset? GraceEndsAt { get; init; }

    /// <summary>
    /// Valid for this machine by its components rather than its fingerprint, which changed since the file was issued: the
    /// next online activation rebinds the machine on the server.
    /// </summary>
    public bool MatchedByComponents { get; init; }

    /// <summary>The version of the issuer's revocation list the file was checked against (kept in <see cref="LicenseFileOptions.TrustedClock"/>); 0 when none is kept.</summary>
    public long RevocationListVersion { get; init; }

    /// <summary>
    /// A newer revocation list than the one checked against exists (a license file or signed answer carried its version):
    /// fetch it when online (<see cref="LicenseChecker"/> does) so that licenses revoked since are refused offline too.
    /// </summary>
    public bool RevocationListOutdated { get; init; }

    /// <summary>Whether the file is valid and its license grants the entitlement <paramref name="code"/>.</summary>
    /// <param name="code">An entitlement code, such as <c>export.pdf</c>.</param>
    public bool HasEntitlement(string code) => IsValid && Claims!.License.HasEntitlement(code);
}

using System.Text.Json;

namespace Licenz;

/// <summary>What a license file says, once its signature has been checked.</summary>
/// <param name="Issuer">Who issued it (<c>iss</c>): the account id on the Licenz server.</param>
/// <param name="LicenseId">The license it is about (<c>sub</c>).</param>
/// <param name="IssuedAt">When the server issued the file (<c>iat</c>).</param>
/// <param name="ExpiresAt">The file's time to live (<c>exp</c>): after it the application must check in again.</param>
/// <param name="FileId">A unique id of this file (<c>jti</c>).</param>
/// <param name="License">The license itself.</param>
public sealed record LicenseFileClaims(
    string Issuer,
    string LicenseId,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    string FileId,
    LicenseClaims License)
{
    /// <summary>
    /// The version of the issuer's revocation list when the file was issued (<c>revocation_version</c>; 0 when it
    /// had none, or the file does not say): a verifier whose stored list is older knows there is a newer one to fetch
    /// (<see cref="RevocationList"/>).
    /// </summary>
    public long RevocationVersion { get; init; }
}

/// <summary>The license inside a license file.</summary>
/// <param name="Id">License id, <c>lic_…</c>.</param>
/// <param name="Key">License key, <c>LIC-XXXXX-XXXXX-XXXXX</c>.</param>
/// <param name="ProductId">Product id, <c>prod_…</c>.</param>
/// <param name="Type">subscription, perpetual or trial.</param>
/// <param name="Status">The license's status when the file was issued.</param>
/// <param name="ExpiresAt">When the license itself expires; null for perpetual licenses.</param>
/// <param name="Entitlements">Feature entitlements granted by the license.</param>
/// <param name="Metadata">The license's metadata object.</param>
/// <param name="Fingerprint">The machine fingerprint the file is bound to, if any.</param>
/// <remarks>
/// The members beyond the constructor's are written by servers that know the licensing model (policies and machines)
/// and left out of files that do not carry them; a verifier treats a missing one as its default.
/// </remarks>
public sealed record LicenseClaims(
    string Id,
    string Key,
    string ProductId,
    string Type,
    string Status,
    DateTimeOffset? ExpiresAt,
    IReadOnlyList<string> Entitlements,
    JsonElement Metadata,
    string? Fingerprint)
{
    /// <summary>The activated machine a bound file was issued for (<c>mach_…</c>), if any.</summary>
    public string? MachineId { get; init; }

    /// <summary>
    /// That machine's named components (board, cpu, disk, os, … hashed), as the server knows them: what a machine whose
    /// fingerprint changed is recognised by under <see cref="FingerprintMatchingNames.MostComponents"/>. Null when the
    /// file carries none.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Components { get; init; }

    /// <summary>
    /// How the machine is recognised: <see cref="FingerprintMatchingNames.Exact"/> (its fingerprint only) or
    /// <see cref="FingerprintMatchingNames.MostComponents"/>; null (exact) when the file does not say.
    /// </summary>
    public string? FingerprintMatching { get; init; }

    /// <summary>How long after <see cref="ExpiresAt"/> the license still verifies, flagged as in grace; null for none.</summary>
    public TimeSpan? GracePeriod { get; init; }

    /// <summary>The longest a license file of this license may live: how often the application must check in; null when its policy sets no bound.</summary>
    public TimeSpan? CheckInInterval { get; init; }

    /// <summary>Whether the license grants the entitlement <paramref name="code"/> (compared exactly).</summary>
    /// <param name="code">An entitlement code, such as <c>export.pdf</c>.</param>
    public bool HasEntitlement(string code) => Entitlements.Contains(code, StringComparer.Ordinal);
}

/// <summary>The values of <see cref="LicenseClaims.FingerprintMatching"/>.</summary>
public static class FingerprintMatchingNames
{
    /// <summary>A bound file is for the machine with exactly its fingerprint.</summary>
    public const string Exact = "exact";

    /// <summary>
    /// A bound file is also for a machine whose fingerprint changed but most of whose components match the file's
    /// (<see cref="MachineComponents.MostMatch"/>): a reinstall or a new disk does not lock the customer out.
    /// </summary>
    public const string MostComponents = "most_components";
}

/// <summary>The codes <see cref="LicenseFile.Verify"/> answers with.</summary>
public static class LicenseFileCodes
{
    /// <summary>Signed by a trusted key, within its time to live, for this machine, license usable.</summary>
    public const string Valid = "VALID";

    /// <summary>No license file at all (none saved yet, or an empty text): the application must activate first.</summary>
    public const string NoLicenseFile = "NO_LICENSE_FILE";

    /// <summary>The file is encrypted and no (well-formed) license key was given to open it.</summary>
    public const string LicenseKeyRequired = "LICENSE_KEY_REQUIRED";

    /// <summary>The file is encrypted for one machine and no fingerprint was given to open it.</summary>
    public const string FingerprintRequired = "FINGERPRINT_REQUIRED";

    /// <summary>Not a license file: wrong armor, encoding, header or claims.</summary>
    public const string Malformed = "MALFORMED";

    /// <summary>The signature does not match: the file was altered or forged.</summary>
    public const string BadSignature = "BAD_SIGNATURE";

    /// <summary>Signed by a key that is not in the trusted set (unknown, or retired from the JWKS).</summary>
    public const string UnknownKey = "UNKNOWN_KEY";

    /// <summary>The file's time to live has passed: the application must check in with the server.</summary>
    public const string FileExpired = "FILE_EXPIRED";

    /// <summary>The license inside the file has expired (and its grace period, if any, has passed). The server's code for it too.</summary>
    public const string Expired = "EXPIRED";

    /// <summary>The license was suspended when the file was issued, or since (the issuer's revocation list says so). The server's code for it too.</summary>
    public const string Suspended = "SUSPENDED";

    /// <summary>The license was revoked (or deleted) when the file was issued, or since (the issuer's revocation list says so). The server's code for it too.</summary>
    public const string Revoked = "REVOKED";

    /// <summary>The file was issued after the current time: the clock is behind.</summary>
    public const string NotYetValid = "NOT_YET_VALID";

    /// <summary>
    /// The machine the file is bound to was deactivated since the file was issued: the issuer's revocation list names it
    /// (<see cref="RevocationList"/>). The server's code for a machine it does not know.
    /// </summary>
    public const string NoMachine = "NO_MACHINE";

    /// <summary>The file is bound to another machine.</summary>
    public const string FingerprintMismatch = "FINGERPRINT_MISMATCH";

    /// <summary>The clock is earlier than a time this application already trusted: it was set back.</summary>
    public const string ClockTampered = "CLOCK_TAMPERED";

    /// <summary>An encrypted file could not be opened: no license key given, or a different one.</summary>
    public const string DecryptionFailed = "DECRYPTION_FAILED";

    /// <summary>The file is for another product than the one expected.</summary>
    public const string ProductMismatch = "PRODUCT_MISMATCH";

    /// <summary>The file is for another license key than the one the customer entered.</summary>
    public const string LicenseKeyMismatch = "LICENSE_KEY_MISMATCH";

    /// <summary>The file was issued by another account than the one expected.</summary>
    public const string IssuerMismatch = "ISSUER_MISMATCH";

    /// <summary>The license lacks an entitlement the application requires (<see cref="LicenseFileOptions.RequiredEntitlements"/>).</summary>
    public const string EntitlementsMissing = "ENTITLEMENTS_MISSING";
}

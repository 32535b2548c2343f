namespace Licenz.Server.Licenses;

public enum LicenseType
{
    Subscription,
    Perpetual,
    Trial,
}

/// <summary>
/// Stored statuses are Active, Suspended and Revoked; Expired is what an active license past its
/// expiry reports, computed at read time so no background job has to flip it.
/// </summary>
public enum LicenseStatus
{
    Active,
    Suspended,
    Revoked,
    Expired,
}

public static class LicenseEnums
{
    public static string Name(this LicenseType type) => type switch
    {
        LicenseType.Subscription => "subscription",
        LicenseType.Perpetual => "perpetual",
        LicenseType.Trial => "trial",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static string Name(this LicenseStatus status) => status switch
    {
        LicenseStatus.Active => "active",
        LicenseStatus.Suspended => "suspended",
        LicenseStatus.Revoked => "revoked",
        LicenseStatus.Expired => "expired",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static bool TryParseType(string value, out LicenseType type)
    {
        foreach (var candidate in Enum.GetValues<LicenseType>())
        {
            if (candidate.Name() == value)
            {
                type = candidate;
                return true;
            }
        }

        type = default;
        return false;
    }

    public static bool TryParseStatus(string value, out LicenseStatus status)
    {
        foreach (var candidate in Enum.GetValues<LicenseStatus>())
        {
            if (candidate.Name() == value)
            {
                status = candidate;
                return true;
            }
        }

        status = default;
        return false;
    }

    /// <summary>What a license reports now: a stored suspension or revocation wins over expiry.</summary>
    public static LicenseStatus Effective(LicenseStatus stored, DateTime? expiresAt, DateTime now) =>
        stored == LicenseStatus.Active && expiresAt <= now ? LicenseStatus.Expired : stored;
}

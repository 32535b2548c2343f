using System.Text.Json.Serialization;
using Licenz.Server.Http;

namespace Licenz.Server.Licenses;

public enum LicenseType
{
    [JsonStringEnumMemberName("subscription")]
    Subscription,

    [JsonStringEnumMemberName("perpetual")]
    Perpetual,

    [JsonStringEnumMemberName("trial")]
    Trial,
}

/// <summary>
/// Stored statuses are Active, Suspended and Revoked; Expired is what an active license past its
/// expiry reports, computed at read time so no background job has to flip it.
/// </summary>
public enum LicenseStatus
{
    [JsonStringEnumMemberName("active")]
    Active,

    [JsonStringEnumMemberName("suspended")]
    Suspended,

    [JsonStringEnumMemberName("revoked")]
    Revoked,

    [JsonStringEnumMemberName("expired")]
    Expired,
}

public static class LicenseEnums
{
    /// <summary>What a license reports now: a stored suspension or revocation wins over expiry.</summary>
    public static LicenseStatus Effective(LicenseStatus stored, DateTime? expiresAt, DateTime now) =>
        stored == LicenseStatus.Active && expiresAt <= now ? LicenseStatus.Expired : stored;
}

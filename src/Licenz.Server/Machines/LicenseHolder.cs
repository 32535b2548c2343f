using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Licenz.Server.Licenses;
using Licenz.Server.Policies;

namespace Licenz.Server.Machines;

/// <summary>
/// What every license-holder action shares: the caller presents the license key itself (as the application holding it
/// would), with a verify-only key or an admin key; read-only keys are for looking, not acting.
/// </summary>
public static class LicenseHolder
{
    public const string Description =
        "A license-holder action: the body presents the license key itself. Open to verify-only API keys (the key shipped " +
        "in applications) and admin keys; read-only keys cannot act for a license holder.";

    public static ApiErrorResult? Refusal(ApiCaller caller) => caller.KeyType == ApiKeyType.ReadOnly
        ? new ApiErrorResult(new ApiError(ErrorCodes.Forbidden,
            "A read_only API key cannot act for a license holder; use the application's verify-only key, or an admin key.",
            StatusCodes.Status403Forbidden))
        : null;

    /// <summary>The account's license with this key, tracked; or the error: a malformed key names the field, an unknown one is 404.</summary>
    public static async Task<(License? License, ApiErrorResult? Error)> FindAsync(
        LicenzDbContext db, LicenseHolderQueries queries, string accountId, string presented, LicenseKeyProtection keys, CancellationToken cancellationToken)
    {
        if (!LicenseKey.TryNormalize(presented.Trim(), out var key))
        {
            return (null, ApiErrorResult.BadRequest("Field 'key' is not a license key: LIC-XXXXX-XXXXX-XXXXX (any case, dashes optional).", "key"));
        }

        var license = await queries.LicenseByKey(db, accountId, keys.Hash(key), cancellationToken);
        return license is null ? (null, NoSuchLicense) : (license, null);
    }

    /// <summary>The answer for a key that is well formed but no license's in the account.</summary>
    public static ApiErrorResult NoSuchLicense => ApiErrorResult.NotFound("No license with this key.");

    /// <summary>Why machines cannot be activated on this license now, or null: it must be neither suspended, revoked nor past its use.</summary>
    public static ApiErrorResult? NotUsable(License license, DateTime now)
    {
        if (license.Status is LicenseStatus.Suspended or LicenseStatus.Revoked)
        {
            return ApiErrorResult.BadRequest($"License {license.Id} is {license.Status.Name()}; machines are activated on usable licenses only.", "key");
        }

        var policy = license.Policy;
        var grace = TimeSpan.FromSeconds(policy?.GracePeriodSeconds ?? 0);
        if (license.ExpiresAt is { } expiresAt && expiresAt + grace <= now
            && (policy?.ExpirationStrategy ?? ExpirationStrategy.Restrict) == ExpirationStrategy.Restrict)
        {
            return ApiErrorResult.BadRequest($"License {license.Id} expired at {expiresAt:yyyy-MM-dd'T'HH:mm:ss'Z'}; renew it before activating machines.", "key");
        }

        return null;
    }

    /// <summary>Starts a license whose time runs from its first activation or validation: its expiry is now plus its policy's duration.</summary>
    public static void Start(LicenzDbContext db, License license, long durationSeconds, DateTime now)
    {
        license.ExpiresAt = Expiry.TryAddSeconds(now, durationSeconds, out var until) ? until : Expiry.Latest;
        license.UpdatedAt = now;
        license.Version++;
        db.RecordEvent(license, "started");
    }
}

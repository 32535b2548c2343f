using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Licenses;

public enum LicenseAction
{
    Suspend,
    Reinstate,
    Revoke,
    Renew,
}

/// <summary>
/// The lifecycle: active ⇄ suspended, either → revoked (final); renew extends subscriptions and trials.
/// An impossible transition is a <c>bad_request</c> that says why.
/// </summary>
public static class LicenseActions
{
    public static async Task<Results<Ok<DataEnvelope<LicenseDto>>, ApiErrorResult>> ApplyAsync(
        HttpContext context, string id, LicenseAction action, RenewLicenseRequest? renew,
        LicenzDbContext db, LicenseKeyProtection keys, TimeProvider time, CancellationToken cancellationToken)
    {
        var days = renew?.Days;
        var license = await db.Licenses.WithIdOrKey(context.Caller().AccountId, id, keys).FirstOrDefaultAsync(cancellationToken);
        if (license is null)
        {
            return LicensesApi.NotFound(id);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var refusal = action switch
        {
            LicenseAction.Suspend => Suspend(license, now),
            LicenseAction.Reinstate => Reinstate(license),
            LicenseAction.Revoke => Revoke(license, now),
            LicenseAction.Renew => await RenewAsync(license, days, db, now, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(action)),
        };
        if (refusal is not null)
        {
            return ApiErrorResult.BadRequest(refusal);
        }

        license.UpdatedAt = now;
        license.Version++;
        db.RecordEvent(license, action switch
        {
            LicenseAction.Suspend => "suspended",
            LicenseAction.Reinstate => "reinstated",
            LicenseAction.Revoke => "revoked",
            _ => "renewed",
        });
        // A lost race with another change of the same license (its version) is a 409 conflict (DatabaseConflicts).
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new DataEnvelope<LicenseDto>(license.ToDto(keys.Open(license), now)));
    }

    private static string? Suspend(License license, DateTime now)
    {
        switch (license.Status)
        {
            case LicenseStatus.Suspended:
                return $"License {license.Id} is already suspended.";
            case LicenseStatus.Revoked:
                return $"License {license.Id} is revoked; a revoked license cannot be suspended.";
            default:
                license.Status = LicenseStatus.Suspended;
                license.SuspendedAt = now;
                return null;
        }
    }

    private static string? Reinstate(License license)
    {
        switch (license.Status)
        {
            case LicenseStatus.Suspended:
                license.Status = LicenseStatus.Active;
                license.SuspendedAt = null;
                return null;
            case LicenseStatus.Revoked:
                return $"License {license.Id} is revoked; revocation is permanent and cannot be undone.";
            default:
                return $"License {license.Id} is not suspended; only a suspended license can be reinstated.";
        }
    }

    private static string? Revoke(License license, DateTime now)
    {
        if (license.Status == LicenseStatus.Revoked)
        {
            return $"License {license.Id} is already revoked.";
        }

        license.Status = LicenseStatus.Revoked;
        license.RevokedAt = now;
        license.SuspendedAt = null;
        return null;
    }

    private static async Task<string?> RenewAsync(License license, int? days, LicenzDbContext db, DateTime now, CancellationToken cancellationToken)
    {
        if (license.Status == LicenseStatus.Revoked)
        {
            return $"License {license.Id} is revoked; a revoked license cannot be renewed.";
        }

        if (license.Type == LicenseType.Perpetual)
        {
            return $"License {license.Id} is perpetual; it does not expire, so there is nothing to renew.";
        }

        if (days is null)
        {
            var product = await db.Products.AsNoTracking().Where(p => p.Id == license.ProductId)
                .Select(p => new { p.SubscriptionDays, p.TrialDays }).FirstAsync(cancellationToken);
            days = license.Type == LicenseType.Trial ? product.TrialDays : product.SubscriptionDays;
        }

        // Renewing early extends from the current expiry; renewing a lapsed license starts from now.
        var from = license.ExpiresAt is { } expiresAt && expiresAt > now ? expiresAt : now;
        if (!Expiry.TryAddDays(from, days.Value, out var until))
        {
            return $"License {license.Id} expires at {from:yyyy-MM-dd'T'HH:mm:ss'Z'}; renewing it by {days} days would pass " +
                $"{Expiry.Latest:yyyy-MM-dd'T'HH:mm:ss'Z'}, the latest expiry there is. Nothing was changed.";
        }

        license.ExpiresAt = until;
        return null;
    }
}

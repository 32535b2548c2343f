using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Licenz.Server.Machines;
using Licenz.Server.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Licenses;

/// <param name="LicenseId">The license, <c>lic_…</c>.</param>
/// <param name="Uses">Uses recorded, after this change.</param>
/// <param name="MaxUses">Its policy's use limit; null: no limit.</param>
public sealed record LicenseUsageDto(string LicenseId, int Uses, int? MaxUses);

public static class LicenseUsageApi
{
    /// <summary>
    /// Records uses (or gives them back) atomically: one conditional write that holds <c>max_uses</c>, so parallel
    /// increments never pass it. Admin keys by id or key; verify-only keys (applications) by the license key itself.
    /// </summary>
    public static RouteHandlerBuilder MapLicenseUsage(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/licenses/{id}/usage", RecordAsync)
            .RequireScope(ApiKeyScope.Verify)
            .WithLicenseKeyShare(LicenseKeyLocation.InRoute("id"))
            .WithTags("Licenses")
            .WithRouteParameter("id", LicensesApi.IdOrKey)
            .WithName("RecordLicenseUsage")
            .WithDocumentedError(StatusCodes.Status409Conflict, "Another request changed the same license at the same time (`conflict`); nothing was changed.")
            .WithDocumentedError(StatusCodes.Status422UnprocessableEntity, "The change would pass max_uses or go below zero (`usage_limit_exceeded`); nothing was changed.")
            .WithSummary("Record uses of a license ({\"increment\": n}) or give them back ({\"decrement\": n}), within its policy's max_uses.")
            .WithDescription("Requires an admin API key (the license by id or key), or a verify-only API key presenting the license key itself " +
                "in the path. Beyond the limit (or below zero): 422 usage_limit_exceeded, and nothing changed.");

    private static async Task<Results<Ok<DataEnvelope<LicenseUsageDto>>, ApiErrorResult>> RecordAsync(
        HttpContext context, string id, LicenseUsageRequest request, LicenzDbContext db, LicenseKeyProtection keys, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        if (LicenseHolder.Refusal(caller) is { } refusal)
        {
            return refusal;
        }

        if (caller.KeyType == ApiKeyType.VerifyOnly && Ids.HasPrefix(id, Ids.License))
        {
            return new ApiErrorResult(new ApiError(ErrorCodes.Forbidden,
                "A verify-only API key records uses by presenting the license key itself: POST /licenses/{license key}/usage.", StatusCodes.Status403Forbidden));
        }

        if ((request.Increment is null) == (request.Decrement is null))
        {
            return ApiErrorResult.BadRequest("Give exactly one of 'increment' and 'decrement'.", "increment");
        }

        var license = await db.Licenses.WithIdOrKey(caller.AccountId, id, keys).FirstOrDefaultAsync(cancellationToken);
        if (license is null)
        {
            return LicensesApi.NotFound(id);
        }

        var change = request.Increment ?? -request.Decrement!.Value;
        var limit = license.Policy?.MaxUses;
        var now = time.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await Seats.TryChangeUsesAsync(db, license.Id, change, limit, cancellationToken))
        {
            await transaction.RollbackAsync(cancellationToken);
            var current = await db.Licenses.AsNoTracking().IgnoreAutoIncludes().Where(l => l.Id == license.Id).Select(l => l.Uses).FirstAsync(cancellationToken);
            return ApiErrorResult.LimitExceeded(ErrorCodes.UsageLimitExceeded, change > 0
                ? $"License {license.Id} has {current} of its {limit} uses; {change} more would pass the limit. Nothing was changed."
                : $"License {license.Id} has {current} uses; giving back {-change} would go below zero. Nothing was changed.");
        }

        // The uses as they are now, under the write just made; the save records the change as the license's event.
        await db.Entry(license).ReloadAsync(cancellationToken);
        license.UpdatedAt = now;
        license.Version++;
        db.RecordEvent(license, change > 0 ? "usage.incremented" : "usage.decremented");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        // The counters only: the application recording uses holds the license key, and a license holder sees no customer email.
        return TypedResults.Ok(new DataEnvelope<LicenseUsageDto>(new LicenseUsageDto(license.Id, license.Uses, limit)));
    }
}

using Licenz.Server.Activity;
using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Licenses;

public static class LicensesApi
{
    public static RouteGroupBuilder MapLicenses(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/licenses").WithTags("Licenses").RequireScope(ApiKeyScope.Read)
            .WithRouteParameter("id", IdOrKey);

        group.MapGet("/", ListAsync).WithName("ListLicenses")
            .WithSummary("List licenses, newest first, filtered by product, status or email.");
        group.MapGet("/{id}", GetAsync).WithName("GetLicense").WithSummary("Get a license by id or by key.");

        var write = group.MapGroup("/").RequireScope(ApiKeyScope.Write);
        write.MapPost("/", CreateAsync).WithName("CreateLicense").WithSummary("Create a license and its key.");
        write.MapPatch("/{id}", UpdateAsync).WithName("UpdateLicense").WithSummary("Change a license's email, expiry or metadata.");
        write.MapDelete("/{id}", DeleteAsync).WithName("DeleteLicense").WithSummary("Delete a license for good.");
        write.MapPost("/{id}/suspend", (HttpContext c, string id, LicenzDbContext db, LicenseKeyProtection k, TimeProvider t, CancellationToken ct) =>
                LicenseActions.ApplyAsync(c, id, LicenseAction.Suspend, null, db, k, t, ct))
            .WithName("SuspendLicense").WithSummary("Suspend an active license: it stops verifying until reinstated.");
        write.MapPost("/{id}/reinstate", (HttpContext c, string id, LicenzDbContext db, LicenseKeyProtection k, TimeProvider t, CancellationToken ct) =>
                LicenseActions.ApplyAsync(c, id, LicenseAction.Reinstate, null, db, k, t, ct))
            .WithName("ReinstateLicense").WithSummary("Reinstate a suspended license.");
        write.MapPost("/{id}/revoke", (HttpContext c, string id, LicenzDbContext db, LicenseKeyProtection k, TimeProvider t, CancellationToken ct) =>
                LicenseActions.ApplyAsync(c, id, LicenseAction.Revoke, null, db, k, t, ct))
            .WithName("RevokeLicense").WithSummary("Revoke a license permanently.");
        write.MapPost("/{id}/renew", (HttpContext c, string id, RenewLicenseRequest? request, LicenzDbContext db, LicenseKeyProtection k, TimeProvider t, CancellationToken ct) =>
                LicenseActions.ApplyAsync(c, id, LicenseAction.Renew, request, db, k, t, ct))
            .WithName("RenewLicense").WithSummary("Extend a subscription or trial by its product's length (or by 'days').");
        return group;
    }

    /// <summary>How <c>{id}</c> is documented wherever a license is found by <see cref="WithIdOrKey"/>.</summary>
    internal const string IdOrKey = "The license id (`lic_…`) or the license key (`LIC-XXXXX-XXXXX-XXXXX`, in any case, with or without dashes).";

    /// <summary>
    /// Finds a license of the account by id (<c>lic_…</c>) or by key, in any form a customer might type it: by the keyed
    /// hash of its canonical form, as rows hold no key.
    /// </summary>
    internal static IQueryable<License> WithIdOrKey(this IQueryable<License> licenses, string accountId, string idOrKey, LicenseKeyProtection keys)
    {
        if (Ids.HasPrefix(idOrKey, Ids.License))
        {
            return licenses.Where(l => l.AccountId == accountId && l.Id == idOrKey);
        }

        if (LicenseKey.TryNormalize(idOrKey, out var key))
        {
            var hash = keys.Hash(key);
            return licenses.Where(l => l.AccountId == accountId && l.KeyHash == hash);
        }

        return licenses.Where(l => false);
    }

    internal static ApiErrorResult NotFound(string idOrKey) =>
        ApiErrorResult.NotFound($"No license with id or key '{(idOrKey.Length > 64 ? idOrKey[..64] + "…" : idOrKey)}'.");

    private static async Task<Results<Ok<ListEnvelope<LicenseDto>>, ApiErrorResult>> ListAsync(
        HttpContext context, LicenzDbContext db, LicenseKeyProtection keys, TimeProvider time, [AsParameters] LicenseListQuery query,
        CancellationToken cancellationToken)
    {
        if (!PageRequest.TryCreate(query, Ids.License, out var page, out var error))
        {
            return error;
        }

        var accountId = context.Caller().AccountId;
        var now = time.GetUtcNow().UtcDateTime;
        var licenses = db.Licenses.AsNoTracking().Where(l => l.AccountId == accountId);

        if (query.ProductId is { } productId)
        {
            licenses = licenses.Where(l => l.ProductId == productId);
        }

        if (query.Email is { } email)
        {
            var normalized = email.Trim().ToLowerInvariant();
            licenses = licenses.Where(l => l.Email == normalized);
        }

        if (query.Status?.Value is { } wanted)
        {
            licenses = wanted switch
            {
                LicenseStatus.Active => licenses.Where(l => l.Status == LicenseStatus.Active && (l.ExpiresAt == null || l.ExpiresAt > now)),
                LicenseStatus.Expired => licenses.Where(l => l.Status == LicenseStatus.Active && l.ExpiresAt <= now),
                _ => licenses.Where(l => l.Status == wanted),
            };
        }

        // A page is 100 licenses at most: 100 keys opened, a few microseconds each.
        return TypedResults.Ok(await licenses.ToPageAsync(page, l => l.ToDto(keys.Open(l), now), cancellationToken));
    }

    private static async Task<Results<Ok<DataEnvelope<LicenseDto>>, ApiErrorResult>> GetAsync(
        HttpContext context, string id, LicenzDbContext db, LicenseKeyProtection keys, TimeProvider time, CancellationToken cancellationToken)
    {
        var license = await db.Licenses.AsNoTracking().WithIdOrKey(context.Caller().AccountId, id, keys).FirstOrDefaultAsync(cancellationToken);
        return license is null
            ? NotFound(id)
            : TypedResults.Ok(new DataEnvelope<LicenseDto>(license.ToDto(keys.Open(license), time.GetUtcNow().UtcDateTime)));
    }

    private static async Task<Results<Created<DataEnvelope<LicenseDto>>, ApiErrorResult>> CreateAsync(
        HttpContext context, CreateLicenseRequest request, LicenzDbContext db, LicenseKeyProtection keys, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var accountId = context.Caller().AccountId;
        var productId = request.ProductId.Trim();
        var now = time.GetUtcNow().UtcDateTime;
        if (request.ExpiresAt is { } requested)
        {
            if (request.Type == LicenseType.Perpetual)
            {
                return ApiErrorResult.BadRequest("Perpetual licenses do not expire; leave out 'expires_at' or choose another type.", "expires_at");
            }

            if (requested <= now)
            {
                return ApiErrorResult.BadRequest("Field 'expires_at' must be in the future.", "expires_at");
            }
        }

        var product = await db.Products.AsNoTracking()
            .Where(p => p.Id == productId && p.AccountId == accountId)
            .Select(p => new { p.SubscriptionDays, p.TrialDays })
            .FirstOrDefaultAsync(cancellationToken);
        if (product is null)
        {
            return ApiErrorResult.BadRequest($"Field 'product_id': no product with id '{productId}' in this account.", "product_id");
        }

        var expiresAt = request.ExpiresAt ?? request.Type switch
        {
            LicenseType.Subscription => now.AddDays(product.SubscriptionDays),
            LicenseType.Trial => now.AddDays(product.TrialDays),
            _ => (DateTime?)null,
        };

        var key = LicenseKey.Generate();
        var license = keys.Protect(new License
        {
            Id = Ids.New(Ids.License, time),
            AccountId = accountId,
            ProductId = productId,
            Email = request.Email.Trim().ToLowerInvariant(),
            Type = request.Type,
            Status = LicenseStatus.Active,
            ExpiresAt = expiresAt,
            Metadata = request.Metadata is { } metadata ? MetadataObjectAttribute.Compact(metadata) : "{}",
            CreatedAt = now,
            UpdatedAt = now,
            Activity = new LicenseActivity(),
        }, key);

        db.Licenses.Add(license);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"{ApiRoutes.BaseOf(context)}/licenses/{license.Id}", new DataEnvelope<LicenseDto>(license.ToDto(key, now)));
    }

    private static async Task<Results<Ok<DataEnvelope<LicenseDto>>, ApiErrorResult>> UpdateAsync(
        HttpContext context, string id, UpdateLicenseRequest request, LicenzDbContext db, LicenseKeyProtection keys, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var license = await db.Licenses.WithIdOrKey(context.Caller().AccountId, id, keys).FirstOrDefaultAsync(cancellationToken);
        if (license is null)
        {
            return NotFound(id);
        }

        if (request.ExpiresAt is not null && license.Type == LicenseType.Perpetual)
        {
            return ApiErrorResult.BadRequest("Perpetual licenses do not expire; 'expires_at' cannot be set on them.", "expires_at");
        }

        license.Email = request.Email?.Trim().ToLowerInvariant() ?? license.Email;
        license.Metadata = request.Metadata is { } metadata ? MetadataObjectAttribute.Compact(metadata) : license.Metadata;
        license.ExpiresAt = request.ExpiresAt ?? license.ExpiresAt;
        var now = time.GetUtcNow().UtcDateTime;
        license.UpdatedAt = now;
        license.Version++;
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new DataEnvelope<LicenseDto>(license.ToDto(keys.Open(license), now)));
    }

    private static async Task<Results<Ok<DataEnvelope<DeletedResource>>, ApiErrorResult>> DeleteAsync(
        HttpContext context, string id, LicenzDbContext db, LicenseKeyProtection keys, CancellationToken cancellationToken)
    {
        var license = await db.Licenses.WithIdOrKey(context.Caller().AccountId, id, keys).FirstOrDefaultAsync(cancellationToken);
        if (license is null)
        {
            return NotFound(id);
        }

        // Tracked, not ExecuteDelete: the save appends the license.deleted event, which tells the verification cache.
        db.Licenses.Remove(license);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new DataEnvelope<DeletedResource>(new DeletedResource(license.Id)));
    }
}

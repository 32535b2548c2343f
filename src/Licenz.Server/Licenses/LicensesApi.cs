using Licenz.Server.Api;
using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Licenses;

public static class LicensesApi
{
    public static RouteGroupBuilder MapLicenses(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/licenses").WithTags("Licenses").RequireScope(ApiKeyScope.Read);

        group.MapGet("/", ListAsync).WithName("ListLicenses")
            .WithSummary("List licenses, newest first, filtered by product, status or email.");
        group.MapGet("/{id}", GetAsync).WithName("GetLicense").WithSummary("Get a license by id or by key.");

        var write = group.MapGroup("/").RequireScope(ApiKeyScope.Write);
        write.MapPost("/", CreateAsync).WithName("CreateLicense").WithSummary("Create a license and its key.");
        write.MapPatch("/{id}", UpdateAsync).WithName("UpdateLicense").WithSummary("Change a license's email, expiry or metadata.");
        write.MapDelete("/{id}", DeleteAsync).WithName("DeleteLicense").WithSummary("Delete a license for good.");
        write.MapPost("/{id}/suspend", (HttpContext c, string id, LicenzDbContext db, TimeProvider t, CancellationToken ct) =>
                LicenseActions.ApplyAsync(c, id, LicenseAction.Suspend, null, db, t, ct))
            .WithName("SuspendLicense").WithSummary("Suspend an active license: it stops verifying until reinstated.");
        write.MapPost("/{id}/reinstate", (HttpContext c, string id, LicenzDbContext db, TimeProvider t, CancellationToken ct) =>
                LicenseActions.ApplyAsync(c, id, LicenseAction.Reinstate, null, db, t, ct))
            .WithName("ReinstateLicense").WithSummary("Reinstate a suspended license.");
        write.MapPost("/{id}/revoke", (HttpContext c, string id, LicenzDbContext db, TimeProvider t, CancellationToken ct) =>
                LicenseActions.ApplyAsync(c, id, LicenseAction.Revoke, null, db, t, ct))
            .WithName("RevokeLicense").WithSummary("Revoke a license permanently.");
        write.MapPost("/{id}/renew", (HttpContext c, string id, OptionalJsonBody<RenewLicenseRequest> body, LicenzDbContext db, TimeProvider t, CancellationToken ct) =>
                LicenseActions.ApplyAsync(c, id, LicenseAction.Renew, body.Value, db, t, ct))
            .WithName("RenewLicense").WithSummary("Extend a subscription or trial by its product's length (or by 'days').");
        return group;
    }

    /// <summary>Finds a license of the account by id (<c>lic_…</c>) or by key, in any form a customer might type it.</summary>
    internal static IQueryable<License> WithIdOrKey(this IQueryable<License> licenses, string accountId, string idOrKey)
    {
        if (Ids.HasPrefix(idOrKey, Ids.License))
        {
            return licenses.Where(l => l.AccountId == accountId && l.Id == idOrKey);
        }

        if (LicenseKey.TryNormalize(idOrKey, out var key))
        {
            return licenses.Where(l => l.AccountId == accountId && l.Key == key);
        }

        return licenses.Where(l => false);
    }

    internal static ApiErrorResult NotFound(string idOrKey) =>
        ApiErrorResult.NotFound($"No license with id or key '{(idOrKey.Length > 64 ? idOrKey[..64] + "…" : idOrKey)}'.");

    private static async Task<Ok<ListEnvelope<LicenseDto>>> ListAsync(
        HttpContext context, LicenzDbContext db, TimeProvider time,
        string? product_id, string? status, string? email, string? limit, string? cursor,
        CancellationToken cancellationToken)
    {
        QueryParameters.RejectUnknown(context.Request, "product_id", "status", "email", "limit", "cursor");
        var page = PageRequest.Parse(limit, cursor, Ids.License);
        var accountId = context.Caller().AccountId;
        var now = time.GetUtcNow().UtcDateTime;
        var query = db.Licenses.AsNoTracking().Where(l => l.AccountId == accountId);

        if (product_id is not null)
        {
            query = query.Where(l => l.ProductId == product_id);
        }

        if (email is not null)
        {
            var normalized = email.Trim().ToLowerInvariant();
            query = query.Where(l => l.Email == normalized);
        }

        if (status is not null)
        {
            if (!LicenseEnums.TryParseStatus(status, out var wanted))
            {
                throw ApiException.BadRequest("Parameter 'status' must be one of active, suspended, revoked, expired.", "status");
            }

            query = wanted switch
            {
                LicenseStatus.Active => query.Where(l => l.Status == LicenseStatus.Active && (l.ExpiresAt == null || l.ExpiresAt > now)),
                LicenseStatus.Expired => query.Where(l => l.Status == LicenseStatus.Active && l.ExpiresAt <= now),
                _ => query.Where(l => l.Status == wanted),
            };
        }

        return TypedResults.Ok(await query.ToPageAsync(page, l => l.ToDto(now), cancellationToken));
    }

    private static async Task<Results<Ok<DataEnvelope<LicenseDto>>, ApiErrorResult>> GetAsync(
        HttpContext context, string id, LicenzDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var license = await db.Licenses.AsNoTracking().WithIdOrKey(context.Caller().AccountId, id).FirstOrDefaultAsync(cancellationToken);
        return license is null
            ? NotFound(id)
            : TypedResults.Ok(new DataEnvelope<LicenseDto>(license.ToDto(time.GetUtcNow().UtcDateTime)));
    }

    private static async Task<Results<Created<DataEnvelope<LicenseDto>>, ApiErrorResult>> CreateAsync(
        HttpContext context, JsonBody<CreateLicenseRequest> body, LicenzDbContext db, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var request = body.Value;
        var accountId = context.Caller().AccountId;
        var productId = Fields.Required(request.ProductId, "product_id", 64);
        var email = Fields.Email(request.Email);
        var typeName = Fields.Required(request.Type, "type", 32);
        if (!LicenseEnums.TryParseType(typeName, out var type))
        {
            throw ApiException.BadRequest("Field 'type' must be one of subscription, perpetual, trial.", "type");
        }

        var metadata = Fields.Metadata(request.Metadata) ?? "{}";
        var now = time.GetUtcNow().UtcDateTime;
        DateTime? expiresAt = null;
        if (request.ExpiresAt is not null)
        {
            if (type == LicenseType.Perpetual)
            {
                throw ApiException.BadRequest("Perpetual licenses do not expire; leave out 'expires_at' or choose another type.", "expires_at");
            }

            expiresAt = Fields.Timestamp(request.ExpiresAt, "expires_at");
            if (expiresAt <= now)
            {
                throw ApiException.BadRequest("Field 'expires_at' must be in the future.", "expires_at");
            }
        }

        var product = await db.Products.AsNoTracking()
            .Where(p => p.Id == productId && p.AccountId == accountId)
            .Select(p => new { p.SubscriptionDays, p.TrialDays })
            .FirstOrDefaultAsync(cancellationToken);
        if (product is null)
        {
            throw ApiException.BadRequest($"Field 'product_id': no product with id '{(productId.Length > 64 ? productId[..64] : productId)}' in this account.", "product_id");
        }

        expiresAt ??= type switch
        {
            LicenseType.Subscription => now.AddDays(product.SubscriptionDays),
            LicenseType.Trial => now.AddDays(product.TrialDays),
            _ => null,
        };

        var license = new License
        {
            Id = Ids.New(Ids.License, time),
            AccountId = accountId,
            ProductId = productId,
            Key = LicenseKey.Generate(),
            Email = email,
            Type = type,
            Status = LicenseStatus.Active,
            ExpiresAt = expiresAt,
            Metadata = metadata,
            CreatedAt = now,
            UpdatedAt = now,
            Activity = new LicenseActivity(),
        };

        db.Licenses.Add(license);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"{ApiRoutes.BaseOf(context)}/licenses/{license.Id}", new DataEnvelope<LicenseDto>(license.ToDto(now)));
    }

    private static async Task<Results<Ok<DataEnvelope<LicenseDto>>, ApiErrorResult>> UpdateAsync(
        HttpContext context, string id, JsonBody<UpdateLicenseRequest> body, LicenzDbContext db, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var request = body.Value;
        var email = request.Email is null ? null : Fields.Email(request.Email);
        var metadata = Fields.Metadata(request.Metadata);
        var expiresAt = request.ExpiresAt is null ? (DateTime?)null : Fields.Timestamp(request.ExpiresAt, "expires_at");

        var license = await db.Licenses.WithIdOrKey(context.Caller().AccountId, id).FirstOrDefaultAsync(cancellationToken);
        if (license is null)
        {
            return NotFound(id);
        }

        if (expiresAt is not null && license.Type == LicenseType.Perpetual)
        {
            return ApiErrorResult.BadRequest("Perpetual licenses do not expire; 'expires_at' cannot be set on them.", "expires_at");
        }

        license.Email = email ?? license.Email;
        license.Metadata = metadata ?? license.Metadata;
        license.ExpiresAt = expiresAt ?? license.ExpiresAt;
        var now = time.GetUtcNow().UtcDateTime;
        license.UpdatedAt = now;
        license.Version++;
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new DataEnvelope<LicenseDto>(license.ToDto(now)));
    }

    private static async Task<Results<Ok<DataEnvelope<DeletedResource>>, ApiErrorResult>> DeleteAsync(
        HttpContext context, string id, LicenzDbContext db, CancellationToken cancellationToken)
    {
        var license = await db.Licenses.WithIdOrKey(context.Caller().AccountId, id).FirstOrDefaultAsync(cancellationToken);
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

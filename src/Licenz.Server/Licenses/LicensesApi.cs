using Licenz.Server.Activity;
using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Licenz.Server.Policies;
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
            .WithName("RenewLicense").WithSummary("Extend a subscription or trial by its policy's duration (or by 'days').");
        write.MapPost("/{id}/entitlements", (HttpContext c, string id, LicenseEntitlementsRequest request, LicenzDbContext db, LicenseKeyProtection k, TimeProvider t, CancellationToken ct) =>
                ChangeEntitlementsAsync(c, id, request, grant: true, db, k, t, ct))
            .WithName("AttachLicenseEntitlements").WithSummary("Grant entitlements to a license, beyond its policy's.");
        write.MapDelete("/{id}/entitlements", (HttpContext c, string id, [Microsoft.AspNetCore.Mvc.FromBody] LicenseEntitlementsRequest request, LicenzDbContext db, LicenseKeyProtection k, TimeProvider t, CancellationToken ct) =>
                ChangeEntitlementsAsync(c, id, request, grant: false, db, k, t, ct))
            .WithName("DetachLicenseEntitlements").WithSummary("Take entitlements granted to a license itself back.");
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
        ApiErrorResult.NotFound($"No license with id or key '{RequestRules.Shown(idOrKey)}'.");

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

    internal static async Task<Results<Created<DataEnvelope<LicenseDto>>, ApiErrorResult>> CreateAsync(
        HttpContext context, CreateLicenseRequest request, LicenzDbContext db, LicenseKeyProtection keys, GroupCommit writes, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var accountId = context.Caller().AccountId;
        var productId = request.ProductId.Trim();
        var now = time.GetUtcNow().UtcDateTime;
        if (request.Type is null && request.PolicyId is null)
        {
            return ApiErrorResult.BadRequest("Give 'type' (subscription, perpetual or trial: the product's default policy for it) or 'policy_id'.", "type");
        }

        var policyId = request.PolicyId?.Trim();
        var policy = policyId is not null
            ? await db.Policies.AsNoTracking().FirstOrDefaultAsync(p => p.Id == policyId && p.AccountId == accountId, cancellationToken)
            : await db.Policies.AsNoTracking().FirstOrDefaultAsync(p => p.ProductId == productId && p.AccountId == accountId && p.DefaultFor == request.Type, cancellationToken);

        // A policy of the product shows the product is there; only otherwise is the product looked for, so that the
        // answer names the field that is wrong (the product first).
        if (policy?.ProductId != productId && !await db.Products.AnyAsync(p => p.Id == productId && p.AccountId == accountId, cancellationToken))
        {
            return ApiErrorResult.BadRequest($"Field 'product_id': no product with id '{RequestRules.Shown(productId)}' in this account.", "product_id");
        }

        if (policyId is not null)
        {
            if (policy is null || policy.ProductId != productId)
            {
                return ApiErrorResult.BadRequest(policy is null
                    ? $"Field 'policy_id': no policy with id '{RequestRules.Shown(policyId)}' in this account."
                    : $"Field 'policy_id': policy {policyId} is product {policy.ProductId}'s, not {productId}'s.", "policy_id");
            }

            if (request.Type is { } type && type != policy.LicenseType)
            {
                return ApiErrorResult.BadRequest($"Field 'type': policy {policyId} makes {policy.LicenseType.Name()} licenses, not {type.Name()}; leave 'type' out.", "type");
            }
        }
        else if (policy is null)
        {
            // Every product has a default policy per license type (DefaultPolicies): one missing is the server's fault.
            throw new InvalidOperationException($"Product {productId} has no default {request.Type?.Name()} policy.");
        }

        if (request.ExpiresAt is { } requested)
        {
            if (policy.LicenseType == LicenseType.Perpetual)
            {
                return ApiErrorResult.BadRequest("Perpetual licenses do not expire; leave out 'expires_at' or choose another type.", "expires_at");
            }

            if (requested <= now)
            {
                return ApiErrorResult.BadRequest("Field 'expires_at' must be in the future.", "expires_at");
            }
        }

        var entitlements = request.Entitlements ?? [];
        var unknown = await Entitlements.EntitlementCodes.UnknownAsync(db, accountId, entitlements, cancellationToken);
        if (unknown.Count > 0)
        {
            return Entitlements.EntitlementCodes.Unknown("entitlements", unknown);
        }

        // A license whose time starts at its first activation or validation has no expiry until then.
        var expiresAt = request.ExpiresAt ?? (policy is { DurationSeconds: { } duration, ExpirationBasis: ExpirationBasis.Creation }
            ? Expiry.TryAddSeconds(now, duration, out var until) ? until : Expiry.Latest
            : null);

        var key = LicenseKeyGenerator.Generate();
        var license = keys.Protect(new License
        {
            Id = Ids.New(Ids.License, time),
            AccountId = accountId,
            ProductId = productId,
            PolicyId = policy.Id,
            Policy = policy,
            Email = request.Email.Trim().ToLowerInvariant(),
            Type = policy.LicenseType,
            Status = LicenseStatus.Active,
            ExpiresAt = expiresAt,
            Metadata = request.Metadata is { } metadata ? MetadataObjectAttribute.Compact(metadata) : "{}",
            MaxMachinesOverride = request.MaxMachines,
            Entitlements = Entitlements.EntitlementCodes.Store(entitlements),
            CreatedAt = now,
            UpdatedAt = now,
            Activity = new LicenseActivity(),
        }, key);

        // Written with the other creations waiting: their rows saved together, in one transaction. The policy is only read
        // (its event shows it): attached once for the licenses of a group that follow it.
        await writes.RunAsync(db, async (writer, ct) =>
        {
            if (writer.Policies.Local.FindEntry(policy.Id) is { } attached)
            {
                license.Policy = attached.Entity;
            }
            else
            {
                writer.Policies.Attach(policy);
            }

            writer.Licenses.Add(license);
            await GroupCommit.SaveAsync(writer, ct);
            return license;
        }, cancellationToken);
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
        license.MaxMachinesOverride = request.MaxMachinesGiven ? request.MaxMachines : license.MaxMachinesOverride;
        var now = time.GetUtcNow().UtcDateTime;
        license.UpdatedAt = now;
        license.Version++;
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new DataEnvelope<LicenseDto>(license.ToDto(keys.Open(license), now)));
    }

    internal static async Task<Results<Ok<DataEnvelope<LicenseDto>>, ApiErrorResult>> ChangeEntitlementsAsync(
        HttpContext context, string id, LicenseEntitlementsRequest request, bool grant, LicenzDbContext db, LicenseKeyProtection keys,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var accountId = context.Caller().AccountId;
        var license = await db.Licenses.WithIdOrKey(accountId, id, keys).FirstOrDefaultAsync(cancellationToken);
        if (license is null)
        {
            return NotFound(id);
        }

        var own = Entitlements.EntitlementCodes.Read(license.Entitlements);
        if (grant)
        {
            var unknown = await Entitlements.EntitlementCodes.UnknownAsync(db, accountId, request.Entitlements, cancellationToken);
            if (unknown.Count > 0)
            {
                return Entitlements.EntitlementCodes.Unknown("entitlements", unknown);
            }

            own = [.. own.Union(request.Entitlements)];
        }
        else
        {
            var notOwn = request.Entitlements.Where(c => !own.Contains(c)).ToList();
            if (notOwn.Count > 0)
            {
                return ApiErrorResult.BadRequest(
                    $"Field 'entitlements': license {license.Id} was not granted {string.Join(", ", notOwn.Select(c => $"'{RequestRules.Shown(c)}'"))} itself" +
                    " (entitlements of its policy are changed on the policy).", "entitlements");
            }

            own = [.. own.Except(request.Entitlements)];
        }

        var now = time.GetUtcNow().UtcDateTime;
        license.Entitlements = Entitlements.EntitlementCodes.Store(own);
        license.UpdatedAt = now;
        license.Version++;
        db.RecordEvent(license, grant ? "entitlements.attached" : "entitlements.detached");
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

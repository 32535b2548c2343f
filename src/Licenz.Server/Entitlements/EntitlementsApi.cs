using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Entitlements;

public static class EntitlementsApi
{
    public static RouteGroupBuilder MapEntitlements(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/entitlements").WithTags("Entitlements").RequireScope(ApiKeyScope.Read)
            .WithRouteParameter("id", "The entitlement id (`ent_…`).");
        group.MapGet("/", ListAsync).WithName("ListEntitlements").WithSummary("List entitlements, newest first.");
        group.MapPost("/", CreateAsync).RequireScope(ApiKeyScope.Write).WithName("CreateEntitlement")
            .WithSummary("Create an entitlement: a code that policies and licenses can grant.");
        group.MapDelete("/{id}", DeleteAsync).RequireScope(ApiKeyScope.Write).WithName("DeleteEntitlement")
            .WithSummary("Delete an entitlement that no policy or license grants.");
        return group;
    }

    private static async Task<Results<Ok<ListEnvelope<EntitlementDto>>, ApiErrorResult>> ListAsync(
        HttpContext context, LicenzDbContext db, [AsParameters] PageQuery query, CancellationToken cancellationToken)
    {
        if (!PageRequest.TryCreate(query, Ids.Entitlement, out var page, out var error))
        {
            return error;
        }

        var accountId = context.Caller().AccountId;
        return TypedResults.Ok(await db.Entitlements.AsNoTracking().Where(e => e.AccountId == accountId)
            .ToPageAsync(page, ToDto, cancellationToken));
    }

    internal static async Task<Results<Created<DataEnvelope<EntitlementDto>>, ApiErrorResult>> CreateAsync(
        HttpContext context, CreateEntitlementRequest request, LicenzDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var accountId = context.Caller().AccountId;
        if (await db.Entitlements.AnyAsync(e => e.AccountId == accountId && e.Code == request.Code, cancellationToken))
        {
            return ApiErrorResult.BadRequest($"An entitlement with code '{request.Code}' already exists in this account.", "code");
        }

        var entitlement = new Entitlement
        {
            Id = Ids.New(Ids.Entitlement, time),
            AccountId = accountId,
            Code = request.Code,
            Name = request.Name?.Trim() ?? request.Code,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };

        // The same code taken meanwhile makes the unique index refuse the row: a 409 conflict (DatabaseConflicts).
        db.Entitlements.Add(entitlement);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"{ApiRoutes.BaseOf(context)}/entitlements/{entitlement.Id}", new DataEnvelope<EntitlementDto>(ToDto(entitlement)));
    }

    private static async Task<Results<Ok<DataEnvelope<DeletedResource>>, ApiErrorResult>> DeleteAsync(
        HttpContext context, string id, LicenzDbContext db, CancellationToken cancellationToken)
    {
        var accountId = context.Caller().AccountId;
        var entitlement = await db.Entitlements.FirstOrDefaultAsync(e => e.Id == id && e.AccountId == accountId, cancellationToken);
        if (entitlement is null)
        {
            return ApiErrorResult.NotFound($"No entitlement with id '{RequestRules.Shown(id)}'.");
        }

        // Codes are stored as JSON arrays of quoted strings: a quoted match is the code itself, never a longer one.
        var quoted = $"\"{entitlement.Code}\"";
        var policies = await db.Policies.CountAsync(p => p.AccountId == accountId && p.Entitlements.Contains(quoted), cancellationToken);
        var licenses = await db.Licenses.CountAsync(l => l.AccountId == accountId && l.Entitlements.Contains(quoted), cancellationToken);
        if (policies + licenses > 0)
        {
            return ApiErrorResult.BadRequest(
                $"Entitlement '{entitlement.Code}' is still granted by {Count(policies, "policy", "policies")} and {Count(licenses, "license", "licenses")}; " +
                "remove it from them (PATCH /policies/{id}, DELETE /licenses/{id}/entitlements) before deleting it.");
        }

        db.Entitlements.Remove(entitlement);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new DataEnvelope<DeletedResource>(new DeletedResource(entitlement.Id)));
    }

    private static string Count(int n, string one, string many) => $"{n} {(n == 1 ? one : many)}";

    internal static EntitlementDto ToDto(Entitlement e) => new(e.Id, e.Code, e.Name, e.CreatedAt);
}

using Licenz.Server.Api;
using Licenz.Server.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.ApiKeys;

public static class ApiKeysApi
{
    public static RouteGroupBuilder MapApiKeys(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api-keys").WithTags("API keys").RequireScope(ApiKeyScope.ManageKeys);
        group.MapGet("/", ListAsync).WithName("ListApiKeys").WithSummary("List the account's API keys (never their secrets).");
        group.MapPost("/", CreateAsync).WithName("CreateApiKey").WithSummary("Create an API key. Its secret is in this answer only.");
        group.MapDelete("/{id}", RevokeAsync).WithName("RevokeApiKey").WithSummary("Revoke an API key; it stops working on the next request.");
        return group;
    }

    private static async Task<Ok<ListEnvelope<ApiKeyDto>>> ListAsync(
        HttpContext context, LicenzDbContext db, TimeProvider time, string? limit, string? cursor, CancellationToken cancellationToken)
    {
        QueryParameters.RejectUnknown(context.Request, "limit", "cursor");
        var page = PageRequest.Parse(limit, cursor, Ids.ApiKey);
        var accountId = context.Caller().AccountId;
        var now = time.GetUtcNow().UtcDateTime;
        return TypedResults.Ok(await db.ApiKeys.AsNoTracking().Where(k => k.AccountId == accountId)
            .ToPageAsync(page, k => k.ToDto(now), cancellationToken));
    }

    private static async Task<Created<DataEnvelope<CreatedApiKeyDto>>> CreateAsync(
        HttpContext context, JsonBody<CreateApiKeyRequest> body, LicenzDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var request = body.Value;
        var now = time.GetUtcNow().UtcDateTime;
        var (type, name, expiresAt) = ApiKeyCommands.Validate(request.Type, request.Name, request.ExpiresAt, now);
        var (row, secret) = ApiKeyIssuer.Issue(db, time, context.Caller().AccountId, type, name, expiresAt);
        await db.SaveChangesAsync(cancellationToken);
        var dto = row.ToDto(now);
        return TypedResults.Created($"{ApiRoutes.BaseOf(context)}/api-keys/{row.Id}", new DataEnvelope<CreatedApiKeyDto>(
            new CreatedApiKeyDto(dto.Id, dto.Type, dto.Name, dto.Prefix, dto.Status, dto.CreatedAt, dto.ExpiresAt, secret)));
    }

    private static async Task<Results<Ok<DataEnvelope<ApiKeyDto>>, ApiErrorResult>> RevokeAsync(
        HttpContext context, string id, LicenzDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var key = await ApiKeyCommands.RevokeAsync(db, context.Caller().AccountId, id, now, cancellationToken);
        return key is null
            ? ApiErrorResult.NotFound($"No API key with id '{(id.Length > 64 ? id[..64] + "…" : id)}'.")
            : TypedResults.Ok(new DataEnvelope<ApiKeyDto>(key.ToDto(now)));
    }
}

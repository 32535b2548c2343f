using Licenz.Server.Data;
using Licenz.Server.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.ApiKeys;

public static class ApiKeysApi
{
    public static RouteGroupBuilder MapApiKeys(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api-keys").WithTags("API keys").RequireScope(ApiKeyScope.ManageKeys)
            .WithRouteParameter("id", "The API key's id (`key_…`), not its secret.");
        group.MapGet("/", ListAsync).WithName("ListApiKeys").WithSummary("List the account's API keys (never their secrets).");
        group.MapPost("/", CreateAsync).WithName("CreateApiKey").WithSummary("Create an API key. Its secret is in this answer only.");
        group.MapDelete("/{id}", RevokeAsync).WithName("RevokeApiKey").WithSummary("Revoke an API key; it stops working on the next request.");
        return group;
    }

    private static async Task<Results<Ok<ListEnvelope<ApiKeyDto>>, ApiErrorResult>> ListAsync(
        HttpContext context, LicenzDbContext db, TimeProvider time, [AsParameters] PageQuery query, CancellationToken cancellationToken)
    {
        if (!PageRequest.TryCreate(query, Ids.ApiKey, out var page, out var error))
        {
            return error;
        }

        var accountId = context.Caller().AccountId;
        var now = time.GetUtcNow().UtcDateTime;
        return TypedResults.Ok(await db.ApiKeys.AsNoTracking().Where(k => k.AccountId == accountId)
            .ToPageAsync(page, k => k.ToDto(now), cancellationToken));
    }

    private static async Task<Results<Created<DataEnvelope<CreatedApiKeyDto>>, ApiErrorResult>> CreateAsync(
        HttpContext context, CreateApiKeyRequest request, LicenzDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var created = await ApiKeyCommands.CreateAsync(db, time, context.Caller().AccountId, request, cancellationToken);
        return created.Error is { } error
            ? new ApiErrorResult(error)
            : TypedResults.Created($"{ApiRoutes.BaseOf(context)}/api-keys/{created.Key!.Id}", new DataEnvelope<CreatedApiKeyDto>(created.Key));
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

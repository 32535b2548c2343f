using System.Text.Json;
using Licenz.Server.Api;
using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Events;

/// <param name="Id">The event id, <c>evt_…</c>; ids sort by time.</param>
/// <param name="Type">What happened: <c>license.created</c>, <c>license.suspended</c>, <c>product.deleted</c>, <c>api_key.revoked</c>, …</param>
/// <param name="ResourceType">license, product, api_key, signing_key or account.</param>
/// <param name="ResourceId">The id of the resource that changed.</param>
/// <param name="ActorKeyId">The API key that made the change (through the API or the dashboard); null for the server's own work.</param>
/// <param name="CreatedAt">When the change was committed (UTC).</param>
/// <param name="Data">The resource as it was right after the change (before it, for a deletion), as the API shows it.</param>
public sealed record EventDto(string Id, string Type, string ResourceType, string ResourceId, string? ActorKeyId, DateTime CreatedAt, JsonElement Data);

public static class EventsApi
{
    public static RouteHandlerBuilder MapEvents(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/events", ListAsync)
            .RequireScope(ApiKeyScope.Read)
            .WithTags("Events")
            .WithName("ListEvents")
            .WithSummary("The event log: every change to the account's resources, newest first; filter by resource, type and time.");

    private static async Task<Results<Ok<ListEnvelope<EventDto>>, ApiErrorResult>> ListAsync(
        HttpContext context, LicenzDbContext db,
        string? resource_id, string? resource_type, string? type, string? since, string? until, string? limit, string? cursor,
        CancellationToken cancellationToken)
    {
        QueryParameters.RejectUnknown(context.Request, "resource_id", "resource_type", "type", "since", "until", "limit", "cursor");
        var page = PageRequest.Parse(limit, cursor, LicenzEvent.IdPrefix);

        // The tenant filter keeps this to the caller's account.
        var query = db.Events.AsNoTracking();
        if (resource_id is not null)
        {
            query = query.Where(e => e.ResourceId == resource_id);
        }

        if (resource_type is not null)
        {
            query = query.Where(e => e.ResourceType == resource_type);
        }

        if (type is not null)
        {
            query = query.Where(e => e.Type == type);
        }

        foreach (var (name, text, isLowerBound) in new[] { ("since", since, true), ("until", until, false) })
        {
            if (text is null)
            {
                continue;
            }

            if (!Timestamps.TryParse(text, out var at))
            {
                return ApiErrorResult.BadRequest(
                    $"Parameter '{name}' must be an ISO-8601 timestamp with an offset, such as 2025-01-15T10:30:00Z.", name);
            }

            query = isLowerBound ? query.Where(e => e.CreatedAt >= at) : query.Where(e => e.CreatedAt < at);
        }

        return TypedResults.Ok(await query.ToPageAsync(page, ToDto, cancellationToken));
    }

    private static EventDto ToDto(LicenzEvent change)
    {
        using var data = JsonDocument.Parse(change.Data);
        return new EventDto(change.Id, change.Type, change.ResourceType, change.ResourceId, change.ActorKeyId, change.CreatedAt, data.RootElement.Clone());
    }
}

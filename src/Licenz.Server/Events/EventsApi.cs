using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Events;

/// <param name="Id">The event id, <c>evt_…</c>; ids sort by time.</param>
/// <param name="Type">What happened: <c>license.created</c>, <c>license.suspended</c>, <c>product.deleted</c>, <c>api_key.revoked</c>, …</param>
/// <param name="ResourceType">license, product, policy, entitlement, machine, api_key, signing_key or account.</param>
/// <param name="ResourceId">The id of the resource that changed.</param>
/// <param name="ActorKeyId">Who made the change: the API key (<c>key_…</c>) through the API, the member (<c>mem_…</c>) in the dashboard; null for the server's own work.</param>
/// <param name="CreatedAt">When the change was committed (UTC).</param>
/// <param name="Data">The resource as it was right after the change (before it, for a deletion), as the API shows it; a license's key masked to its last group (<c>LIC-*****-*****-7K3MX</c>): the log keeps no usable license key.</param>
public sealed record EventDto(string Id, string Type, string ResourceType, string ResourceId, string? ActorKeyId, DateTime CreatedAt, JsonElement Data);

/// <summary>The event log's filters and page.</summary>
public sealed record EventListQuery : IPageQuery
{
    [Description("Only events of this resource (`lic_…`, `prod_…`, `pol_…`, `ent_…`, `mach_…`, `key_…`, a signing key's `kid`, `acct_…`, `mem_…`, `inv_…`).")]
    [FromQuery(Name = "resource_id")]
    [StringLength(64)]
    public string? ResourceId { get; init; }

    [Description("Only events of this kind of resource: license, product, policy, entitlement, machine, api_key, signing_key, account, member (a dashboard member) or member_invitation.")]
    [FromQuery(Name = "resource_type")]
    [AllowedValues(null, "license", "product", "policy", "entitlement", "machine", "api_key", "signing_key", "account")]
    public string? ResourceType { get; init; }

    [Description("Only events of this type, such as `license.suspended`.")]
    [FromQuery(Name = "type")]
    [StringLength(64)]
    public string? Type { get; init; }

    [Description("Only events at or after this time (ISO-8601 with an offset, such as 2025-01-15T10:30:00Z).")]
    [FromQuery(Name = "since")]
    public string? Since { get; init; }

    [Description("Only events before this time (ISO-8601 with an offset).")]
    [FromQuery(Name = "until")]
    public string? Until { get; init; }

    [Description("Page size, 1 to 100 (default 20).")]
    [FromQuery(Name = "limit")]
    [Range(1, PageRequest.MaxLimit, ErrorMessage = PageRequest.LimitMessage)]
    public int? Limit { get; init; }

    [Description("The `next_cursor` of the previous page.")]
    [FromQuery(Name = "cursor")]
    public string? Cursor { get; init; }
}

public static class EventsApi
{
    public static RouteHandlerBuilder MapEvents(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/events", ListAsync)
            .RequireScope(ApiKeyScope.Read)
            .WithTags("Events")
            .WithName("ListEvents")
            .WithSummary("The event log: every change to the account's resources, newest first; filter by resource, type and time.");

    private static async Task<Results<Ok<ListEnvelope<EventDto>>, ApiErrorResult>> ListAsync(
        LicenzDbContext db, [AsParameters] EventListQuery filter, CancellationToken cancellationToken)
    {
        if (!PageRequest.TryCreate(filter, LicenzEvent.IdPrefix, out var page, out var error))
        {
            return error;
        }

        // The tenant filter keeps this to the caller's account.
        var query = db.Events.AsNoTracking();
        if (filter.ResourceId is { } resourceId)
        {
            query = query.Where(e => e.ResourceId == resourceId);
        }

        if (filter.ResourceType is { } resourceType)
        {
            query = query.Where(e => e.ResourceType == resourceType);
        }

        if (filter.Type is { } type)
        {
            query = query.Where(e => e.Type == type);
        }

        foreach (var (name, text, isLowerBound) in new[] { ("since", filter.Since, true), ("until", filter.Until, false) })
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

using Licenz.Server.Data;
using Licenz.Server.Events;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Dashboard.Pages;

/// <summary>The event log, newest first: filtered by type (or its resource part) and by resource.</summary>
public sealed class EventsModel(LicenzDbContext db) : PageModel
{
    private const int PageSize = 50;

    [BindProperty(SupportsGet = true)]
    public string? Type { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Resource { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Before { get; set; }

    public IReadOnlyList<LicenzEvent> Events { get; private set; } = [];

    public string? Older { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Type = string.IsNullOrWhiteSpace(Type) ? null : Type.Trim();
        Resource = string.IsNullOrWhiteSpace(Resource) ? null : Resource.Trim();
        var events = db.Events.AsNoTracking();
        if (Type is { } type)
        {
            events = type.Contains('.') ? events.Where(e => e.Type == type) : events.Where(e => e.ResourceType == type);
        }

        if (Resource is { } resource)
        {
            events = events.Where(e => e.ResourceId == resource);
        }

        if (Before is { } before)
        {
            events = events.Where(e => string.Compare(e.Id, before) < 0);
        }

        var rows = await events.OrderByDescending(e => e.Id).Take(PageSize + 1).ToListAsync(cancellationToken);
        Older = rows.Count > PageSize ? rows[PageSize - 1].Id : null;
        Events = rows.Take(PageSize).ToList();
    }
}

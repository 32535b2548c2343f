using Licenz.Server.Dashboard.Members;
using Licenz.Server.Data;
using Licenz.Server.Entitlements;
using Licenz.Server.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Dashboard.Pages;

public sealed class EntitlementsModel(LicenzDbContext db, TimeProvider time) : PageModel
{
    public IReadOnlyList<Entitlement> Entitlements { get; private set; } = [];

    [BindProperty]
    public string? Code { get; set; }

    [BindProperty]
    public string? Name { get; set; }

    public ApiError? Refusal { get; private set; }

    public string? FieldError(string field) => Refusal is { } refusal && (refusal.Field == field || (field == "code" && refusal.Field is null)) ? refusal.Message : null;

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!User.Can(MemberRole.Admin))
        {
            return Forbid();
        }

        var request = new CreateEntitlementRequest { Code = Code?.Trim() ?? "", Name = string.IsNullOrWhiteSpace(Name) ? null : Name };
        var (created, refusal) = await DashboardCommands.RunAsync<EntitlementDto>(request, async () =>
            (await EntitlementsApi.CreateAsync(HttpContext, request, db, time, cancellationToken)).Result);
        if (created is not null)
        {
            return RedirectToPage();
        }

        Refusal = refusal;
        Response.StatusCode = refusal!.Status;
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken) =>
        Entitlements = await db.Entitlements.AsNoTracking().OrderBy(e => e.Code).ToListAsync(cancellationToken);
}

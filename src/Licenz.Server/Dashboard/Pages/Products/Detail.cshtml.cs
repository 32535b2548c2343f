using Licenz.Server.Dashboard.Members;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Licenz.Server.Licenses;
using Licenz.Server.Policies;
using Licenz.Server.Products;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Dashboard.Pages.Products;

/// <summary>A product and its policies; admins create policies with the API's rules.</summary>
public sealed class ProductDetailModel(LicenzDbContext db, TimeProvider time) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string Id { get; set; } = "";

    public Product? Product { get; private set; }

    public IReadOnlyList<Policy> Policies { get; private set; } = [];

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string LicenseType { get; set; } = ApiNames<Server.Licenses.LicenseType>.Name(Server.Licenses.LicenseType.Subscription);

    [BindProperty]
    public long? DurationDays { get; set; }

    [BindProperty]
    public int? MaxMachines { get; set; }

    [BindProperty]
    public bool NodeLocked { get; set; }

    [BindProperty]
    public string? Entitlements { get; set; }

    [TempData]
    public string? Notice { get; set; }

    public string? Error { get; private set; }

    public ApiError? Refusal { get; private set; }

    public string? FieldError(string field) => Refusal?.Field == field ? Refusal.Message : null;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostPolicyAsync(CancellationToken cancellationToken)
    {
        if (!User.Can(MemberRole.Admin))
        {
            return Forbid();
        }

        if (!ModelState.IsValid)
        {
            Refusal = new ApiError(ErrorCodes.BadRequest, "Durations and machine counts are whole numbers.", StatusCodes.Status400BadRequest, "duration");
        }
        else if (!ApiNames<LicenseType>.TryParse(LicenseType, out var type))
        {
            Refusal = new ApiError(ErrorCodes.BadRequest, $"The license type must be one of {ApiNames<LicenseType>.List}.", StatusCodes.Status400BadRequest, "license_type");
        }
        else
        {
            var request = new CreatePolicyRequest
            {
                ProductId = Id,
                Name = Name ?? "",
                LicenseType = type,
                Duration = DurationDays is { } days ? new PolicyDuration(days * 86400) : null,
                MaxMachines = MaxMachines,
                Floating = !NodeLocked,
                Entitlements = (Entitlements ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            };
            var (policy, refusal) = await DashboardCommands.RunAsync<PolicyDto>(request, async () =>
                (await PoliciesApi.CreateAsync(HttpContext, request, db, time, cancellationToken)).Result);
            if (policy is not null)
            {
                Notice = $"Policy “{policy.Name}” created.";
                return RedirectToPage(new { Id });
            }

            Refusal = refusal;
        }

        if (Refusal!.Field is not ("name" or "duration" or "max_machines" or "entitlements"))
        {
            Error = Refusal.Message;
        }

        Response.StatusCode = Refusal.Status;
        return await LoadAsync(cancellationToken) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        Product = await db.Products.AsNoTracking().FirstOrDefaultAsync(p => p.Id == Id, cancellationToken);
        Policies = await db.Policies.AsNoTracking().Where(p => p.ProductId == Id).OrderBy(p => p.Id).ToListAsync(cancellationToken);
        return Product is not null;
    }
}

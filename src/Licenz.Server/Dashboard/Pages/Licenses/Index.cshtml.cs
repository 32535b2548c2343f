using Licenz.Server.Dashboard.Members;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Licenz.Server.Licenses;
using Licenz.Server.Policies;
using Licenz.Server.Products;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Dashboard.Pages.Licenses;

/// <summary>Licenses: find one by key, email or id; filter by product, policy and status; page; create.</summary>
public sealed class LicensesModel(LicenzDbContext db, LicenseKeyProtection keys, GroupCommit writes, TimeProvider time) : PageModel
{
    public const int PageSize = 25;

    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Product { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Policy { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Status { get; set; }

    /// <summary>The page: licenses older than this id.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Before { get; set; }

    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? PolicyId { get; set; }

    public IReadOnlyList<LicenseDto> Licenses { get; private set; } = [];

    public IReadOnlyList<Product> Products { get; private set; } = [];

    public IReadOnlyList<Policy> Policies { get; private set; } = [];

    /// <summary>The id to page on from, when there are older licenses.</summary>
    public string? Older { get; private set; }

    public string? Error { get; private set; }

    public ApiError? Refusal { get; private set; }

    public bool Filtered => Q is not null || Product is not null || Policy is not null || Status is not null;

    public string ProductName(string id) => Products.FirstOrDefault(p => p.Id == id)?.Name ?? id;

    public string PolicyName(string? id) => Policies.FirstOrDefault(p => p.Id == id)?.Name ?? "no policy";

    /// <summary>The refusal's message, when it is about <paramref name="field"/>.</summary>
    public string? FieldError(string field) => Refusal?.Field == field ? Refusal.Message : null;

    public string PageLink(string? before) => Url.Page("/Licenses/Index", new { q = Q, product = Product, policy = Policy, status = Status, before })!;

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        if (!User.Can(MemberRole.Support))
        {
            return Forbid();
        }

        var policy = await db.Policies.AsNoTracking().FirstOrDefaultAsync(p => p.Id == PolicyId, cancellationToken);
        var request = new CreateLicenseRequest { ProductId = policy?.ProductId ?? "", Email = Email ?? "", PolicyId = PolicyId ?? "" };
        var (license, refusal) = await DashboardCommands.RunAsync<LicenseDto>(request, async () =>
            (await LicensesApi.CreateAsync(HttpContext, request, db, keys, writes, time, cancellationToken)).Result);
        if (license is not null)
        {
            return Redirect($"{DashboardSetup.Path}/licenses/{license.Id}");
        }

        Refusal = refusal;
        if (refusal!.Field is not ("email" or "policy_id" or "product_id"))
        {
            Error = refusal.Message;
        }

        await LoadAsync(cancellationToken);
        Response.StatusCode = refusal.Status;
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Q = string.IsNullOrWhiteSpace(Q) ? null : Q.Trim();
        Product = string.IsNullOrEmpty(Product) ? null : Product;
        Policy = string.IsNullOrEmpty(Policy) ? null : Policy;
        Status = string.IsNullOrEmpty(Status) ? null : Status;
        Products = await db.Products.AsNoTracking().OrderBy(p => p.Name).ToListAsync(cancellationToken);
        Policies = await db.Policies.AsNoTracking().OrderBy(p => p.ProductId).ThenBy(p => p.Name).ToListAsync(cancellationToken);

        var now = time.GetUtcNow().UtcDateTime;
        var licenses = db.Licenses.AsNoTracking();
        if (Q is { } q)
        {
            // As support types it: an id, a key in any case and with or without dashes, an email or its beginning.
            var email = q.ToLowerInvariant();
            var keyHash = LicenseKey.TryNormalize(q, out var key) ? keys.Hash(key) : null;
            licenses = Ids.HasPrefix(q, Ids.License) ? licenses.Where(l => l.Id == q)
                : keyHash is not null ? licenses.Where(l => l.KeyHash == keyHash)
                : q.Contains('@') ? licenses.Where(l => l.Email == email)
                : licenses.Where(l => l.Email.StartsWith(email));
        }

        if (Product is { } product)
        {
            licenses = licenses.Where(l => l.ProductId == product);
        }

        if (Policy is { } policy)
        {
            licenses = licenses.Where(l => l.PolicyId == policy);
        }

        if (Status is { } status)
        {
            if (!ApiNames<LicenseStatus>.TryParse(status, out var wanted))
            {
                Error = $"The status must be one of {ApiNames<LicenseStatus>.List}.";
                return;
            }

            licenses = wanted switch
            {
                LicenseStatus.Active => licenses.Where(l => l.Status == LicenseStatus.Active && (l.ExpiresAt == null || l.ExpiresAt > now)),
                LicenseStatus.Expired => licenses.Where(l => l.Status == LicenseStatus.Active && l.ExpiresAt <= now),
                _ => licenses.Where(l => l.Status == wanted),
            };
        }

        if (Before is { } before)
        {
            licenses = licenses.Where(l => string.Compare(l.Id, before) < 0);
        }

        var rows = await licenses.OrderByDescending(l => l.Id).Take(PageSize + 1).ToListAsync(cancellationToken);
        Older = rows.Count > PageSize ? rows[PageSize - 1].Id : null;
        Licenses = rows.Take(PageSize).Select(l => l.ToDto(keys.Open(l), now)).ToList();
    }
}

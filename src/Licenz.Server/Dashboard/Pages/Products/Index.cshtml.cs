using Licenz.Server.Dashboard.Members;
using Licenz.Server.Data;
using Licenz.Server.Hosting;
using Licenz.Server.Products;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Dashboard.Pages.Products;

public sealed class ProductsModel(LicenzDbContext db, TimeProvider time, IOptions<LicenzOptions> options) : PageModel
{
    public IReadOnlyList<Product> Products { get; private set; } = [];

    public Dictionary<string, int> PolicyCounts { get; private set; } = [];

    public Dictionary<string, int> LicenseCounts { get; private set; } = [];

    [BindProperty]
    public string? Name { get; set; }

    public string? NameError { get; private set; }

    public string? Error { get; private set; }

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        if (!User.Can(MemberRole.Admin))
        {
            return Forbid();
        }

        var request = new CreateProductRequest { Name = Name ?? "" };
        var (product, refusal) = await DashboardCommands.RunAsync<ProductDto>(request, async () =>
            (await ProductsApi.CreateAsync(HttpContext, request, db, time, options, cancellationToken)).Result);
        if (product is not null)
        {
            return Redirect($"{DashboardSetup.Path}/products/{product.Id}");
        }

        if (refusal!.Field == "name")
        {
            NameError = refusal.Message;
        }
        else
        {
            Error = refusal.Message;
        }

        await LoadAsync(cancellationToken);
        Response.StatusCode = refusal.Status;
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Products = await db.Products.AsNoTracking().OrderBy(p => p.Name).ToListAsync(cancellationToken);
        PolicyCounts = await db.Policies.GroupBy(p => p.ProductId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        LicenseCounts = await db.Licenses.GroupBy(l => l.ProductId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
    }
}

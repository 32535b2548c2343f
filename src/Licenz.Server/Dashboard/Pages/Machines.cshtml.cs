using Licenz.Server.Data;
using Licenz.Server.Machines;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Dashboard.Pages;

/// <summary>Machines of every license, newest first; found by fingerprint, name, host name or license.</summary>
public sealed class MachinesModel(LicenzDbContext db) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    public IReadOnlyList<Machine> Machines { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Q = string.IsNullOrWhiteSpace(Q) ? null : Q.Trim();
        var machines = db.Machines.AsNoTracking();
        if (Q is { } q)
        {
            machines = machines.Where(m => m.Fingerprint == q || m.LicenseId == q || m.Id == q || m.Name == q || m.Hostname == q);
        }

        Machines = await machines.OrderByDescending(m => m.Id).Take(100).ToListAsync(cancellationToken);
    }
}

using Licenz.Server.Accounts;
using Licenz.Server.Data;
using Licenz.Server.Licenses;
using Licenz.Server.RateLimiting;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Dashboard.Pages;

public sealed class IndexModel(LicenzDbContext db, TimeProvider time) : PageModel
{
    public string AccountName { get; private set; } = "";
    public string PlanDescription { get; private set; } = "";
    public int Products { get; private set; }
    public int Licenses { get; private set; }
    public int ActiveLicenses { get; private set; }
    public int ActiveKeys { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var accountId = User.AccountId();
        var now = time.GetUtcNow().UtcDateTime;
        var account = await db.Accounts.AsNoTracking().FirstAsync(a => a.Id == accountId, cancellationToken);
        AccountName = account.Name;
        var limit = account.Plan.RequestsPerMinute();
        PlanDescription = $"{account.Plan} plan · {(limit is { } l ? $"{l:N0} requests/minute for applications (verify-only keys) and {l:N0} for management" : "unlimited requests")} · account {account.Id}";
        Products = await db.Products.CountAsync(p => p.AccountId == accountId, cancellationToken);
        Licenses = await db.Licenses.CountAsync(l => l.AccountId == accountId, cancellationToken);
        ActiveLicenses = await db.Licenses.CountAsync(
            l => l.AccountId == accountId && l.Status == LicenseStatus.Active && (l.ExpiresAt == null || l.ExpiresAt > now), cancellationToken);
        ActiveKeys = await db.ApiKeys.CountAsync(
            k => k.AccountId == accountId && k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now), cancellationToken);
    }
}

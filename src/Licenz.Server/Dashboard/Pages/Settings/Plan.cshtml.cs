using Licenz.Server.Activity;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Licenz.Server.Accounts;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Dashboard.Pages.Settings;

/// <summary>Settings → Plan: the plan's request budgets, and what the account holds and did today.</summary>
public sealed class PlanModel(LicenzDbContext db, TimeProvider time) : PageModel
{
    public string PlanName { get; private set; } = "";

    public string Limit { get; private set; } = "";

    public int Products { get; private set; }

    public int Licenses { get; private set; }

    public int Machines { get; private set; }

    public int ApiKeys { get; private set; }

    public int Members { get; private set; }

    public long VerificationsToday { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var accountId = User.AccountId();
        var now = time.GetUtcNow().UtcDateTime;
        var plan = await db.Accounts.Where(a => a.Id == accountId).Select(a => a.Plan).FirstAsync(cancellationToken);
        PlanName = plan.Name();
        Limit = plan.RequestsPerMinute() is { } perMinute ? $"{perMinute:N0} requests a minute" : "no limit";
        Products = await db.Products.CountAsync(cancellationToken);
        Licenses = await db.Licenses.CountAsync(cancellationToken);
        Machines = await db.Machines.CountAsync(cancellationToken);
        ApiKeys = await db.ApiKeys.CountAsync(k => k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now), cancellationToken);
        Members = await db.Members.CountAsync(cancellationToken);
        var today = DateOnly.FromDateTime(now);
        VerificationsToday = await db.DailyActivity.Where(d => d.AccountId == accountId && d.Day == today).Select(d => d.Verifications).FirstOrDefaultAsync(cancellationToken);
    }
}

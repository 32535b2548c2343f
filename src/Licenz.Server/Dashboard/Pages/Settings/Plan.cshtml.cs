using Licenz.Server.Activity;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Licenz.Server.Accounts;
using Licenz.Server.ApiKeys;
using Licenz.Server.RateLimiting;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Dashboard.Pages.Settings;

/// <summary>Settings → Plan: the plan's request budgets and how much of each the last minute took, and what the account holds and did today.</summary>
public sealed class PlanModel(LicenzDbContext db, IRateLimitStore rateLimits, TimeProvider time) : PageModel
{
    /// <summary>Requests of the last minute in the client budget (verify-only keys); null where the plan has no limit (nothing is counted).</summary>
    public Budget? Client { get; private set; }

    /// <summary>As <see cref="Client"/>, for the management budget (admin and read-only keys).</summary>
    public Budget? Management { get; private set; }

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
        Limit = "no limit";
        if (plan.RequestsPerMinute() is { } limit)
        {
            Limit = $"{limit:N0} requests a minute";
            Client = new Budget((await rateLimits.PeekAsync(ApiCaller.Partition(accountId, clientTraffic: true), RateLimitMiddleware.Window, cancellationToken)).Count, limit);
            Management = new Budget((await rateLimits.PeekAsync(ApiCaller.Partition(accountId, clientTraffic: false), RateLimitMiddleware.Window, cancellationToken)).Count, limit);
        }

        Products = await db.Products.CountAsync(cancellationToken);
        Licenses = await db.Licenses.CountAsync(cancellationToken);
        Machines = await db.Machines.CountAsync(cancellationToken);
        ApiKeys = await db.ApiKeys.CountAsync(k => k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now), cancellationToken);
        Members = await db.Members.CountAsync(cancellationToken);
        var today = DateOnly.FromDateTime(now);
        VerificationsToday = await db.DailyActivity.Where(d => d.AccountId == accountId && d.Day == today).Select(d => d.Verifications).FirstOrDefaultAsync(cancellationToken);
    }
}

/// <param name="Used">Requests accepted in the last minute.</param>
/// <param name="Limit">Requests the budget allows a minute.</param>
public sealed record Budget(int Used, int Limit)
{
    public int Percent => (int)Math.Min(100, Used * 100L / Limit);

    public override string ToString() => $"{Used:N0} of {Limit:N0} in the last minute ({Limit - Math.Min(Used, Limit):N0} left)";
}

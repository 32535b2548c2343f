using Licenz.Server.Accounts;
using Licenz.Server.Data;
using Licenz.Server.Licenses;
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
    public int Machines { get; private set; }

    /// <summary>The last 30 days, oldest first, each with its counts (zero on a day nothing was counted).</summary>
    public IReadOnlyList<(DateOnly Day, long Verifications, long Activations)> Days { get; private set; } = [];

    public long TotalVerifications => Days.Sum(d => d.Verifications);

    public long TotalActivations => Days.Sum(d => d.Activations);

    /// <summary>A bar's height in the chart's 140 units, against the busiest day of either count.</summary>
    public int Height(long count)
    {
        var most = Days.Max(d => Math.Max(d.Verifications, d.Activations));
        return most == 0 ? 0 : (int)Math.Round(140.0 * count / most);
    }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var accountId = User.AccountId();
        var now = time.GetUtcNow().UtcDateTime;
        var account = await db.Accounts.AsNoTracking().FirstAsync(a => a.Id == accountId, cancellationToken);
        AccountName = account.Name;
        var limit = account.Plan.RequestsPerMinute();
        PlanDescription = $"{account.Plan} plan · {(limit is { } l ? $"{l:N0} requests/minute for applications (verify-only keys) and {l:N0} for management" : "unlimited requests")} · account {account.Id}";
        Products = await db.Products.CountAsync(cancellationToken);
        Licenses = await db.Licenses.CountAsync(cancellationToken);
        ActiveLicenses = await db.Licenses.CountAsync(l => l.Status == LicenseStatus.Active && (l.ExpiresAt == null || l.ExpiresAt > now), cancellationToken);
        Machines = await db.Machines.CountAsync(cancellationToken);

        var today = DateOnly.FromDateTime(now);
        var first = today.AddDays(-29);
        var counted = await db.DailyActivity.AsNoTracking().Where(d => d.AccountId == accountId && d.Day >= first)
            .ToDictionaryAsync(d => d.Day, cancellationToken);
        Days = Enumerable.Range(0, 30).Select(i => first.AddDays(i))
            .Select(day => counted.TryGetValue(day, out var row) ? (day, row.Verifications, row.Activations) : (day, 0L, 0L)).ToList();
    }
}

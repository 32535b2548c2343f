using Licenz.Server.Data;
using Licenz.Server.Licenses;
using Licenz.Server.Machines;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Verification;

/// <summary>
/// What verification reads afresh rather than from the cache, and only for licenses whose policy needs it: the counters
/// that limits hold (machines, uses), the machine the request names, and the start of a license whose time runs from
/// its first validation.
/// </summary>
public sealed class LiveLicenseState(IServiceScopeFactory scopes, TimeProvider time)
{
    /// <summary>The license's counters and the machine with this fingerprint, in one statement: one consistent reading.</summary>
    public async Task<(int MachinesCount, int Uses, MachineFacts? Machine)> ReadAsync(string licenseId, string? fingerprint, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        var state = await db.Licenses.AsNoTracking().IgnoreAutoIncludes().IgnoreQueryFilters([LicenzDbContext.TenantFilter])
            .Where(l => l.Id == licenseId)
            .Select(l => new
            {
                l.MachinesCount,
                l.Uses,
                MachineId = db.Machines.IgnoreQueryFilters(new[] { LicenzDbContext.TenantFilter })
                    .Where(m => fingerprint != null && m.LicenseId == l.Id && m.Fingerprint == fingerprint).Select(m => m.Id).FirstOrDefault(),
                HeartbeatDueAt = db.Machines.IgnoreQueryFilters(new[] { LicenzDbContext.TenantFilter })
                    .Where(m => fingerprint != null && m.LicenseId == l.Id && m.Fingerprint == fingerprint).Select(m => m.HeartbeatDueAt).FirstOrDefault(),
            })
            .FirstOrDefaultAsync(cancellationToken);
        return state is null ? (0, 0, null)
            : (state.MachinesCount, state.Uses, state.MachineId is { } machineId ? new MachineFacts(machineId, state.HeartbeatDueAt) : null);
    }

    /// <summary>
    /// Starts a license at its first validation: its expiry becomes now plus its policy's duration, saved with the
    /// event <c>license.started</c> (which refreshes every node's cache). Returns the expiry in force, whoever set it.
    /// </summary>
    public async Task<DateTime?> StartAsync(string licenseId, long durationSeconds, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        var license = await db.Licenses.IgnoreQueryFilters([LicenzDbContext.TenantFilter]).FirstOrDefaultAsync(l => l.Id == licenseId, cancellationToken);
        if (license is null || license.ExpiresAt is not null)
        {
            return license?.ExpiresAt;
        }

        LicenseHolder.Start(db, license, durationSeconds, time.GetUtcNow().UtcDateTime);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return license.ExpiresAt;
        }
        catch (DbUpdateConcurrencyException)
        {
            // Started (or changed) by another request at the same moment: its expiry is the one in force.
            return await db.Licenses.AsNoTracking().IgnoreAutoIncludes().IgnoreQueryFilters([LicenzDbContext.TenantFilter])
                .Where(l => l.Id == licenseId).Select(l => l.ExpiresAt).FirstOrDefaultAsync(CancellationToken.None);
        }
    }
}

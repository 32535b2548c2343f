using Licenz.Server.Data;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Machines;

/// <summary>
/// Heartbeats: a ping is not a change of the machine (no event, no version), so it is one set-based write of its two
/// times, like the activity writer's.
/// </summary>
public static class MachineHeartbeats
{
    /// <summary>Records a heartbeat of the license's machine with this fingerprint; false when there is none.</summary>
    /// <param name="licenseId">A license read within the caller's account (<see cref="MachineLookup.OfLicense"/>).</param>
    public static async Task<bool> RecordAsync(LicenzDbContext db, string licenseId, string fingerprint, DateTime now, DateTime? due, CancellationToken cancellationToken) =>
        await db.OfLicense(licenseId, fingerprint)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.LastHeartbeatAt, now).SetProperty(m => m.HeartbeatDueAt, due), cancellationToken) == 1;
}

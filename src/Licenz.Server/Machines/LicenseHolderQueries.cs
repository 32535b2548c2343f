using Licenz.Server.Data;
using Licenz.Server.Licenses;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Machines;

/// <summary>
/// The reads of the license-holder actions (<see cref="LicenseHolder"/>: the license by its key, its machine by
/// fingerprint), compiled once. Above all for activation, inside the group-commit writer, which runs the activations of
/// a group one after another, so that what each costs is what every activation waits for: a compiled query skips EF
/// Core's per-call translation check (about a tenth of the writer's time under the activation benchmark, see
/// bench/README.md). The tenant filter still applies: the writer serves each write's account.
/// </summary>
/// <remarks>One per server, not static: a compiled query keeps the model it first ran with (one process may hold servers on both engines).</remarks>
public sealed class LicenseHolderQueries
{
    /// <summary>The account's license with this keyed hash, tracked, with its policy.</summary>
    public Func<LicenzDbContext, string, byte[], CancellationToken, Task<License?>> LicenseByKey { get; } = EF.CompileAsyncQuery(
        (LicenzDbContext db, string accountId, byte[] hash, CancellationToken _) => db.Licenses.FirstOrDefault(l => l.AccountId == accountId && l.KeyHash == hash));

    /// <summary>The license with this id, tracked, with its policy.</summary>
    public Func<LicenzDbContext, string, CancellationToken, Task<License?>> LicenseById { get; } = EF.CompileAsyncQuery(
        (LicenzDbContext db, string licenseId, CancellationToken _) => db.Licenses.FirstOrDefault(l => l.Id == licenseId));

    /// <summary>The license's machine with this fingerprint, tracked.</summary>
    public Func<LicenzDbContext, string, string, CancellationToken, Task<Machine?>> MachineByFingerprint { get; } = EF.CompileAsyncQuery(
        (LicenzDbContext db, string licenseId, string fingerprint, CancellationToken _) => db.Machines.FirstOrDefault(m => m.LicenseId == licenseId && m.Fingerprint == fingerprint));
}

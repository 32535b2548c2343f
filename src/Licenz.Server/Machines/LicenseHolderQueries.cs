using Licenz.Server.Data;
using Licenz.Server.Licenses;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Machines;

/// <summary>
/// The reads of the license-holder actions (<see cref="LicenseHolder"/>: the license by its key, its machine by
/// fingerprint), compiled once: a compiled query skips EF Core's per-call translation check, which was about a tenth of
/// the group-commit writer's time when activations read their license there (see bench/README.md). The tenant filter
/// still applies, in a request and in the writer, which serves each write's account.
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

using Licenz.Server.Data;
using Licenz.Server.Licenses;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Machines;

/// <summary>
/// The reads of the license-holder actions (<see cref="LicenseHolder"/>: the license by its key, its machine by
/// fingerprint), compiled once: a compiled query skips EF Core's per-call translation check, which was about a tenth of
/// the group-commit writer's time when activations read their license there (see bench/README.md). The tenant filter
/// still applies to the license, in a request and in the writer, which serves each write's account; the machine is then
/// looked up by that license (<see cref="MachineLookup"/>).
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

    /// <summary>The license's machine with this fingerprint, tracked (<see cref="MachineLookup.OfLicense"/>: the license id must be one read within the account).</summary>
    public Func<LicenzDbContext, string, string, CancellationToken, Task<Machine?>> MachineByFingerprint { get; } = EF.CompileAsyncQuery(
        (LicenzDbContext db, string licenseId, string fingerprint, CancellationToken _) => db.Machines.IgnoreQueryFilters(new[] { LicenzDbContext.TenantFilter })
            .FirstOrDefault(m => m.LicenseId == licenseId && m.Fingerprint == fingerprint));
}

/// <summary>
/// A license's machine by its fingerprint, found through the unique index of (license, fingerprint) and no other.
/// </summary>
/// <remarks>
/// The license id must be one the caller read within its account: a license's machines are its account's, so the tenant
/// filter adds nothing, and it is left off. With it, the account's indexes fit the statement too, and PostgreSQL's
/// generic plan for it, made while the machines table had no statistics yet (a new database, before autovacuum's first
/// ANALYZE), went through the account's index and read every machine of the account: 354 µs a lookup under the
/// activation benchmark, 34 µs once the table was analysed (bench/README.md). Without it, only the unique index fits.
/// </remarks>
public static class MachineLookup
{
    public static IQueryable<Machine> OfLicense(this LicenzDbContext db, string licenseId, string fingerprint) =>
        db.Machines.IgnoreQueryFilters([LicenzDbContext.TenantFilter]).Where(m => m.LicenseId == licenseId && m.Fingerprint == fingerprint);
}

using Licenz.Server.Data;
using Licenz.Server.Http;
using Licenz.Server.Licenses;
using Licenz.Server.Policies;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Machines;

/// <summary>What an activation presents of the machine: its fingerprint (trimmed) and what it says of itself.</summary>
public sealed record MachineSpec(string Fingerprint, string? Name, string? Platform, string? Hostname, IReadOnlyDictionary<string, string>? Components)
{
    public static MachineSpec Of(ActivateMachineRequest request) => new(
        request.Fingerprint.Trim(), request.Name?.Trim(), request.Platform?.Trim(), request.Hostname?.Trim(), request.Components);
}

public enum ActivationOutcome
{
    /// <summary>A new machine, one seat taken.</summary>
    Activated,

    /// <summary>The machine with this fingerprint was already activated: no seat taken.</summary>
    AlreadyActive,

    /// <summary>Its fingerprint was new, but most of its components recognised a machine, which now has this fingerprint: no seat taken.</summary>
    Rebound,

    /// <summary>Every seat is taken: nothing changed.</summary>
    LimitReached,

    /// <summary>No such license, or not one machines can be activated on (<see cref="Activation.Refusal"/> says why): nothing changed.</summary>
    Refused,
}

/// <param name="Machine">The machine activated, found or rebound; null when the limit was reached or the activation refused.</param>
/// <param name="License">The license as the activation left it (a first activation may have started its time); null when there is none.</param>
/// <param name="Refusal">Why the activation was refused (<see cref="ActivationOutcome.Refused"/>).</param>
public sealed record Activation(ActivationOutcome Outcome, Machine? Machine, License? License = null, ApiErrorResult? Refusal = null);

/// <summary>
/// Taking and giving back a machine's seat, the one way every endpoint does it — online (<c>POST /machines</c>,
/// <c>POST /machines/deactivate</c>) and from an offline machine's request or proof (<c>/machines/offline-…</c>): the seat
/// by the conditional write of <see cref="Seats"/>, in the same transaction as the machine's row.
/// </summary>
public static class MachineActivation
{
    /// <summary>
    /// Activates the machine on a license: the same fingerprint again is the
    /// same machine; under <see cref="FingerprintMatching.MostComponents"/> a new fingerprint whose components mostly
    /// match a machine rebinds it; otherwise a new machine takes a seat, if one is free.
    /// </summary>
    /// <param name="offlineFileId">
    /// The id of the license file an offline activation is about to issue for the machine: recorded with it, in the same
    /// save, so that the file's deactivation proof is later recognised (<see cref="Machine.OfflineFileIds"/>).
    /// </param>
    /// <param name="db">The request's context: the license was read with it, and so is the machine already activated.</param>
    /// <param name="license">The license, read by the request with its policy (tracked or not: the writer changes it only through a copy of its own).</param>
    /// <remarks>
    /// The request reads and checks (the license usable, <see cref="LicenseHolder.NotUsable"/>; a machine with this
    /// fingerprint already activated, answered without writing), and <see cref="GroupCommit"/>'s writer, with the
    /// other activations waiting, only writes: the seat by the conditional write of <see cref="Seats"/>, which reads the
    /// license's limit and status itself (a lower limit or a suspension since the request read it holds), and the
    /// machine. So what every activation waits for is the writes alone. What the writer finds changed meanwhile it reads
    /// again itself: a refused seat (the license as it is now says why), a first activation that starts the license's
    /// time, the same fingerprint activated by another request (the unique index refuses the second machine).
    /// </remarks>
    public static async Task<Activation> ActivateAsync(
        GroupCommit writes, LicenzDbContext db, License license, LicenseHolderQueries queries, MachineSpec spec,
        string? offlineFileId, TimeProvider time, CancellationToken cancellationToken)
    {
        if (LicenseHolder.NotUsable(license, time.GetUtcNow().UtcDateTime) is { } notUsable)
        {
            return new Activation(ActivationOutcome.Refused, null, license, notUsable);
        }

        if (offlineFileId is null && await queries.MachineByFingerprint(db, license.Id, spec.Fingerprint, cancellationToken) is { } active)
        {
            return new Activation(ActivationOutcome.AlreadyActive, active, license);
        }

        return await writes.RunAsync(db, (writer, ct) => ActivateAsync(writer, license, queries, spec, offlineFileId, time, ct), cancellationToken);
    }

    /// <summary>The activation's writes, on the writer's <paramref name="db"/>, alone or in a group's transaction.</summary>
    private static async Task<Activation> ActivateAsync(
        LicenzDbContext db, License license, LicenseHolderQueries queries, MachineSpec spec, string? offlineFileId, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var fingerprint = spec.Fingerprint;
        if (offlineFileId is not null)
        {
            // Reads the machines the group's writes before it added: they are saved first.
            await GroupCommit.SavePendingAsync(db, cancellationToken);
        }

        var existing = offlineFileId is null ? null : await queries.MachineByFingerprint(db, license.Id, fingerprint, cancellationToken);
        if (existing is not null)
        {
            await RecordFileAsync(db, existing, offlineFileId, now, cancellationToken);
            return new Activation(ActivationOutcome.AlreadyActive, existing, license);
        }

        var policy = license.Policy;
        if (policy?.FingerprintMatching == FingerprintMatching.MostComponents && spec.Components is { Count: > 0 } presented)
        {
            await GroupCommit.SavePendingAsync(db, cancellationToken);
            var machines = await db.Machines.Where(m => m.LicenseId == license.Id).ToListAsync(cancellationToken);
            var match = machines.FirstOrDefault(m => MachineRules.MostMatch(MachineRules.ReadComponents(m.Components), presented));
            if (match is not null)
            {
                // The same machine, reinstalled or with a new part: it keeps its seat under its new fingerprint. Files
                // issued to its old fingerprint are another machine's now, and so are their proofs.
                match.Fingerprint = fingerprint;
                match.Components = MachineRules.StoreComponents(presented);
                match.Name = spec.Name ?? match.Name;
                match.Platform = spec.Platform ?? match.Platform;
                match.Hostname = spec.Hostname ?? match.Hostname;
                match.OfflineFileIds = offlineFileId is null ? "[]" : MachineRules.AddFileId("[]", offlineFileId);
                match.UpdatedAt = now;
                match.Version++;
                db.RecordEvent(match, "rebound");
                await db.SaveChangesAsync(cancellationToken);
                return new Activation(ActivationOutcome.Rebound, match, license);
            }
        }

        var machine = new Machine
        {
            Id = Ids.New(Ids.Machine, time),
            AccountId = license.AccountId,
            LicenseId = license.Id,
            ProductId = license.ProductId,
            Fingerprint = fingerprint,
            Name = spec.Name,
            Platform = spec.Platform,
            Hostname = spec.Hostname,
            Components = MachineRules.StoreComponents(spec.Components),
            OfflineFileIds = offlineFileId is null ? "[]" : MachineRules.AddFileId("[]", offlineFileId),
            CreatedAt = now,
            UpdatedAt = now,
            LastHeartbeatAt = policy?.RequireHeartbeat == true ? now : null,
            HeartbeatDueAt = policy?.HeartbeatInterval is { } interval ? now + interval : null,
        };

        await using var transaction = await WriteTransaction.BeginAsync(db, cancellationToken);
        if (!await Seats.TryTakeMachineAsync(db, license.Id, cancellationToken))
        {
            // Nothing was written: the conditional write changed no row. The license as it is now says why.
            var current = await queries.LicenseById(db, license.Id, cancellationToken);
            if (current is null)
            {
                return new Activation(ActivationOutcome.Refused, null, null, LicenseHolder.NoSuchLicense);
            }

            return LicenseHolder.NotUsable(current, now) is { } notUsable
                ? new Activation(ActivationOutcome.Refused, null, current, notUsable)
                : new Activation(ActivationOutcome.LimitReached, null, current);
        }

        db.Machines.Add(machine);
        db.RecordEvent(machine, "activated");
        if (policy is { ExpirationBasis: ExpirationBasis.FirstActivation, DurationSeconds: { } duration } && license.ExpiresAt is null
            && await queries.LicenseById(db, license.Id, cancellationToken) is { ExpiresAt: null } started)
        {
            // A trial that starts on first launch: its time runs from now.
            LicenseHolder.Start(db, started, duration, now);
            license = started;
        }

        try
        {
            // In a group the save waits for the group's, with the activations beside it; a second machine of the same
            // fingerprint then fails the group, and this write, run again alone, lands below.
            await GroupCommit.SaveAsync(db, cancellationToken);
        }
        catch (DbUpdateException exception) when (DatabaseConflicts.IsUniqueViolation(exception) && transaction.IsOwn)
        {
            // The same fingerprint activated at the same moment by another request (another node's): that one took the
            // seat. In a group the failure fails the group, whose writes then run again alone, this one landing here.
            await transaction.RollbackAsync(CancellationToken.None);
            db.ChangeTracker.Clear();
            var winner = await queries.MachineByFingerprint(db, license.Id, fingerprint, cancellationToken);
            if (winner is null)
            {
                throw;
            }

            await RecordFileAsync(db, winner, offlineFileId, now, cancellationToken);
            return new Activation(ActivationOutcome.AlreadyActive, winner, license);
        }

        await transaction.CommitAsync(cancellationToken);
        return new Activation(ActivationOutcome.Activated, machine, license);
    }

    /// <summary>The refusal of an activation beyond the limit: the limit, and the ways to free a seat.</summary>
    public static ApiErrorResult LimitRefusal(License license)
    {
        var limit = license.MaxMachines;
        return ApiErrorResult.Unprocessable(ErrorCodes.MachineLimitExceeded,
            $"License {license.Id} is activated on {limit} machine{(limit == 1 ? "" : "s")}, its limit. Free a seat first: deactivate a machine " +
            "from it (POST /machines/deactivate with its fingerprint, or POST /machines/offline-deactivations with an offline machine's proof), " +
            "or have the vendor remove one (DELETE /machines/{id}) or raise the limit.");
    }

    /// <summary>
    /// Releases <paramref name="machine"/>'s seat as a self-service transfer, within the policy's allowance: null when it
    /// is released, else when the next transfer is allowed (nothing changed). A machine deleted meanwhile makes the save a
    /// 409 conflict and gives its seat back once: the release and the delete are one transaction.
    /// </summary>
    public static async Task<DateTime?> TryReleaseAsync(LicenzDbContext db, License license, Machine machine, DateTime now, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await Seats.ReleaseMachineAsync(db, license.Id, cancellationToken);
        if (await Seats.TryRecordTransferAsync(db, license.Id, license.Policy?.TransfersPer30Days, now, cancellationToken) is { } nextAllowed)
        {
            await transaction.RollbackAsync(cancellationToken);
            return nextAllowed;
        }

        db.Machines.Remove(machine);
        db.RecordEvent(machine, "deactivated");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return null;
    }

    /// <summary>The refusal of a self-service deactivation beyond the transfer allowance: when the next is allowed.</summary>
    public static ApiErrorResult TransferRefusal(License license, Machine machine, DateTime nextAllowed)
    {
        var allowance = license.Policy!.TransfersPer30Days!.Value;
        return ApiErrorResult.Unprocessable(ErrorCodes.TransferLimitExceeded, allowance == 0
            ? $"License {license.Id}'s policy allows no self-service deactivation; the vendor can remove the machine (DELETE /machines/{machine.Id})."
            : $"License {license.Id} has made its {allowance} self-service deactivation{(allowance == 1 ? "" : "s")} of the last 30 days; the next is allowed from " +
              $"{nextAllowed:yyyy-MM-dd'T'HH:mm:ss'Z'}. The vendor can remove the machine sooner (DELETE /machines/{machine.Id}).");
    }

    /// <summary>Adds an offline license file's id to a machine already activated (an event of its own: the machine changed).</summary>
    private static async Task RecordFileAsync(LicenzDbContext db, Machine machine, string? offlineFileId, DateTime now, CancellationToken cancellationToken)
    {
        if (offlineFileId is null)
        {
            return;
        }

        machine.OfflineFileIds = MachineRules.AddFileId(machine.OfflineFileIds, offlineFileId);
        machine.UpdatedAt = now;
        machine.Version++;
        db.RecordEvent(machine, "license_file.issued");
        await db.SaveChangesAsync(cancellationToken);
    }
}

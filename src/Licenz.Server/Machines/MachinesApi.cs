using System.Text.Json;
using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Licenz.Server.Licenses;
using Licenz.Server.Policies;
using Licenz.Server.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Machines;

public static class MachinesApi
{
    public static RouteGroupBuilder MapMachines(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/machines").WithTags("Machines").WithRouteParameter("id", "The machine id (`mach_…`).");

        // License-holder actions: the license key itself, with the application's verify-only key (or an admin key).
        group.MapPost("/", ActivateAsync).RequireScope(ApiKeyScope.Verify).WithLicenseKeyShare(LicenseKeyLocation.InBody("key"))
            .WithName("ActivateMachine").WithLicenseHolderErrors()
            .WithSummary("Activate a machine on a license, presenting the license key: 201 with the machine, 200 when it was already activated (or was rebound).")
            .WithDescription(LicenseHolder.Description);
        group.MapPost("/deactivate", DeactivateAsync).RequireScope(ApiKeyScope.Verify).WithLicenseKeyShare(LicenseKeyLocation.InBody("key"))
            .WithName("DeactivateMachine").WithLicenseHolderErrors()
            .WithSummary("Release a machine's seat, presenting the license key, within the policy's transfer allowance.")
            .WithDescription(LicenseHolder.Description);
        group.MapPost("/heartbeat", HeartbeatAsync).RequireScope(ApiKeyScope.Verify).WithLicenseKeyShare(LicenseKeyLocation.InBody("key"))
            .WithName("MachineHeartbeat").WithLicenseHolderErrors()
            .WithSummary("Tell the server a machine is still running, presenting the license key.")
            .WithDescription(LicenseHolder.Description);

        group.MapGet("/", ListAsync).RequireScope(ApiKeyScope.Read).WithName("ListMachines")
            .WithSummary("List machines, newest first, filtered by license, product or fingerprint.");
        group.MapGet("/{id}", GetAsync).RequireScope(ApiKeyScope.Read).WithName("GetMachine").WithSummary("Get a machine.");
        group.MapDelete("/{id}", DeleteAsync).RequireScope(ApiKeyScope.Write).WithName("DeleteMachine")
            .WithSummary("Deactivate a machine at any time, whatever the transfer allowance.");
        return group;
    }

    private static ApiErrorResult MachineNotFound(string what) => ApiErrorResult.NotFound($"No machine {what}.");

    private static async Task<Results<Created<DataEnvelope<MachineDto>>, Ok<DataEnvelope<MachineDto>>, ApiErrorResult>> ActivateAsync(
        HttpContext context, ActivateMachineRequest request, LicenzDbContext db, LicenseKeyProtection keys, TimeProvider time, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        if (LicenseHolder.Refusal(caller) is { } refusal)
        {
            return refusal;
        }

        var found = await LicenseHolder.FindAsync(db, caller.AccountId, request.Key, keys, cancellationToken);
        if (found.Error is { } error)
        {
            return error;
        }

        var license = found.License!;
        var now = time.GetUtcNow().UtcDateTime;
        if (LicenseHolder.NotUsable(license, now) is { } notUsable)
        {
            return notUsable;
        }

        var fingerprint = request.Fingerprint.Trim();
        var existing = await db.Machines.FirstOrDefaultAsync(m => m.LicenseId == license.Id && m.Fingerprint == fingerprint, cancellationToken);
        if (existing is not null)
        {
            return TypedResults.Ok(new DataEnvelope<MachineDto>(existing.ToDto()));
        }

        var policy = license.Policy;
        if (policy?.FingerprintMatching == FingerprintMatching.MostComponents && request.Components is { Count: > 0 } presented)
        {
            var machines = await db.Machines.Where(m => m.LicenseId == license.Id).ToListAsync(cancellationToken);
            var match = machines.FirstOrDefault(m => MachineRules.MostMatch(MachineRules.ReadComponents(m.Components), presented));
            if (match is not null)
            {
                // The same machine, reinstalled or with a new part: it keeps its seat under its new fingerprint.
                match.Fingerprint = fingerprint;
                match.Components = MachineRules.StoreComponents(presented);
                match.Name = request.Name?.Trim() ?? match.Name;
                match.Platform = request.Platform?.Trim() ?? match.Platform;
                match.Hostname = request.Hostname?.Trim() ?? match.Hostname;
                match.UpdatedAt = now;
                match.Version++;
                db.RecordEvent(match, "rebound");
                await db.SaveChangesAsync(cancellationToken);
                return TypedResults.Ok(new DataEnvelope<MachineDto>(match.ToDto()));
            }
        }

        var machine = new Machine
        {
            Id = Ids.New(Ids.Machine, time),
            AccountId = license.AccountId,
            LicenseId = license.Id,
            ProductId = license.ProductId,
            Fingerprint = fingerprint,
            Name = request.Name?.Trim(),
            Platform = request.Platform?.Trim(),
            Hostname = request.Hostname?.Trim(),
            Components = MachineRules.StoreComponents(request.Components),
            CreatedAt = now,
            UpdatedAt = now,
            LastHeartbeatAt = policy?.RequireHeartbeat == true ? now : null,
            HeartbeatDueAt = policy?.HeartbeatInterval is { } interval ? now + interval : null,
        };

        var limit = license.MaxMachines;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            if (!await Seats.TryTakeMachineAsync(db, license.Id, limit, cancellationToken))
            {
                await transaction.RollbackAsync(cancellationToken);
                return ApiErrorResult.LimitExceeded(ErrorCodes.MachineLimitExceeded,
                    $"License {license.Id} is activated on {limit} machine{(limit == 1 ? "" : "s")}, its limit. Free a seat first: deactivate a machine " +
                    "from it (POST /machines/deactivate with its fingerprint), or have the vendor remove one (DELETE /machines/{id}) or raise the limit.");
            }

            db.Machines.Add(machine);
            db.RecordEvent(machine, "activated");
            if (policy is { ExpirationBasis: ExpirationBasis.FirstActivation, DurationSeconds: { } duration } && license.ExpiresAt is null)
            {
                // A trial that starts on first launch: its time runs from now.
                LicenseHolder.Start(db, license, duration, now);
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException exception) when (DatabaseConflicts.IsUniqueViolation(exception))
            {
                // The same fingerprint activated at the same moment by another request: that one took the seat.
                await transaction.RollbackAsync(CancellationToken.None);
                db.ChangeTracker.Clear();
                var winner = await db.Machines.AsNoTracking().FirstOrDefaultAsync(m => m.LicenseId == license.Id && m.Fingerprint == fingerprint, cancellationToken);
                if (winner is null)
                {
                    throw;
                }

                return TypedResults.Ok(new DataEnvelope<MachineDto>(winner.ToDto()));
            }

            await transaction.CommitAsync(cancellationToken);
        }

        return TypedResults.Created($"{ApiRoutes.BaseOf(context)}/machines/{machine.Id}", new DataEnvelope<MachineDto>(machine.ToDto()));
    }

    private static async Task<Results<Ok<DataEnvelope<MachineDto>>, ApiErrorResult>> DeactivateAsync(
        HttpContext context, MachineActionRequest request, LicenzDbContext db, LicenseKeyProtection keys, TimeProvider time, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        if (LicenseHolder.Refusal(caller) is { } refusal)
        {
            return refusal;
        }

        var found = await LicenseHolder.FindAsync(db, caller.AccountId, request.Key, keys, cancellationToken);
        if (found.Error is { } error)
        {
            return error;
        }

        var license = found.License!;
        var fingerprint = request.Fingerprint.Trim();
        var machine = await db.Machines.FirstOrDefaultAsync(m => m.LicenseId == license.Id && m.Fingerprint == fingerprint, cancellationToken);
        if (machine is null)
        {
            return MachineNotFound("with this fingerprint is activated on this license");
        }

        var now = time.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await Seats.ReleaseMachineAsync(db, license.Id, cancellationToken);
        if (await Seats.TryRecordTransferAsync(db, license.Id, license.Policy?.TransfersPer30Days, now, cancellationToken) is { } nextAllowed)
        {
            await transaction.RollbackAsync(cancellationToken);
            var allowance = license.Policy!.TransfersPer30Days!.Value;
            return ApiErrorResult.LimitExceeded(ErrorCodes.TransferLimitExceeded, allowance == 0
                ? $"License {license.Id}'s policy allows no self-service deactivation; the vendor can remove the machine (DELETE /machines/{machine.Id})."
                : $"License {license.Id} has made its {allowance} self-service deactivation{(allowance == 1 ? "" : "s")} of the last 30 days; the next is allowed from " +
                  $"{nextAllowed:yyyy-MM-dd'T'HH:mm:ss'Z'}. The vendor can remove the machine sooner (DELETE /machines/{machine.Id}).");
        }

        db.Machines.Remove(machine);
        db.RecordEvent(machine, "deactivated");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(new DataEnvelope<MachineDto>(machine.ToDto()));
    }

    private static async Task<Results<Ok<DataEnvelope<MachineDto>>, ApiErrorResult>> HeartbeatAsync(
        HttpContext context, MachineActionRequest request, LicenzDbContext db, LicenseKeyProtection keys, TimeProvider time, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        if (LicenseHolder.Refusal(caller) is { } refusal)
        {
            return refusal;
        }

        var found = await LicenseHolder.FindAsync(db, caller.AccountId, request.Key, keys, cancellationToken);
        if (found.Error is { } error)
        {
            return error;
        }

        var license = found.License!;
        var fingerprint = request.Fingerprint.Trim();
        var now = time.GetUtcNow().UtcDateTime;
        DateTime? due = license.Policy?.HeartbeatInterval is { } interval ? now + interval : null;

        // A ping, not a change: no event, no version (MachineHeartbeats).
        if (!await MachineHeartbeats.RecordAsync(db, license.Id, fingerprint, now, due, cancellationToken))
        {
            return MachineNotFound("with this fingerprint is activated on this license (a machine whose heartbeat stopped is deactivated: activate it again)");
        }

        var machine = await db.Machines.AsNoTracking().FirstAsync(m => m.LicenseId == license.Id && m.Fingerprint == fingerprint, cancellationToken);
        return TypedResults.Ok(new DataEnvelope<MachineDto>(machine.ToDto()));
    }

    private static async Task<Results<Ok<ListEnvelope<MachineDto>>, ApiErrorResult>> ListAsync(
        HttpContext context, LicenzDbContext db, [AsParameters] MachineListQuery query, CancellationToken cancellationToken)
    {
        if (!PageRequest.TryCreate(query, Ids.Machine, out var page, out var error))
        {
            return error;
        }

        var accountId = context.Caller().AccountId;
        var machines = db.Machines.AsNoTracking().Where(m => m.AccountId == accountId);
        if (query.LicenseId is { } licenseId)
        {
            machines = machines.Where(m => m.LicenseId == licenseId);
        }

        if (query.ProductId is { } productId)
        {
            machines = machines.Where(m => m.ProductId == productId);
        }

        if (query.Fingerprint is { } fingerprint)
        {
            var trimmed = fingerprint.Trim();
            machines = machines.Where(m => m.Fingerprint == trimmed);
        }

        return TypedResults.Ok(await machines.ToPageAsync(page, MachineMapping.ToDto, cancellationToken));
    }

    private static async Task<Results<Ok<DataEnvelope<MachineDto>>, ApiErrorResult>> GetAsync(
        HttpContext context, string id, LicenzDbContext db, CancellationToken cancellationToken)
    {
        var accountId = context.Caller().AccountId;
        var machine = await db.Machines.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id && m.AccountId == accountId, cancellationToken);
        return machine is null ? MachineNotFound($"with id '{RequestRules.Shown(id)}'") : TypedResults.Ok(new DataEnvelope<MachineDto>(machine.ToDto()));
    }

    private static async Task<Results<Ok<DataEnvelope<DeletedResource>>, ApiErrorResult>> DeleteAsync(
        HttpContext context, string id, LicenzDbContext db, CancellationToken cancellationToken)
    {
        var accountId = context.Caller().AccountId;
        var machine = await db.Machines.FirstOrDefaultAsync(m => m.Id == id && m.AccountId == accountId, cancellationToken);
        if (machine is null)
        {
            return MachineNotFound($"with id '{RequestRules.Shown(id)}'");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Machines.Remove(machine);

        // A machine deleted meanwhile (by its holder, or the heartbeat monitor) makes this save a 409 conflict, its seat given back once.
        await db.SaveChangesAsync(cancellationToken);
        await Seats.ReleaseMachineAsync(db, machine.LicenseId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(new DataEnvelope<DeletedResource>(new DeletedResource(machine.Id)));
    }
}

internal static class MachineApiDocumentation
{
    /// <summary>What a license-holder action may answer besides its data: the key unknown, a limit reached, a race lost.</summary>
    public static RouteHandlerBuilder WithLicenseHolderErrors(this RouteHandlerBuilder builder) => builder
        .WithDocumentedError(StatusCodes.Status404NotFound, "No license with this key in this account, or no machine with this fingerprint on it (`not_found`).")
        .WithDocumentedError(StatusCodes.Status409Conflict, "Another request changed the same license or machine at the same time (`conflict`); nothing was changed.")
        .WithDocumentedError(StatusCodes.Status422UnprocessableEntity,
            "A limit of the license refuses it (`machine_limit_exceeded`, `transfer_limit_exceeded`); the message says which and what to do. Nothing was changed.");
}

internal static class MachineMapping
{
    public static MachineDto ToDto(this Machine m) => new(
        m.Id, m.LicenseId, m.ProductId, m.Fingerprint, m.Name, m.Platform, m.Hostname,
        JsonDocument.Parse(m.Components).RootElement.Clone(), m.CreatedAt, m.UpdatedAt, m.LastHeartbeatAt, m.HeartbeatDueAt);
}

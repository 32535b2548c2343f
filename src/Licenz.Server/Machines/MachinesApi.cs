using Licenz.Server.Activity;
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
        group.MapOfflineMachines();

        group.MapGet("/", ListAsync).RequireScope(ApiKeyScope.Read).WithName("ListMachines")
            .WithSummary("List machines, newest first, filtered by license, product or fingerprint.");
        group.MapGet("/{id}", GetAsync).RequireScope(ApiKeyScope.Read).WithName("GetMachine").WithSummary("Get a machine.");
        group.MapDelete("/{id}", DeleteAsync).RequireScope(ApiKeyScope.Write).WithName("DeleteMachine")
            .WithSummary("Deactivate a machine at any time, whatever the transfer allowance.");
        return group;
    }

    private static ApiErrorResult MachineNotFound(string what) => ApiErrorResult.NotFound($"No machine {what}.");

    private static async Task<Results<Created<DataEnvelope<MachineDto>>, Ok<DataEnvelope<MachineDto>>, ApiErrorResult>> ActivateAsync(
        HttpContext context, ActivateMachineRequest request, LicenzDbContext db, LicenseKeyProtection keys, GroupCommit writes, LicenseHolderQueries queries,
        TimeProvider time, ActivityRecorder activity, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        if (LicenseHolder.Refusal(caller) is { } refusal)
        {
            return refusal;
        }

        var found = await LicenseHolder.FindAsync(db, queries, caller.AccountId, request.Key, keys, cancellationToken);
        if (found.Error is { } error)
        {
            return error;
        }

        var activation = await MachineActivation.ActivateAsync(writes, db, found.License!, queries, MachineSpec.Of(request), offlineFileId: null, time, cancellationToken);
        if (activation.Outcome == ActivationOutcome.Activated)
        {
            activity.Count(caller.AccountId, DailyCount.Activation, time.GetUtcNow().UtcDateTime);
        }

        return activation switch
        {
            { Outcome: ActivationOutcome.Refused } => activation.Refusal!,
            { Outcome: ActivationOutcome.LimitReached } => MachineActivation.LimitRefusal(activation.License!),
            { Outcome: ActivationOutcome.Activated, Machine: { } machine } =>
                TypedResults.Created($"{ApiRoutes.BaseOf(context)}/machines/{machine.Id}", new DataEnvelope<MachineDto>(machine.ToDto())),
            _ => TypedResults.Ok(new DataEnvelope<MachineDto>(activation.Machine!.ToDto())),
        };
    }

    private static async Task<Results<Ok<DataEnvelope<MachineDto>>, ApiErrorResult>> DeactivateAsync(
        HttpContext context, MachineActionRequest request, LicenzDbContext db, LicenseKeyProtection keys, LicenseHolderQueries queries, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        if (LicenseHolder.Refusal(caller) is { } refusal)
        {
            return refusal;
        }

        var found = await LicenseHolder.FindAsync(db, queries, caller.AccountId, request.Key, keys, cancellationToken);
        if (found.Error is { } error)
        {
            return error;
        }

        var license = found.License!;
        var fingerprint = request.Fingerprint.Trim();
        var machine = await queries.MachineByFingerprint(db, license.Id, fingerprint, cancellationToken);
        if (machine is null)
        {
            return MachineNotFound("with this fingerprint is activated on this license");
        }

        if (await MachineActivation.TryReleaseAsync(db, license, machine, time.GetUtcNow().UtcDateTime, cancellationToken) is { } nextAllowed)
        {
            return MachineActivation.TransferRefusal(license, machine, nextAllowed);
        }

        return TypedResults.Ok(new DataEnvelope<MachineDto>(machine.ToDto()));
    }

    private static async Task<Results<Ok<DataEnvelope<MachineDto>>, ApiErrorResult>> HeartbeatAsync(
        HttpContext context, MachineActionRequest request, LicenzDbContext db, LicenseKeyProtection keys, LicenseHolderQueries queries, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        if (LicenseHolder.Refusal(caller) is { } refusal)
        {
            return refusal;
        }

        var found = await LicenseHolder.FindAsync(db, queries, caller.AccountId, request.Key, keys, cancellationToken);
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

        var machine = await db.OfLicense(license.Id, fingerprint).AsNoTracking().FirstAsync(cancellationToken);
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

    internal static async Task<Results<Ok<DataEnvelope<DeletedResource>>, ApiErrorResult>> DeleteAsync(
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

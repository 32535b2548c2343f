using Licenz.Server.Activity;
using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Licenz.Server.Licenses;
using Licenz.Server.Signing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Machines;

/// <summary>
/// Air-gapped machines: one that never reaches the server makes an activation request (or, later, a proof that it
/// removed its license file) with the SDK, and someone carries it to the server. The activation and the release are the
/// online ones (<see cref="MachineActivation"/>): the same limits, conditional writes and events.
/// </summary>
/// <remarks>
/// The license key is inside the request, sealed, and the proof stands for it: neither names it where the rate limit's
/// per-key share could read it, so these endpoints count against the API key's budget alone. They are rare by nature.
/// </remarks>
public static class OfflineMachinesApi
{
    private const string Description =
        "A license-holder action for a machine that cannot reach the server: the body carries what the machine produced with " +
        "the Licenz SDK, which stands for the license key. Open to verify-only API keys and admin keys; read-only keys cannot act " +
        "for a license holder.";

    public static RouteGroupBuilder MapOfflineMachines(this RouteGroupBuilder machines)
    {
        machines.MapPost("/offline-activations", ActivateAsync).RequireScope(ApiKeyScope.Verify)
            .WithName("ActivateOfflineMachine").WithLicenseHolderErrors()
            .WithSummary("Activate an air-gapped machine from its activation request: 201 (or 200 when it was already activated, or was rebound) " +
                "with the machine and a license file bound to it.")
            .WithDescription(Description + " The activation is POST /machines's, within the license's machine limit; the license file " +
                "is encrypted for the license key and carries the machine, like a check-out's.");
        machines.MapPost("/offline-deactivations", DeactivateAsync).RequireScope(ApiKeyScope.Verify)
            .WithName("DeactivateOfflineMachine").WithLicenseHolderErrors()
            .WithSummary("Release an air-gapped machine's seat on its proof that it removed its license file, within the policy's transfer allowance. " +
                "A proof releases a seat once.")
            .WithDescription(Description);
        return machines;
    }

    private static async Task<Results<Created<DataEnvelope<OfflineActivationDto>>, Ok<DataEnvelope<OfflineActivationDto>>, ApiErrorResult>> ActivateAsync(
        HttpContext context, OfflineActivationRequestBody body, LicenzDbContext db, LicenseKeyProtection keys, SigningKeyRing ring, Revocations.RevocationLists revocations, GroupCommit writes,
        LicenseHolderQueries queries, TimeProvider time, ActivityRecorder activity, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        if (LicenseHolder.Refusal(caller) is { } refusal)
        {
            return refusal;
        }

        if (!OfflineActivationRequest.TryParse(body.Request, out var request, out var problem))
        {
            return ApiErrorResult.BadRequest($"Field 'request' is not a usable activation request: {problem}", "request");
        }

        // What the request says of the machine obeys POST /machines's rules, and answers by this body's field.
        var machineRequest = new ActivateMachineRequest
        {
            Key = request.LicenseKey,
            Fingerprint = request.Fingerprint,
            Name = request.Name,
            Platform = request.Platform,
            Hostname = request.Hostname,
            Components = request.Components.Count == 0 ? null : request.Components.ToDictionary(),
        };
        if (RequestRules.Check(machineRequest) is { } broken)
        {
            return ApiErrorResult.BadRequest($"Field 'request' asks for a machine the API refuses: {broken.Message}", "request");
        }

        var found = await LicenseHolder.FindAsync(db, queries, caller.AccountId, request.LicenseKey, keys, cancellationToken);
        if (found.Error is { } error)
        {
            return error;
        }

        var license = found.License!;
        var now = time.GetUtcNow().UtcDateTime;
        var tooLong = LicenseFiles.TimeToLive(license, body.Ttl, out var ttl);
        if ((LicenseHolder.NotUsable(license, now) ?? LicenseFiles.NotIssuable(license, now)) is { } notUsable)
        {
            return ApiErrorResult.BadRequest(notUsable.Error.Message, "request");
        }

        if (tooLong is not null)
        {
            return tooLong;
        }

        // The file's id is chosen first and recorded with the machine, in the activation's own save.
        var fileId = Ids.New(LicenseFiles.IdPrefix, time);
        var activation = await MachineActivation.ActivateAsync(writes, db, license, queries, MachineSpec.Of(machineRequest), fileId, time, cancellationToken);
        if (activation.Refusal is { } refused)
        {
            return ApiErrorResult.BadRequest(refused.Error.Message, "request");
        }

        if (activation.Machine is not { } machine)
        {
            // The limit as the writer found it, which may have been lowered since this request read the license.
            return MachineActivation.LimitRefusal(activation.License!);
        }

        // The license as the activation left it: a first activation may have started its time, which the file carries.
        var file = await LicenseFiles.IssueAsync(activation.License!, machine, fileId, ttl, encrypt: true, keys, ring, revocations, time, cancellationToken);
        activity.LicenseValidated(license.Id, now);
        if (activation.Outcome == ActivationOutcome.Activated)
        {
            activity.Count(license.AccountId, DailyCount.Activation, now);
        }

        var answer = new DataEnvelope<OfflineActivationDto>(new OfflineActivationDto(machine.ToDto(), file));
        return activation.Outcome == ActivationOutcome.Activated
            ? TypedResults.Created($"{ApiRoutes.BaseOf(context)}/machines/{machine.Id}", answer)
            : TypedResults.Ok(answer);
    }

    private static async Task<Results<Ok<DataEnvelope<MachineDto>>, ApiErrorResult>> DeactivateAsync(
        HttpContext context, OfflineDeactivationRequestBody body, LicenzDbContext db, LicenseKeyProtection keys, LicenseHolderQueries queries,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        if (LicenseHolder.Refusal(caller) is { } refusal)
        {
            return refusal;
        }

        if (!OfflineDeactivationProof.TryParse(body.Proof, out var proof, out var problem))
        {
            return ApiErrorResult.BadRequest($"Field 'proof' is not a usable deactivation proof: {problem}", "proof");
        }

        var license = await db.Licenses.FirstOrDefaultAsync(l => l.Id == proof.LicenseId && l.AccountId == caller.AccountId, cancellationToken);
        if (license is null)
        {
            return ApiErrorResult.NotFound($"No license {RequestRules.Shown(proof.LicenseId)}, the proof's.");
        }

        // Only the license key's holder can make a proof: its seal is keyed from the key, which the server opens from its seal.
        if (!proof.IsSealedWith(keys.Open(license)))
        {
            return ApiErrorResult.BadRequest(
                $"Field 'proof' does not hold: it was not made with license {license.Id}'s key, or it was altered after it was made.", "proof");
        }

        var machine = await queries.MachineByFingerprint(db, license.Id, proof.Fingerprint, cancellationToken);
        if (machine is null)
        {
            return ApiErrorResult.BadRequest(
                $"Field 'proof' frees no seat: no machine with its fingerprint is activated on license {license.Id}. A proof frees a seat once; " +
                "this one was used already, or its machine was deactivated another way.", "proof");
        }

        if (!MachineRules.ReadFileIds(machine.OfflineFileIds).Contains(proof.FileId, StringComparer.Ordinal))
        {
            return ApiErrorResult.BadRequest(
                $"Field 'proof' is for license file {RequestRules.Shown(proof.FileId)}, which was not issued to machine {machine.Id} as it is activated now " +
                "(it was another machine's, or an earlier activation's): it frees no seat.", "proof");
        }

        if (await MachineActivation.TryReleaseAsync(db, license, machine, time.GetUtcNow().UtcDateTime, cancellationToken) is { } nextAllowed)
        {
            return MachineActivation.TransferRefusal(license, machine, nextAllowed);
        }

        return TypedResults.Ok(new DataEnvelope<MachineDto>(machine.ToDto()));
    }
}

using System.Text;
using System.Text.Json;
using Licenz.Server.Activity;
using Licenz.Server.Dashboard.Members;
using Licenz.Server.Data;
using Licenz.Server.Entitlements;
using Licenz.Server.Events;
using Licenz.Server.Http;
using Licenz.Server.Licenses;
using Licenz.Server.Machines;
using Licenz.Server.Revocations;
using Licenz.Server.Signing;
using Licenz.Server.Verification;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Dashboard.Pages.Licenses;

/// <summary>
/// One license, as support works on it: its facts, suspend, reinstate, renew, revoke, its machines (deactivate one to
/// free a seat), a license file to download (bound to a machine or not), its own entitlements, and its history.
/// </summary>
public sealed class LicenseDetailModel(LicenzDbContext db, LicenseKeyProtection keys, TimeProvider time) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string Id { get; set; } = "";

    public LicenseDto? License { get; private set; }

    public string ProductName { get; private set; } = "";

    public string PolicyName { get; private set; } = "";

    public IReadOnlyList<Machine> Machines { get; private set; } = [];

    public string[] OwnEntitlements { get; private set; } = [];

    public IReadOnlyList<Entitlement> AccountEntitlements { get; private set; } = [];

    public IReadOnlyList<LicenzEvent> History { get; private set; } = [];

    /// <summary>The last verifications that did not answer a plain VALID, newest first, with their rules' outcomes.</summary>
    public IReadOnlyList<(VerificationRefusal Refusal, IReadOnlyList<VerificationCheck> Checks)> Refusals { get; private set; } = [];

    /// <summary>How many of the last refused verifications the page shows.</summary>
    public const int RefusalsShown = 10;

    /// <summary>The fingerprint a support person asks about (the customer's machine), for "Check now".</summary>
    [BindProperty(SupportsGet = true)]
    public string? Fingerprint { get; set; }

    /// <summary>Entitlement codes to ask about, separated by commas.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Ask { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool Check { get; set; }

    /// <summary>What a verification would answer now, rule by rule (<see cref="LicenseValidator.Decide"/>).</summary>
    public Verdict? Verdict { get; private set; }

    [TempData]
    public string? Notice { get; set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) =>
        await LoadAsync(cancellationToken) ? Page() : NotFound();

    public Task<IActionResult> OnPostActionAsync(string action, CancellationToken cancellationToken)
    {
        LicenseAction? parsed = action switch
        {
            "suspend" => LicenseAction.Suspend,
            "reinstate" => LicenseAction.Reinstate,
            "revoke" => LicenseAction.Revoke,
            "renew" => LicenseAction.Renew,
            _ => null,
        };
        return parsed is not { } chosen ? Task.FromResult<IActionResult>(BadRequest()) : ChangeAsync(
            async () => (await LicenseActions.ApplyAsync(HttpContext, Id, chosen, null, db, keys, time, cancellationToken)).Result, chosen switch
        {
            LicenseAction.Suspend => "Suspended: the license no longer verifies.",
            LicenseAction.Reinstate => "Reinstated: the license verifies again.",
            LicenseAction.Revoke => "Revoked for good.",
            _ => "Renewed.",
        }, cancellationToken);
    }

    public Task<IActionResult> OnPostEntitlementAsync(string code, bool grant, CancellationToken cancellationToken)
    {
        var request = new LicenseEntitlementsRequest { Entitlements = [code ?? ""] };
        return ChangeAsync(async () =>
        {
            if (RequestRules.Check(request) is { } broken)
            {
                return new ApiErrorResult(broken);
            }

            return (await LicensesApi.ChangeEntitlementsAsync(HttpContext, Id, request, grant, db, keys, time, cancellationToken)).Result;
        }, grant ? $"Granted {code}." : $"Took {code} back.", cancellationToken);
    }

    public async Task<IActionResult> OnPostDeactivateAsync(string machineId, CancellationToken cancellationToken)
    {
        // Only a machine of this license: the page names the license it acts on.
        if (!await db.Machines.AnyAsync(m => m.Id == machineId && m.LicenseId == Id, cancellationToken))
        {
            return NotFound();
        }

        return await ChangeAsync(async () => (await MachinesApi.DeleteAsync(HttpContext, machineId, db, cancellationToken)).Result,
            "Deactivated: the machine's seat is free.", cancellationToken);
    }

    public async Task<IActionResult> OnPostFileAsync(string? machineId, [FromServices] SigningKeyRing ring, [FromServices] RevocationLists revocations,
        [FromServices] ActivityRecorder activity, CancellationToken cancellationToken)
    {
        if (!User.Can(MemberRole.Support))
        {
            return Forbid();
        }

        string? fingerprint = null;
        if (!string.IsNullOrEmpty(machineId))
        {
            fingerprint = await db.Machines.Where(m => m.Id == machineId && m.LicenseId == Id).Select(m => m.Fingerprint).FirstOrDefaultAsync(cancellationToken);
            if (fingerprint is null)
            {
                return NotFound();
            }
        }

        var (file, refusal) = DashboardCommands.Outcome<LicenseFileDto>((await LicenseFileApi.CheckOutAsync(HttpContext, Id,
            new LicenseFileRequest { Fingerprint = fingerprint }, download: false, db, keys, ring, revocations, time, activity, cancellationToken)).Result);
        if (file is not null)
        {
            return File(Encoding.UTF8.GetBytes(file.LicenseFile), LicenseFileApi.FileMediaType, $"{file.LicenseId}.lic");
        }

        Error = refusal!.Message;
        return await LoadAsync(cancellationToken) ? Page() : NotFound();
    }

    /// <summary>Runs a support change through the API's handler: a notice and back to the page, or its refusal on the page.</summary>
    private async Task<IActionResult> ChangeAsync(Func<Task<IResult>> change, string notice, CancellationToken cancellationToken)
    {
        if (!User.Can(MemberRole.Support))
        {
            return Forbid();
        }

        var refusal = DashboardCommands.Refusal(await change());
        if (refusal is null)
        {
            Notice = notice;
            return RedirectToPage(new { Id });
        }

        if (refusal.Status == StatusCodes.Status404NotFound)
        {
            return NotFound();
        }

        Error = refusal.Message;
        Response.StatusCode = refusal.Status;
        return await LoadAsync(cancellationToken) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var license = await db.Licenses.AsNoTracking().FirstOrDefaultAsync(l => l.Id == Id, cancellationToken);
        if (license is null)
        {
            return false;
        }

        License = license.ToDto(keys.Open(license), now);
        OwnEntitlements = EntitlementCodes.Read(license.Entitlements);
        ProductName = await db.Products.Where(p => p.Id == license.ProductId).Select(p => p.Name).FirstOrDefaultAsync(cancellationToken) ?? license.ProductId;
        PolicyName = license.Policy?.Name ?? "no policy";
        Machines = await db.Machines.AsNoTracking().Where(m => m.LicenseId == Id).OrderBy(m => m.Id).ToListAsync(cancellationToken);
        AccountEntitlements = await db.Entitlements.AsNoTracking().OrderBy(e => e.Code).ToListAsync(cancellationToken);

        // The license's own events and its machines' (deactivated ones included: their events name the license in their data).
        var machineIds = await db.Events.AsNoTracking().Where(e => e.ResourceType == "machine" && e.Data.Contains(Id))
            .Select(e => e.ResourceId).Distinct().ToListAsync(cancellationToken);
        History = await db.Events.AsNoTracking().Where(e => e.ResourceId == Id || machineIds.Contains(e.ResourceId))
            .OrderByDescending(e => e.Id).Take(50).ToListAsync(cancellationToken);
        Refusals = (await db.VerificationRefusals.AsNoTracking().Where(r => r.LicenseId == Id).OrderByDescending(r => r.At).ThenByDescending(r => r.Id)
                .Take(RefusalsShown).ToListAsync(cancellationToken))
            .Select(r => (r, JsonSerializer.Deserialize(r.Checks, VerificationJsonContext.Default.IReadOnlyListVerificationCheck) ?? []))
            .ToList();
        if (Check)
        {
            Verdict = await DecideAsync(license, now, cancellationToken);
        }

        return true;
    }

    /// <summary>
    /// The verification decision for this license as it is stored now, for the fingerprint and entitlements asked about:
    /// the same pure function <c>POST /licenses/verify</c> runs, so support sees every rule and why it passed or failed.
    /// </summary>
    private async Task<Verdict> DecideAsync(License license, DateTime now, CancellationToken cancellationToken)
    {
        var fingerprint = string.IsNullOrWhiteSpace(Fingerprint) ? null : Fingerprint.Trim();
        var asked = (Ask ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var policy = license.Policy;
        var entitlements = new SortedSet<string>(
            EntitlementCodes.Read(policy?.Entitlements ?? "[]").Concat(EntitlementCodes.Read(license.Entitlements)), StringComparer.Ordinal);
        var machine = fingerprint is null ? null : await db.Machines.AsNoTracking().Where(m => m.LicenseId == license.Id && m.Fingerprint == fingerprint)
            .Select(m => new MachineFacts(m.Id, m.HeartbeatDueAt)).FirstOrDefaultAsync(cancellationToken);
        return LicenseValidator.Decide(
            new LicenseFacts(license.ProductId, license.Status, license.ExpiresAt, license.MaxMachinesOverride ?? policy?.MaxMachines, license.MachinesCount,
                license.Uses, entitlements),
            policy is null ? PolicyFacts.None : PolicyFacts.Of(policy), machine, new VerifyScope(null, fingerprint, asked), now);
    }
}

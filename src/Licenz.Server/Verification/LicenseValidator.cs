using System.Globalization;
using Licenz.Server.Licenses;
using Licenz.Server.Policies;

namespace Licenz.Server.Verification;

/// <summary>What verification knows of a license: its stored fields, counters and effective limits.</summary>
/// <param name="Entitlements">Its effective entitlement codes: its policy's and its own.</param>
public sealed record LicenseFacts(
    string ProductId,
    LicenseStatus StoredStatus,
    DateTime? ExpiresAt,
    int? MaxMachines,
    int MachinesCount,
    int Uses,
    IReadOnlySet<string> Entitlements);

/// <summary>What verification needs of a license's policy.</summary>
/// <param name="StartsLater">Its licenses' time starts at their first activation or validation, not at creation.</param>
public sealed record PolicyFacts(ExpirationStrategy Strategy, TimeSpan GracePeriod, bool Floating, int? MaxUses, bool RequireHeartbeat, bool StartsLater)
{
    /// <summary>A license with no policy (none before the start-up upgrade gives it one): restricted, floating, no limits.</summary>
    public static readonly PolicyFacts None = new(ExpirationStrategy.Restrict, TimeSpan.Zero, true, null, false, false);

    public static PolicyFacts Of(Policy policy) => new(policy.ExpirationStrategy, TimeSpan.FromSeconds(policy.GracePeriodSeconds), policy.Floating,
        policy.MaxUses, policy.RequireHeartbeat, policy.DurationSeconds is not null && policy.ExpirationBasis != ExpirationBasis.Creation);
}

/// <summary>The machine of the license whose fingerprint the request named, if one is activated.</summary>
public sealed record MachineFacts(string Id, DateTime? HeartbeatDueAt);

/// <summary>What the request asked to be checked beyond the license itself.</summary>
public sealed record VerifyScope(string? ProductId, string? Fingerprint, IReadOnlyList<string> Entitlements)
{
    public static readonly VerifyScope Empty = new(null, null, []);
}

/// <param name="Rule">license, product, status, expiry, usage, machines, fingerprint, heartbeat or entitlements.</param>
/// <param name="Outcome">passed, failed or skipped (the rule does not apply to this license or request).</param>
/// <param name="Detail">Why, in words.</param>
public sealed record VerificationCheck(string Rule, string Outcome, string Detail);

/// <param name="Valid">Whether the license may be used.</param>
/// <param name="Code">The first failed rule's code; VALID when none failed; EXPIRED (valid) when only expiry flagged.</param>
/// <param name="Detail">The code, in words.</param>
/// <param name="Checks">Every rule, in evaluation order, with its outcome.</param>
/// <param name="InGrace">Expired, but within its policy's grace period: valid until <paramref name="GraceEndsAt"/>.</param>
public sealed record Verdict(bool Valid, string Code, string Detail, IReadOnlyList<VerificationCheck> Checks, bool InGrace, DateTime? GraceEndsAt);

/// <summary>
/// The verification decision, as one pure function of the license, its policy, the request's machine and scope, and
/// the time: no I/O, so it is tested as a table (<c>LicenseValidatorTests</c>). The rules are evaluated in this
/// order, every one of them, and the first that fails gives the code:
/// <list type="number">
/// <item><c>product</c>: the license is for the product the request names (PRODUCT_SCOPE_MISMATCH).</item>
/// <item><c>status</c>: not revoked (REVOKED), not suspended (SUSPENDED).</item>
/// <item><c>expiry</c>: not past its expiry (EXPIRED); past it, a <c>restrict</c> policy still allows its grace period
/// (valid, <c>in_grace</c>), <c>maintain</c> and <c>allow</c> policies stay valid, flagged with the code EXPIRED.</item>
/// <item><c>usage</c>: uses within <c>max_uses</c> (USAGE_EXCEEDED).</item>
/// <item><c>machines</c>: machines within <c>max_machines</c>, which may have been lowered since (TOO_MANY_MACHINES).</item>
/// <item><c>fingerprint</c>: the request's fingerprint is an activated machine of the license (NO_MACHINE when it has
/// none, FINGERPRINT_SCOPE_MISMATCH otherwise); node-locked licenses need one (FINGERPRINT_SCOPE_REQUIRED).</item>
/// <item><c>heartbeat</c>: that machine's heartbeat is not overdue (HEARTBEAT_DEAD).</item>
/// <item><c>entitlements</c>: the license has every entitlement the request names (ENTITLEMENTS_MISSING).</item>
/// </list>
/// A license that is not found (or belongs to another account) is NOT_FOUND, with the single check <c>license</c>.
/// </summary>
public static class LicenseValidator
{
    public const string Passed = "passed";
    public const string Failed = "failed";
    public const string Skipped = "skipped";

    private static readonly VerificationCheck LicenseFound = new("license", Passed, "A license with this key exists.");
    private static readonly VerificationCheck NoProductScope = new("product", Skipped, "The request names no product.");
    private static readonly VerificationCheck ProductMatches = new("product", Passed, "The license is for the product the request names.");
    private static readonly VerificationCheck StatusActive = new("status", Passed, "The license is neither suspended nor revoked.");
    private static readonly VerificationCheck StatusRevoked = new("status", Failed, "The license has been revoked.");
    private static readonly VerificationCheck StatusSuspended = new("status", Failed, "The license is suspended.");
    private static readonly VerificationCheck NeverExpires = new("expiry", Passed, "The license does not expire.");
    private static readonly VerificationCheck NotStarted = new("expiry", Passed, "The license's time has not started yet: it starts at its first activation or validation.");
    private static readonly VerificationCheck NoUseLimit = new("usage", Skipped, "Its policy has no use limit.");
    private static readonly VerificationCheck NoMachineLimit = new("machines", Skipped, "Its policy has no machine limit.");
    private static readonly VerificationCheck NoFingerprintScope = new("fingerprint", Skipped, "The request names no machine, and the license is floating.");
    private static readonly VerificationCheck NoHeartbeat = new("heartbeat", Skipped, "Its policy requires no heartbeat, or the request names no machine.");
    private static readonly VerificationCheck NoEntitlementScope = new("entitlements", Skipped, "The request names no entitlements.");

    public static readonly Verdict NotFound = new(false, VerificationResultCodes.NotFound, "No license with this key.",
        [new VerificationCheck("license", Failed, "No license with this key in this account.")], false, null);

    public static Verdict Decide(LicenseFacts license, PolicyFacts policy, MachineFacts? machine, VerifyScope scope, DateTime now)
    {
        var checks = new List<VerificationCheck>(9) { LicenseFound };
        string? code = null;
        string? detail = null;
        var flagged = false;
        var inGrace = false;
        DateTime? graceEndsAt = null;

        void Fail(string failedCode, VerificationCheck check)
        {
            checks.Add(check);
            if (code is null)
            {
                code = failedCode;
                detail = check.Detail;
            }
        }

        // product
        if (scope.ProductId is not { } product)
        {
            checks.Add(NoProductScope);
        }
        else if (product == license.ProductId)
        {
            checks.Add(ProductMatches);
        }
        else
        {
            Fail(VerificationResultCodes.ProductScopeMismatch, new("product", Failed, $"The license is for another product than {product}."));
        }

        // status
        switch (license.StoredStatus)
        {
            case LicenseStatus.Revoked:
                Fail(VerificationResultCodes.Revoked, StatusRevoked);
                break;
            case LicenseStatus.Suspended:
                Fail(VerificationResultCodes.Suspended, StatusSuspended);
                break;
            default:
                checks.Add(StatusActive);
                break;
        }

        // expiry
        if (license.ExpiresAt is not { } expiresAt)
        {
            checks.Add(policy.StartsLater ? NotStarted : NeverExpires);
        }
        else if (expiresAt > now)
        {
            checks.Add(new("expiry", Passed, $"The license expires at {Time(expiresAt)}."));
        }
        else
        {
            switch (policy.Strategy)
            {
                case ExpirationStrategy.Maintain:
                    flagged = true;
                    checks.Add(new("expiry", Passed, $"The license expired at {Time(expiresAt)}; its policy maintains access, out of maintenance: versions released before then keep working."));
                    break;
                case ExpirationStrategy.Allow:
                    flagged = true;
                    checks.Add(new("expiry", Passed, $"The license expired at {Time(expiresAt)}; its policy allows access after expiry."));
                    break;
                default:
                    var graceEnds = expiresAt + policy.GracePeriod;
                    if (graceEnds > now)
                    {
                        flagged = inGrace = true;
                        graceEndsAt = graceEnds;
                        checks.Add(new("expiry", Passed, $"The license expired at {Time(expiresAt)}; it is in its grace period until {Time(graceEnds)}."));
                    }
                    else
                    {
                        Fail(VerificationResultCodes.Expired, new("expiry", Failed, policy.GracePeriod > TimeSpan.Zero
                            ? $"The license expired at {Time(expiresAt)}, and its grace period ended at {Time(graceEnds)}."
                            : $"The license expired at {Time(expiresAt)}."));
                    }

                    break;
            }
        }

        // usage
        if (policy.MaxUses is not { } maxUses)
        {
            checks.Add(NoUseLimit);
        }
        else if (license.Uses <= maxUses)
        {
            checks.Add(new("usage", Passed, $"{license.Uses} of {maxUses} uses recorded."));
        }
        else
        {
            Fail(VerificationResultCodes.UsageExceeded, new("usage", Failed, $"{license.Uses} uses recorded, more than the {maxUses} allowed."));
        }

        // machines
        if (license.MaxMachines is not { } maxMachines)
        {
            checks.Add(NoMachineLimit);
        }
        else if (license.MachinesCount <= maxMachines)
        {
            checks.Add(new("machines", Passed, $"{license.MachinesCount} of {maxMachines} machines activated."));
        }
        else
        {
            Fail(VerificationResultCodes.TooManyMachines, new("machines", Failed,
                $"{license.MachinesCount} machines are activated, more than the {maxMachines} allowed now; deactivate {license.MachinesCount - maxMachines}."));
        }

        // fingerprint
        if (scope.Fingerprint is null)
        {
            if (policy.Floating)
            {
                checks.Add(NoFingerprintScope);
            }
            else if (license.MachinesCount == 0)
            {
                Fail(VerificationResultCodes.NoMachine, new("fingerprint", Failed, "The license is node-locked and no machine is activated on it; activate this machine first (POST /machines)."));
            }
            else
            {
                Fail(VerificationResultCodes.FingerprintScopeRequired, new("fingerprint", Failed, "The license is node-locked: the request must name the machine's fingerprint."));
            }
        }
        else if (machine is not null)
        {
            checks.Add(new("fingerprint", Passed, $"The fingerprint is machine {machine.Id}'s, activated on the license."));
        }
        else if (license.MachinesCount == 0)
        {
            Fail(VerificationResultCodes.NoMachine, new("fingerprint", Failed, "No machine is activated on the license; activate this machine first (POST /machines)."));
        }
        else
        {
            Fail(VerificationResultCodes.FingerprintScopeMismatch, new("fingerprint", Failed, "The fingerprint is none of the machines activated on the license."));
        }

        // heartbeat
        if (machine is null || !policy.RequireHeartbeat || machine.HeartbeatDueAt is not { } due)
        {
            checks.Add(NoHeartbeat);
        }
        else if (due > now)
        {
            checks.Add(new("heartbeat", Passed, $"The machine's next heartbeat is due by {Time(due)}."));
        }
        else
        {
            Fail(VerificationResultCodes.HeartbeatDead, new("heartbeat", Failed, $"The machine's heartbeat was due by {Time(due)}; send one (POST /machines/heartbeat) or activate it again."));
        }

        // entitlements
        if (scope.Entitlements.Count == 0)
        {
            checks.Add(NoEntitlementScope);
        }
        else
        {
            var missing = scope.Entitlements.Where(e => !license.Entitlements.Contains(e)).ToList();
            if (missing.Count == 0)
            {
                checks.Add(new("entitlements", Passed, $"The license has {string.Join(", ", scope.Entitlements)}."));
            }
            else
            {
                Fail(VerificationResultCodes.EntitlementsMissing, new("entitlements", Failed, $"The license lacks {string.Join(", ", missing)}."));
            }
        }

        return code is not null
            ? new Verdict(false, code, detail!, checks, inGrace, graceEndsAt)
            : flagged
                ? new Verdict(true, VerificationResultCodes.Expired, checks.First(c => c.Rule == "expiry").Detail, checks, inGrace, graceEndsAt)
                : new Verdict(true, VerificationResultCodes.Valid, "The license is valid.", checks, false, null);
    }

    private static string Time(DateTime time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

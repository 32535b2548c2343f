using Licenz.Server.Licenses;
using Licenz.Server.Policies;
using Licenz.Server.Verification;

namespace Licenz.Server.Tests.Licensing;

/// <summary>The verification decision as a table: license, policy, machine, request and time in; valid, code and checks out.</summary>
public sealed class LicenseValidatorTests
{
    private static readonly DateTime Now = new(2026, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    private static readonly LicenseFacts Active = new("prod_a", LicenseStatus.Active, Now.AddDays(10), null, 0, 0, new SortedSet<string>(["export", "print"]));

    private static readonly PolicyFacts Plain = PolicyFacts.None;

    public static TheoryData<string, LicenseFacts, PolicyFacts, MachineFacts?, VerifyScope, bool, string> Cases => new()
    {
        { "plain valid", Active, Plain, null, VerifyScope.Empty, true, "VALID" },
        { "another product", Active, Plain, null, new("prod_b", null, []), false, "PRODUCT_SCOPE_MISMATCH" },
        { "the same product", Active, Plain, null, new("prod_a", null, []), true, "VALID" },
        { "revoked", Active with { StoredStatus = LicenseStatus.Revoked }, Plain, null, VerifyScope.Empty, false, "REVOKED" },
        { "suspended", Active with { StoredStatus = LicenseStatus.Suspended }, Plain, null, VerifyScope.Empty, false, "SUSPENDED" },
        { "revoked beats expired", Active with { StoredStatus = LicenseStatus.Revoked, ExpiresAt = Now.AddDays(-1) }, Plain, null, VerifyScope.Empty, false, "REVOKED" },
        { "product beats revoked", Active with { StoredStatus = LicenseStatus.Revoked }, Plain, null, new("prod_b", null, []), false, "PRODUCT_SCOPE_MISMATCH" },
        { "expired, restrict", Active with { ExpiresAt = Now.AddSeconds(-1) }, Plain, null, VerifyScope.Empty, false, "EXPIRED" },
        { "expired, in grace", Active with { ExpiresAt = Now.AddDays(-1) }, Plain with { GracePeriod = TimeSpan.FromDays(3) }, null, VerifyScope.Empty, true, "EXPIRED" },
        { "expired, grace over", Active with { ExpiresAt = Now.AddDays(-4) }, Plain with { GracePeriod = TimeSpan.FromDays(3) }, null, VerifyScope.Empty, false, "EXPIRED" },
        { "expired, maintain", Active with { ExpiresAt = Now.AddDays(-100) }, Plain with { Strategy = ExpirationStrategy.Maintain }, null, VerifyScope.Empty, true, "EXPIRED" },
        { "expired, allow", Active with { ExpiresAt = Now.AddDays(-100) }, Plain with { Strategy = ExpirationStrategy.Allow }, null, VerifyScope.Empty, true, "EXPIRED" },
        { "not started", Active with { ExpiresAt = null }, Plain with { StartsLater = true }, null, VerifyScope.Empty, true, "VALID" },
        { "uses at the limit", Active with { Uses = 5 }, Plain with { MaxUses = 5 }, null, VerifyScope.Empty, true, "VALID" },
        { "uses past the limit", Active with { Uses = 6 }, Plain with { MaxUses = 5 }, null, VerifyScope.Empty, false, "USAGE_EXCEEDED" },
        { "machines at the limit", Active with { MaxMachines = 2, MachinesCount = 2 }, Plain, null, VerifyScope.Empty, true, "VALID" },
        { "limit lowered under the machines", Active with { MaxMachines = 1, MachinesCount = 2 }, Plain, null, VerifyScope.Empty, false, "TOO_MANY_MACHINES" },
        { "fingerprint of an activated machine", Active with { MachinesCount = 1 }, Plain, new MachineFacts("mach_1", null), new(null, "fp", []), true, "VALID" },
        { "fingerprint, no machine at all", Active, Plain, null, new(null, "fp", []), false, "NO_MACHINE" },
        { "fingerprint of no machine of the license", Active with { MachinesCount = 2 }, Plain, null, new(null, "fp", []), false, "FINGERPRINT_SCOPE_MISMATCH" },
        { "node-locked without machines", Active with { MaxMachines = 1 }, Plain with { Floating = false }, null, VerifyScope.Empty, false, "NO_MACHINE" },
        { "node-locked without a fingerprint", Active with { MaxMachines = 1, MachinesCount = 1 }, Plain with { Floating = false }, null, VerifyScope.Empty, false, "FINGERPRINT_SCOPE_REQUIRED" },
        { "node-locked with its machine", Active with { MaxMachines = 1, MachinesCount = 1 }, Plain with { Floating = false }, new MachineFacts("mach_1", null), new(null, "fp", []), true, "VALID" },
        { "heartbeat on time", Active with { MachinesCount = 1 }, Plain with { RequireHeartbeat = true }, new MachineFacts("mach_1", Now.AddMinutes(1)), new(null, "fp", []), true, "VALID" },
        { "heartbeat overdue", Active with { MachinesCount = 1 }, Plain with { RequireHeartbeat = true }, new MachineFacts("mach_1", Now.AddMinutes(-1)), new(null, "fp", []), false, "HEARTBEAT_DEAD" },
        { "heartbeat overdue, not required", Active with { MachinesCount = 1 }, Plain, new MachineFacts("mach_1", Now.AddMinutes(-1)), new(null, "fp", []), true, "VALID" },
        { "entitlements held", Active, Plain, null, new(null, null, ["export"]), true, "VALID" },
        { "entitlements missing", Active, Plain, null, new(null, null, ["export", "cloud"]), false, "ENTITLEMENTS_MISSING" },
        { "expired in grace, and an entitlement missing", Active with { ExpiresAt = Now.AddDays(-1) }, Plain with { GracePeriod = TimeSpan.FromDays(3) }, null, new(null, null, ["cloud"]), false, "ENTITLEMENTS_MISSING" },
        { "usage before machines", Active with { Uses = 9, MaxMachines = 1, MachinesCount = 3 }, Plain with { MaxUses = 1 }, null, VerifyScope.Empty, false, "USAGE_EXCEEDED" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheDecisionIsTheFirstFailedRuleEveryRuleIsListedInOrder(
        string name, LicenseFacts license, PolicyFacts policy, MachineFacts? machine, VerifyScope scope, bool valid, string code)
    {
        var verdict = LicenseValidator.Decide(license, policy, machine, scope, Now);

        Assert.True(valid == verdict.Valid, name);
        Assert.Equal(code, verdict.Code);
        Assert.Equal(["license", "product", "status", "expiry", "usage", "machines", "fingerprint", "heartbeat", "entitlements"], verdict.Checks.Select(c => c.Rule));
        Assert.All(verdict.Checks, c => Assert.Contains(c.Outcome, new[] { "passed", "failed", "skipped" }));
        Assert.All(verdict.Checks, c => Assert.False(string.IsNullOrWhiteSpace(c.Detail)));
        var failed = verdict.Checks.Where(c => c.Outcome == "failed").ToList();
        Assert.Equal(!valid, failed.Count > 0);
        if (!valid)
        {
            Assert.Equal(failed[0].Detail, verdict.Detail);
        }
    }

    [Fact]
    public void InGraceTheAnswerSaysUntilWhen()
    {
        var verdict = LicenseValidator.Decide(Active with { ExpiresAt = Now.AddDays(-1) }, Plain with { GracePeriod = TimeSpan.FromDays(3) }, null, VerifyScope.Empty, Now);

        Assert.True(verdict.InGrace);
        Assert.Equal(Now.AddDays(2), verdict.GraceEndsAt);
        Assert.Contains("grace period until 2026-06-03T12:00:00Z", verdict.Detail);
    }

    [Fact]
    public void AMissingEntitlementIsNamed()
    {
        var verdict = LicenseValidator.Decide(Active, Plain, null, new(null, null, ["export", "cloud", "sso"]), Now);

        Assert.Equal("The license lacks cloud, sso.", verdict.Detail);
    }

    [Fact]
    public void ALicenseThatIsNotFoundHasOneFailedCheck()
    {
        Assert.False(LicenseValidator.NotFound.Valid);
        Assert.Equal("NOT_FOUND", LicenseValidator.NotFound.Code);
        Assert.Equal(["license:failed"], LicenseValidator.NotFound.Checks.Select(c => $"{c.Rule}:{c.Outcome}"));
    }
}

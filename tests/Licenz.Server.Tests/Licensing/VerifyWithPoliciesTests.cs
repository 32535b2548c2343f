using System.Net;
using System.Text.Json;
using Licenz.Server.Tests.Infrastructure;
using static Licenz.Server.Tests.Licensing.Licensing;

namespace Licenz.Server.Tests.Licensing;

/// <summary>Online verification that explains itself: fingerprint and entitlement scopes, and the checks behind every answer.</summary>
public sealed class VerifyWithPoliciesTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    [Fact]
    public async Task EveryAnswerListsTheRulesInOrderWithTheirOutcomes()
    {
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { duration = "P30D" });

        var answer = await VerifyAsync(admin, new { key = license.Str("key") });

        Assert.Equal("VALID", answer.Str("code"));
        var checks = answer.GetProperty("checks").EnumerateArray().Select(c => $"{c.Str("rule")}:{c.Str("outcome")}").ToList();
        Assert.Equal(["license:passed", "product:skipped", "status:passed", "expiry:passed", "usage:skipped", "machines:skipped",
            "fingerprint:skipped", "heartbeat:skipped", "entitlements:skipped"], checks);
        Assert.False(answer.GetProperty("in_grace").GetBoolean());
        Assert.Equal(license.Str("policy_id"), answer.GetProperty("license").Str("policy_id"));

        var missing = await VerifyAsync(admin, new { key = Licenz.LicenseKeyGenerator.Generate() });
        Assert.Equal("NOT_FOUND", missing.Str("code"));
        Assert.Equal("license", missing.GetProperty("checks")[0].Str("rule"));
    }

    [Fact]
    public async Task ANodeLockedLicenseVerifiesOnlyOnItsActivatedMachine()
    {
        using var admin = app.CreateAdminClient();
        using var application = app.CreateClient(await ApiKeyAsync(admin, "verify_only"));
        var license = await LicenseAsync(admin, new { duration = "P30D", floating = false, max_machines = 1 });
        var key = license.Str("key");

        Assert.Equal("NO_MACHINE", (await VerifyAsync(application, new { key, fingerprint = "fp-home" })).Str("code"));
        Assert.Equal("NO_MACHINE", (await VerifyAsync(application, new { key })).Str("code"));
        var machine = await (await ActivateAsync(application, key, "fp-home")).DataAsync(HttpStatusCode.Created);

        var onIt = await VerifyAsync(application, new { key, fingerprint = "fp-home" });
        Assert.True(onIt.GetProperty("valid").GetBoolean());
        Assert.Equal(machine.Str("id"), onIt.Str("machine_id"));
        Assert.Equal("FINGERPRINT_SCOPE_MISMATCH", (await VerifyAsync(application, new { key, fingerprint = "fp-elsewhere" })).Str("code"));
        Assert.Equal("FINGERPRINT_SCOPE_REQUIRED", (await VerifyAsync(application, new { key })).Str("code"));

        // Its one seat is taken.
        await (await ActivateAsync(admin, key, "fp-second")).ErrorAsync(HttpStatusCode.UnprocessableEntity, "machine_limit_exceeded");
    }

    [Fact]
    public async Task EntitlementsAreThePolicysAndTheLicensesOwnAndAMissingOneIsNamed()
    {
        using var admin = app.CreateAdminClient();
        var suffix = Guid.NewGuid().ToString("N")[..6];
        foreach (var code in new[] { "pdf-" + suffix, "sso-" + suffix, "api-" + suffix })
        {
            await (await admin.PostJsonAsync("entitlements", new { code, name = code })).DataAsync(HttpStatusCode.Created);
        }

        var license = await LicenseAsync(admin, new { duration = "P30D", entitlements = new[] { "pdf-" + suffix } }, new { entitlements = new[] { "sso-" + suffix } });
        Assert.Equal(["pdf-" + suffix, "sso-" + suffix], license.GetProperty("entitlements").EnumerateArray().Select(e => e.GetString()));
        var key = license.Str("key");

        Assert.Equal("VALID", (await VerifyAsync(admin, new { key, entitlements = new[] { "pdf-" + suffix, "sso-" + suffix } })).Str("code"));
        var lacking = await VerifyAsync(admin, new { key, entitlements = new[] { "pdf-" + suffix, "api-" + suffix } });
        Assert.Equal("ENTITLEMENTS_MISSING", lacking.Str("code"));
        Assert.Contains("api-" + suffix, lacking.Str("detail"));

        var attached = await (await admin.PostJsonAsync($"licenses/{license.Str("id")}/entitlements", new { entitlements = new[] { "api-" + suffix } })).DataAsync();
        Assert.Equal(3, attached.GetProperty("entitlements").GetArrayLength());
        Assert.Equal("VALID", (await VerifyAsync(admin, new { key, entitlements = new[] { "api-" + suffix } })).Str("code"));

        using var detach = new HttpRequestMessage(HttpMethod.Delete, $"licenses/{license.Str("id")}/entitlements")
        {
            Content = Infrastructure.Api.Json(new { entitlements = new[] { "api-" + suffix } }),
        };
        await (await admin.SendAsync(detach, TestContext.Current.CancellationToken)).DataAsync();
        Assert.Equal("ENTITLEMENTS_MISSING", (await VerifyAsync(admin, new { key, entitlements = new[] { "api-" + suffix } })).Str("code"));
        Assert.Contains("license.entitlements.attached", await EventTypesAsync(admin, license.Str("id")));

        // An entitlement still granted cannot be deleted; unknown codes are refused where they are granted.
        var entitlements = await GetAsync(admin, "entitlements?limit=100");
        var pdf = entitlements.EnumerateArray().First(e => e.Str("code") == "pdf-" + suffix).Str("id");
        var refused = await (await admin.DeleteAsync($"entitlements/{pdf}", TestContext.Current.CancellationToken)).ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Contains("1 policy", refused.Str("message"));
        var unknown = await (await admin.PostJsonAsync($"licenses/{license.Str("id")}/entitlements", new { entitlements = new[] { "nope-" + suffix } }))
            .ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("entitlements", unknown.Str("field"));
        await (await admin.PostJsonAsync("entitlements", new { code = "pdf-" + suffix })).ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
    }

    [Fact]
    public async Task AnExpiredLicenseInItsGraceIsValidAndSaysUntilWhen()
    {
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { duration = "P1D", grace_period = "P3D" });

        app.Time.Advance(TimeSpan.FromDays(2));
        var inGrace = await VerifyAsync(admin, new { key = license.Str("key") });

        Assert.True(inGrace.GetProperty("valid").GetBoolean());
        Assert.Equal("EXPIRED", inGrace.Str("code"));
        Assert.True(inGrace.GetProperty("in_grace").GetBoolean());
        Assert.Equal(Iso(app.Time.GetUtcNow().AddDays(2)), inGrace.Str("grace_ends_at"));

        app.Time.Advance(TimeSpan.FromDays(3));
        var over = await VerifyAsync(admin, new { key = license.Str("key") });
        Assert.False(over.GetProperty("valid").GetBoolean());
        Assert.False(over.GetProperty("in_grace").GetBoolean());
        Assert.Equal(JsonValueKind.Null, over.GetProperty("grace_ends_at").ValueKind);
    }

    [Fact]
    public async Task UsesPastALoweredLimitAreUsageExceeded()
    {
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { duration = "P30D", max_uses = 5 });
        await (await admin.PostJsonAsync($"licenses/{license.Str("id")}/usage", new { increment = 4 })).DataAsync();
        Assert.Equal("VALID", (await VerifyAsync(admin, new { key = license.Str("key") })).Str("code"));

        await (await admin.PatchJsonAsync($"policies/{license.Str("policy_id")}", new { max_uses = 3 })).DataAsync();

        Assert.Equal("USAGE_EXCEEDED", (await VerifyAsync(admin, new { key = license.Str("key") })).Str("code"));
    }
}

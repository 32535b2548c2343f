using System.Net;
using System.Text.Json;
using Licenz.Server.Tests.Infrastructure;
using Licenz.Server.Tests.Signing;
using static Licenz.Server.Tests.Licensing.Licensing;

namespace Licenz.Server.Tests.Licensing;

/// <summary>License files follow activations: bound only to activated machines, carrying the policy's rules, living no longer than its check-in interval.</summary>
public sealed class LicenseFilesTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ABoundFileIsIssuedOnlyForAMachineActivatedOnThatLicense()
    {
        using var admin = app.CreateAdminClient();
        using var application = app.CreateClient(await ApiKeyAsync(admin, "verify_only"));
        var license = await LicenseAsync(admin, new { duration = "P30D", max_machines = 3 });
        var other = await LicenseAsync(admin, new { duration = "P30D" });
        await (await ActivateAsync(admin, other.Str("key"), "fp-elsewhere")).DataAsync(HttpStatusCode.Created);
        var before = await app.SnapshotDatabaseAsync();

        // Neither a machine never activated, nor one activated on another license.
        foreach (var fingerprint in new[] { "fp-never", "fp-elsewhere" })
        {
            var error = await (await application.PostJsonAsync($"licenses/{license.Str("key")}/license-file", new { fingerprint }))
                .ErrorAsync(HttpStatusCode.UnprocessableEntity, "no_machine");
            Assert.Contains("POST /machines", error.Str("message"));
        }

        Assert.Equal(before, await app.SnapshotDatabaseAsync());

        var machine = await (await ActivateAsync(application, license.Str("key"), "fp-never")).DataAsync(HttpStatusCode.Created);
        var file = await Fixtures.CheckOutAsync(application, license.Str("key"), new { fingerprint = "fp-never" });
        Assert.Equal(machine.Str("id"), file.Str("machine_id"));
        var result = Fixtures.VerifyOffline(app, file.Str("license_file"), await Fixtures.JwksAsync(app), license.Str("key"), "fp-never");
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(machine.Str("id"), result.Claims!.License.MachineId);

        // Once the machine is gone, so is its right to a file.
        await (await admin.DeleteAsync($"machines/{machine.Str("id")}", Ct)).DataAsync();
        await (await application.PostJsonAsync($"licenses/{license.Str("key")}/license-file", new { fingerprint = "fp-never" }))
            .ErrorAsync(HttpStatusCode.UnprocessableEntity, "no_machine");
    }

    [Fact]
    public async Task ANodeLockedLicensesFilesAreBoundToAMachineOnly()
    {
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { duration = "P30D", floating = false, max_machines = 1 });
        await (await ActivateAsync(admin, license.Str("key"), "fp-locked")).DataAsync(HttpStatusCode.Created);
        var before = await app.SnapshotDatabaseAsync();

        var error = await (await admin.PostJsonAsync($"licenses/{license.Str("id")}/license-file", new { ttl = 86_400 }))
            .ErrorAsync(HttpStatusCode.BadRequest, "bad_request");

        Assert.Equal("fingerprint", error.Str("field"));
        Assert.Contains("node-locked", error.Str("message"));
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
        var bound = await Fixtures.CheckOutAsync(admin, license.Str("id"), new { fingerprint = "fp-locked" });
        Assert.Equal("fp-locked", bound.Str("fingerprint"));
    }

    [Fact]
    public async Task TheFileCarriesTheMachineTheEffectiveEntitlementsAndThePolicysRules()
    {
        using var admin = app.CreateAdminClient();
        var suffix = Guid.NewGuid().ToString("N")[..6];
        foreach (var code in new[] { "pdf-" + suffix, "sso-" + suffix })
        {
            await (await admin.PostJsonAsync("entitlements", new { code, name = code })).DataAsync(HttpStatusCode.Created);
        }

        var license = await LicenseAsync(admin,
            new { duration = "P365D", grace_period = "P7D", check_in_interval = "P10D", fingerprint_matching = "most_components", entitlements = new[] { "pdf-" + suffix } },
            new { entitlements = new[] { "sso-" + suffix } });
        var machine = await (await ActivateAsync(admin, license.Str("key"), "fp-carried", new { components = new { cpu = "c", board = "b", disk = "d" } }))
            .DataAsync(HttpStatusCode.Created);

        var checkout = await Fixtures.CheckOutAsync(admin, license.Str("id"), new { fingerprint = "fp-carried", encrypt = true });
        var result = Fixtures.VerifyOffline(app, checkout.Str("license_file"), await Fixtures.JwksAsync(app), license.Str("key"), "fp-carried");

        Assert.True(result.IsValid, result.Message);
        var claims = result.Claims!.License;
        Assert.Equal(machine.Str("id"), claims.MachineId);
        Assert.Equal("fp-carried", claims.Fingerprint);
        Assert.Equal(new Dictionary<string, string> { ["board"] = "b", ["cpu"] = "c", ["disk"] = "d" }, claims.Components);
        Assert.Equal(FingerprintMatchingNames.MostComponents, claims.FingerprintMatching);
        Assert.Equal(["pdf-" + suffix, "sso-" + suffix], claims.Entitlements);
        Assert.True(result.HasEntitlement("sso-" + suffix));
        Assert.Equal(TimeSpan.FromDays(7), claims.GracePeriod);
        Assert.Equal(TimeSpan.FromDays(10), claims.CheckInInterval);

        // The default time to live is the check-in interval, being shorter than 30 days.
        Assert.Equal(app.Time.GetUtcNow().AddDays(10), result.Claims.ExpiresAt);
    }

    [Fact]
    public async Task TheTimeToLiveNeverExceedsThePolicysCheckInInterval()
    {
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { duration = "P365D", check_in_interval = "P2D" });
        var before = await app.SnapshotDatabaseAsync();

        var error = await (await admin.PostJsonAsync($"licenses/{license.Str("id")}/license-file", new { ttl = 3 * 86_400 }))
            .ErrorAsync(HttpStatusCode.BadRequest, "bad_request");

        Assert.Equal("ttl", error.Str("field"));
        Assert.Contains("at most 172800 seconds (2 days)", error.Str("message"));
        Assert.Contains("check_in_interval", error.Str("message"));
        Assert.Equal(before, await app.SnapshotDatabaseAsync());

        var byDefault = await Fixtures.CheckOutAsync(admin, license.Str("id"));
        Assert.Equal(Iso(app.Time.GetUtcNow().AddDays(2)), byDefault.Str("expires_at"));
        var shorter = await Fixtures.CheckOutAsync(admin, license.Str("id"), new { ttl = 86_400 });
        Assert.Equal(Iso(app.Time.GetUtcNow().AddDays(1)), shorter.Str("expires_at"));
        var atTheLimit = await Fixtures.CheckOutAsync(admin, license.Str("id"), new { ttl = 2 * 86_400 });
        Assert.Equal(Iso(app.Time.GetUtcNow().AddDays(2)), atTheLimit.Str("expires_at"));

        // Without a check-in interval, the default stays 30 days.
        var unbounded = await LicenseAsync(admin, new { duration = "P365D" });
        Assert.Equal(Iso(app.Time.GetUtcNow().AddDays(30)), (await Fixtures.CheckOutAsync(admin, unbounded.Str("id"))).Str("expires_at"));
    }

    [Fact]
    public async Task IssuingAFileChangesNeitherTheLicenseNorItsMachine()
    {
        using var admin = app.CreateAdminClient();
        // A license whose time starts at its first validation: a check-out is no validation that starts it.
        var license = await LicenseAsync(admin, new { duration = "P30D", expiration_basis = "first_validation" });
        var machine = await (await ActivateAsync(admin, license.Str("key"), "fp-unchanged")).DataAsync(HttpStatusCode.Created);
        var licenseBefore = await GetAsync(admin, $"licenses/{license.Str("id")}");
        var eventsBefore = await GetAsync(admin, "events?limit=100");

        await Fixtures.CheckOutAsync(admin, license.Str("id"), new { fingerprint = "fp-unchanged", encrypt = true });
        await Fixtures.CheckOutAsync(admin, license.Str("key"));

        var licenseAfter = await GetAsync(admin, $"licenses/{license.Str("id")}");
        Assert.Equal(Without(licenseBefore, "last_validated_at"), Without(licenseAfter, "last_validated_at"));
        Assert.Equal(JsonValueKind.Null, licenseAfter.GetProperty("expires_at").ValueKind);
        Assert.Equal(machine.GetRawText(), (await GetAsync(admin, $"machines/{machine.Str("id")}")).GetRawText());
        Assert.Equal(eventsBefore.GetRawText(), (await GetAsync(admin, "events?limit=100")).GetRawText());
    }

    private static string Without(JsonElement element, string property) =>
        JsonSerializer.Serialize(element.EnumerateObject().Where(p => p.Name != property).ToDictionary(p => p.Name, p => p.Value));
}

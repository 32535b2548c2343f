using System.Net;
using System.Text.Json;
using Licenz.Server.Data;
using Licenz.Server.Machines;
using Licenz.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Licenz.Server.Tests.Licensing.Licensing;

namespace Licenz.Server.Tests.Licensing;

/// <summary>Machines: activation by the license holder, seats, rebinding, transfers, heartbeats, and the admin's view.</summary>
public sealed class MachinesTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheApplicationsVerifyOnlyKeyActivatesAMachineOnceAndTheSameFingerprintAgainTakesNoSeat()
    {
        using var admin = app.CreateAdminClient();
        using var application = app.CreateClient(await ApiKeyAsync(admin, "verify_only"));
        var license = await LicenseAsync(admin, new { duration = "P30D", max_machines = 2 });
        var key = license.Str("key");

        var first = await (await ActivateAsync(application, key, "fp-office", new { name = "Office PC", platform = "windows", hostname = "office-1", components = new { board = "b1", cpu = "c1" } }))
            .DataAsync(HttpStatusCode.Created);
        var again = await (await ActivateAsync(application, key.ToLowerInvariant().Replace("-", ""), "fp-office")).DataAsync(HttpStatusCode.OK);

        Assert.Matches("^mach_[0-9a-z]{26}$", first.Str("id"));
        Assert.Equal(first.Str("id"), again.Str("id"));
        Assert.Equal(license.Str("id"), first.Str("license_id"));
        Assert.Equal("Office PC", first.Str("name"));
        Assert.Equal("b1", first.GetProperty("components").Str("board"));
        var stored = await GetAsync(admin, $"licenses/{license.Str("id")}");
        Assert.Equal(1, stored.GetProperty("machines_count").GetInt32());
        Assert.Equal(["machine.activated"], await EventTypesAsync(admin, first.Str("id")));

        // The admin sees it, by license, by fingerprint, by product and by id.
        Assert.Equal(first.Str("id"), (await GetAsync(admin, $"machines?license_id={license.Str("id")}"))[0].Str("id"));
        Assert.Equal(first.Str("id"), (await GetAsync(admin, "machines?fingerprint=fp-office")).EnumerateArray().Single(m => m.Str("license_id") == license.Str("id")).Str("id"));
        Assert.Equal(first.Str("id"), (await GetAsync(admin, $"machines?product_id={license.Str("product_id")}"))[0].Str("id"));
        Assert.Equal("fp-office", (await GetAsync(admin, $"machines/{first.Str("id")}")).Str("fingerprint"));
    }

    [Fact]
    public async Task OverTheLimitTheErrorSaysTheLimitAndHowToFreeASeatAndNothingChanges()
    {
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { duration = "P30D", max_machines = 1 });
        await (await ActivateAsync(admin, license.Str("key"), "fp-1")).DataAsync(HttpStatusCode.Created);
        var before = await app.SnapshotDatabaseAsync();

        var error = await (await ActivateAsync(admin, license.Str("key"), "fp-2")).ErrorAsync(HttpStatusCode.UnprocessableEntity, "machine_limit_exceeded");

        Assert.Contains("1 machine", error.Str("message"));
        Assert.Contains("POST /machines/deactivate", error.Str("message"));
        Assert.Equal(before, await app.SnapshotDatabaseAsync());

        // A per-license override raises it for this license alone.
        await (await admin.PatchJsonAsync($"licenses/{license.Str("id")}", new { max_machines = 2 })).DataAsync();
        await (await ActivateAsync(admin, license.Str("key"), "fp-2")).DataAsync(HttpStatusCode.Created);
        Assert.Equal(2, (await GetAsync(admin, $"licenses/{license.Str("id")}")).GetProperty("machines_count").GetInt32());
    }

    [Fact]
    public async Task AReinstalledMachineWhoseComponentsMostlyMatchIsReboundWithoutASeat()
    {
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { duration = "P30D", max_machines = 1, fingerprint_matching = "most_components" });
        var machine = await (await ActivateAsync(admin, license.Str("key"), "fp-before", new { components = new { board = "B", cpu = "C", disk = "D1", os = "O1" } }))
            .DataAsync(HttpStatusCode.Created);

        // A new disk and a reinstalled OS: board and CPU still match, 2 of 4, which is not most.
        await (await ActivateAsync(admin, license.Str("key"), "fp-other", new { components = new { board = "B", cpu = "C", disk = "D2", os = "O2" } }))
            .ErrorAsync(HttpStatusCode.UnprocessableEntity, "machine_limit_exceeded");

        // Only the disk changed: 3 of 4 match.
        var rebound = await (await ActivateAsync(admin, license.Str("key"), "fp-after", new { components = new { board = "B", cpu = "C", disk = "D2", os = "O1" } }))
            .DataAsync(HttpStatusCode.OK);

        Assert.Equal(machine.Str("id"), rebound.Str("id"));
        Assert.Equal("fp-after", rebound.Str("fingerprint"));
        Assert.Equal(1, (await GetAsync(admin, $"licenses/{license.Str("id")}")).GetProperty("machines_count").GetInt32());
        Assert.Equal(["machine.activated", "machine.rebound"], await EventTypesAsync(admin, machine.Str("id")));
        var verified = await VerifyAsync(admin, new { key = license.Str("key"), fingerprint = "fp-after" });
        Assert.Equal("VALID", verified.Str("code"));
    }

    [Fact]
    public async Task SelfServiceDeactivationsStayWithinTheTransferAllowanceAndSayWhenTheNextIsAllowed()
    {
        using var admin = app.CreateAdminClient();
        using var application = app.CreateClient(await ApiKeyAsync(admin, "verify_only"));
        var license = await LicenseAsync(admin, new { duration = "P365D", max_machines = 1, transfers_per_30_days = 1 });
        var key = license.Str("key");
        await (await ActivateAsync(application, key, "fp-old")).DataAsync(HttpStatusCode.Created);

        var released = await (await application.PostJsonAsync("machines/deactivate", new { key, fingerprint = "fp-old" })).DataAsync();
        Assert.Equal("fp-old", released.Str("fingerprint"));
        await (await ActivateAsync(application, key, "fp-new")).DataAsync(HttpStatusCode.Created);
        var firstTransfer = app.Time.GetUtcNow();

        app.Time.Advance(TimeSpan.FromDays(10));
        var before = await app.SnapshotDatabaseAsync();
        var refused = await (await application.PostJsonAsync("machines/deactivate", new { key, fingerprint = "fp-new" }))
            .ErrorAsync(HttpStatusCode.UnprocessableEntity, "transfer_limit_exceeded");
        Assert.Contains(Iso(firstTransfer.AddDays(30)), refused.Str("message"));
        Assert.Equal(before, await app.SnapshotDatabaseAsync());

        // The vendor can always remove one; and after 30 days the holder can again.
        app.Time.Advance(TimeSpan.FromDays(21));
        await (await application.PostJsonAsync("machines/deactivate", new { key, fingerprint = "fp-new" })).DataAsync();
        Assert.Equal(0, (await GetAsync(admin, $"licenses/{license.Str("id")}")).GetProperty("machines_count").GetInt32());
    }

    [Fact]
    public async Task TheAdminDeletesAMachineAtAnyTimeAndItsSeatIsFree()
    {
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { duration = "P30D", max_machines = 1, transfers_per_30_days = 0 });
        var machine = await (await ActivateAsync(admin, license.Str("key"), "fp-a")).DataAsync(HttpStatusCode.Created);
        await (await admin.PostJsonAsync("machines/deactivate", new { key = license.Str("key"), fingerprint = "fp-a" }))
            .ErrorAsync(HttpStatusCode.UnprocessableEntity, "transfer_limit_exceeded");

        await (await admin.DeleteAsync($"machines/{machine.Str("id")}", Ct)).DataAsync();

        await (await ActivateAsync(admin, license.Str("key"), "fp-b")).DataAsync(HttpStatusCode.Created);
        await (await admin.DeleteAsync($"machines/{machine.Str("id")}", Ct)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(["machine.activated", "machine.deleted"], await EventTypesAsync(admin, machine.Str("id")));
    }

    [Fact]
    public async Task AMachineWhoseHeartbeatStopsIsDeactivatedAndItsSeatFreed()
    {
        // Its own server, whose monitor never sweeps by itself during the test (an hour of real time): the test sweeps.
        await using var app = new LicenzApplication().WithSetting("Licenz:Machines:HeartbeatCheckInterval", "01:00:00");
        await app.InitializeAsync();
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { duration = "P30D", max_machines = 1, require_heartbeat = true, heartbeat_interval = 600 });
        var key = license.Str("key");
        var machine = await (await ActivateAsync(admin, key, "fp-hb")).DataAsync(HttpStatusCode.Created);
        Assert.Equal(Iso(app.Time.GetUtcNow().AddMinutes(10)), machine.Str("heartbeat_due_at"));

        app.Time.Advance(TimeSpan.FromMinutes(8));
        var beat = await (await admin.PostJsonAsync("machines/heartbeat", new { key, fingerprint = "fp-hb" })).DataAsync();
        Assert.Equal(Iso(app.Time.GetUtcNow().AddMinutes(10)), beat.Str("heartbeat_due_at"));
        Assert.Equal("VALID", (await VerifyAsync(admin, new { key, fingerprint = "fp-hb" })).Str("code"));

        app.Time.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal("HEARTBEAT_DEAD", (await VerifyAsync(admin, new { key, fingerprint = "fp-hb" })).Str("code"));

        var monitor = app.Services.GetRequiredService<HeartbeatMonitor>();
        Assert.True(await monitor.SweepAsync(Ct) >= 1);

        Assert.Equal("NO_MACHINE", (await VerifyAsync(admin, new { key, fingerprint = "fp-hb" })).Str("code"));
        Assert.Equal(["machine.activated", "machine.heartbeat.dead"], await EventTypesAsync(admin, machine.Str("id")));
        await (await admin.PostJsonAsync("machines/heartbeat", new { key, fingerprint = "fp-hb" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await ActivateAsync(admin, key, "fp-other")).DataAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task ASuspendedOrLapsedLicenseTakesNoNewMachineAndADeletedOneTakesItsMachinesWithIt()
    {
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { duration = "P1D", max_machines = 3 });
        var machine = await (await ActivateAsync(admin, license.Str("key"), "fp-kept")).DataAsync(HttpStatusCode.Created);

        await (await admin.PostAsync($"licenses/{license.Str("id")}/suspend", null, Ct)).DataAsync();
        var suspended = await (await ActivateAsync(admin, license.Str("key"), "fp-new")).ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Contains("suspended", suspended.Str("message"));
        await (await admin.PostAsync($"licenses/{license.Str("id")}/reinstate", null, Ct)).DataAsync();

        app.Time.Advance(TimeSpan.FromDays(2));
        var lapsed = await (await ActivateAsync(admin, license.Str("key"), "fp-new")).ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Contains("renew", lapsed.Str("message"));

        await (await admin.DeleteAsync($"licenses/{license.Str("id")}", Ct)).DataAsync();
        await (await admin.GetAsync($"machines/{machine.Str("id")}", Ct)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task ALicenseSuspendedWhileItsActivationWaitsForTheWriterTakesNoMachine()
    {
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { duration = "P30D", max_machines = 2 });

        // The activation found the license usable and waits for the writer; meanwhile the vendor suspends it.
        var refused = await (await ActivateWhileTheWriterWaitsAsync(admin, license.Str("key"), "fp-late",
            async () => await (await admin.PostAsync($"licenses/{license.Str("id")}/suspend", null, Ct)).DataAsync())).ErrorAsync(HttpStatusCode.BadRequest, "bad_request");

        // The seat's conditional write sees the suspension: no seat, no machine, and the reason.
        Assert.Contains("suspended", refused.Str("message"));
        Assert.Equal(0, (await GetAsync(admin, $"licenses/{license.Str("id")}")).GetProperty("machines_count").GetInt32());
        Assert.Equal(0, (await GetAsync(admin, $"machines?license_id={license.Str("id")}")).GetArrayLength());
    }

    [Fact]
    public async Task ALimitLoweredWhileAnActivationWaitsForTheWriterHolds()
    {
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { duration = "P30D", max_machines = 2 });
        await (await ActivateAsync(admin, license.Str("key"), "fp-first")).DataAsync(HttpStatusCode.Created);

        // The activation read a limit of 2 with one seat taken; meanwhile the vendor lowers the license's limit to 1.
        var refused = await (await ActivateWhileTheWriterWaitsAsync(admin, license.Str("key"), "fp-second",
            async () => await (await admin.PatchJsonAsync($"licenses/{license.Str("id")}", new { max_machines = 1 })).DataAsync()))
            .ErrorAsync(HttpStatusCode.UnprocessableEntity, "machine_limit_exceeded");

        Assert.Contains("1 machine", refused.Str("message"));
        Assert.Equal(1, (await GetAsync(admin, $"licenses/{license.Str("id")}")).GetProperty("machines_count").GetInt32());
        Assert.Equal(1, (await GetAsync(admin, $"machines?license_id={license.Str("id")}")).GetArrayLength());
    }

    /// <summary>
    /// Activates with the group-commit writer held: the request reads and checks, queues its write, and waits; then
    /// <paramref name="meanwhile"/> runs, and the writer is released.
    /// </summary>
    private async Task<HttpResponseMessage> ActivateWhileTheWriterWaitsAsync(HttpClient client, string key, string fingerprint, Func<Task> meanwhile)
    {
        var writes = app.Services.GetRequiredService<GroupCommit>();
        await using var scope = app.Services.CreateAsyncScope();
        var held = await HeldWriter.HoldAsync(writes, scope.ServiceProvider.GetRequiredService<LicenzDbContext>());
        try
        {
            var activation = ActivateAsync(client, key, fingerprint);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (writes.Waiting == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10, Ct);
            }

            Assert.Equal(1L, writes.Waiting);
            await meanwhile();
            held.Release();
            return await activation;
        }
        finally
        {
            held.Release();
            await held.Done;
        }
    }

    [Fact]
    public async Task ReadOnlyKeysLookButCannotActForALicenseHolder()
    {
        using var admin = app.CreateAdminClient();
        using var reader = app.CreateClient(await ApiKeyAsync(admin, "read_only"));
        using var application = app.CreateClient(await ApiKeyAsync(admin, "verify_only"));
        var license = await LicenseAsync(admin, new { duration = "P30D", max_machines = 5 });

        await (await ActivateAsync(reader, license.Str("key"), "fp-r")).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(JsonValueKind.Array, (await GetAsync(reader, "machines")).ValueKind);
        await (await application.GetAsync("machines", Ct)).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        var machine = await (await ActivateAsync(application, license.Str("key"), "fp-r")).DataAsync(HttpStatusCode.Created);
        await (await application.DeleteAsync($"machines/{machine.Str("id")}", Ct)).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await reader.DeleteAsync($"machines/{machine.Str("id")}", Ct)).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    public static TheoryData<string, string> BadActivations => new()
    {
        { $$"""{"fingerprint": "{{new string('f', 10_240)}}"}""", "fingerprint" },
        { """{"fingerprint": ""}""", "fingerprint" },
        { """{"fingerprint": "fp", "components": {"board": 42}}""", "components" },
        { """{"fingerprint": "fp", "components": ["board"]}""", "components" },
        { """{"fingerprint": "fp", "components": "board"}""", "components" },
        { $$$"""{"fingerprint": "fp", "components": {"disk": "{{{new string('d', 300)}}}"}}""", "components" },
    };

    [Theory]
    [MemberData(nameof(BadActivations))]
    public async Task BadActivationsAreRefusedNamingTheFieldAndWriteNothing(string body, string field)
    {
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { duration = "P30D", max_machines = 5 });
        var json = body.Insert(1, $"\"key\": \"{license.Str("key")}\", ");
        var before = await app.SnapshotDatabaseAsync();

        var error = await (await admin.PostRawAsync("machines", json)).ErrorAsync(HttpStatusCode.BadRequest, "bad_request");

        Assert.Equal(field, error.Str("field"));
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Fact]
    public async Task AKeyThatIsNoKeyNamesTheFieldAndAnUnknownKeyIsNotFound()
    {
        using var admin = app.CreateAdminClient();
        var malformed = await (await ActivateAsync(admin, "not a key", "fp")).ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("key", malformed.Str("field"));
        await (await ActivateAsync(admin, Licenz.LicenseKeyGenerator.Generate(), "fp")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task AnotherAccountsKeyActivatesNothingOnThisAccountsLicense()
    {
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { duration = "P30D", max_machines = 2 });
        var (_, otherAdminKey) = await app.CreateAccountAsync($"Machines other {Guid.NewGuid():N}");
        using var otherAdmin = app.CreateClient(otherAdminKey);
        using var otherApplication = app.CreateClient(await ApiKeyAsync(otherAdmin, "verify_only"));

        // The key is real, but not this caller's account's: not found, the same answer as an unknown key, and no seat.
        await (await ActivateAsync(otherApplication, license.Str("key"), "fp-elsewhere")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await ActivateAsync(otherAdmin, license.Str("key"), "fp-elsewhere")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(0, (await GetAsync(admin, $"licenses/{license.Str("id")}")).GetProperty("machines_count").GetInt32());
        Assert.Equal(0, (await GetAsync(admin, $"machines?license_id={license.Str("id")}")).GetArrayLength());
    }
}

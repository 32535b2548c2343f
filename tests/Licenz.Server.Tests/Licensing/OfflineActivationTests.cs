using System.Buffers.Text;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Licenz.Server.Tests.Infrastructure;
using Licenz.Server.Tests.Signing;
using static Licenz.Server.Tests.Licensing.Licensing;

namespace Licenz.Server.Tests.Licensing;

/// <summary>
/// Air-gapped machines: an activation request made offline activates within the license's limit and answers a bound
/// license file; a proof that the file was removed frees the seat, once, and only the seat of its machine.
/// </summary>
public sealed class OfflineActivationTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Request(string key, string fingerprint, IReadOnlyDictionary<string, string>? components = null) =>
        OfflineActivationRequest.Create(key, fingerprint, new MachineActivationOptions { Components = components, Name = "Lab PC" }).ToString();

    private static Task<HttpResponseMessage> ActivateOfflineAsync(HttpClient client, string request, object? extra = null) =>
        client.PostJsonAsync("machines/offline-activations", Merge(new { request }, extra));

    private static Task<HttpResponseMessage> DeactivateOfflineAsync(HttpClient client, string proof) =>
        client.PostJsonAsync("machines/offline-deactivations", new { proof });

    /// <summary>The file an offline activation answered, checked as the offline machine checks it.</summary>
    private async Task<LicenseFileClaims> InstalledAsync(JsonElement activation, string key, string fingerprint)
    {
        var result = Fixtures.VerifyOffline(app, activation.GetProperty("license_file").Str("license_file"), await Fixtures.JwksAsync(app), key, fingerprint);
        Assert.True(result.IsValid, result.Message);
        return result.Claims!;
    }

    [Fact]
    public async Task ARequestActivatesTheMachineWithinTheLimitAndAnswersAFileBoundToIt()
    {
        using var admin = app.CreateAdminClient();
        using var application = app.CreateClient(await ApiKeyAsync(admin, "verify_only"));
        var license = await LicenseAsync(admin, new { duration = "P30D", max_machines = 1 });
        var key = license.Str("key");

        var activation = await (await ActivateOfflineAsync(application, Request(key, "fp-lab", new Dictionary<string, string> { ["cpu"] = "c1" }), new { ttl = 86_400 }))
            .DataAsync(HttpStatusCode.Created);

        var machine = activation.GetProperty("machine");
        Assert.Equal("fp-lab", machine.Str("fingerprint"));
        Assert.Equal("Lab PC", machine.Str("name"));
        Assert.Equal("c1", machine.GetProperty("components").Str("cpu"));
        var file = activation.GetProperty("license_file");
        Assert.True(file.GetProperty("encrypted").GetBoolean());
        Assert.Equal(machine.Str("id"), file.Str("machine_id"));
        Assert.Equal(Iso(app.Time.GetUtcNow().AddDays(1)), file.Str("expires_at"));
        var claims = await InstalledAsync(activation, key, "fp-lab");
        Assert.Equal(machine.Str("id"), claims.License.MachineId);
        Assert.Equal(1, (await GetAsync(admin, $"licenses/{license.Str("id")}")).GetProperty("machines_count").GetInt32());

        // The same machine again (a request carried twice, say) is the same machine, with a file of its own.
        var again = await (await ActivateOfflineAsync(application, Request(key, "fp-lab"))).DataAsync(HttpStatusCode.OK);
        Assert.Equal(machine.Str("id"), again.GetProperty("machine").Str("id"));
        Assert.NotEqual(claims.FileId, (await InstalledAsync(again, key, "fp-lab")).FileId);
        Assert.Equal(["machine.activated", "machine.license_file.issued"], await EventTypesAsync(admin, machine.Str("id")));

        // Another machine finds no seat: the limit's error, and nothing written.
        var before = await app.SnapshotDatabaseAsync();
        var refused = await (await ActivateOfflineAsync(application, Request(key, "fp-second-lab"))).ErrorAsync(HttpStatusCode.UnprocessableEntity, "machine_limit_exceeded");
        Assert.Contains("POST /machines/offline-deactivations", refused.Str("message"));
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Fact]
    public async Task ParallelOfflineActivationsOfDistinctMachinesSucceedExactlyAsManyTimesAsTheLimit()
    {
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { duration = "P30D", max_machines = 3 });
        var requests = Enumerable.Range(0, 12).Select(i => Request(license.Str("key"), $"offline-parallel-{i}")).ToList();
        using var gate = new SemaphoreSlim(0);

        var attempts = requests.Select(async request =>
        {
            using var client = app.CreateAdminClient();
            await gate.WaitAsync(Ct);
            return await ActivateOfflineAsync(client, request);
        }).ToList();
        gate.Release(attempts.Count);
        var responses = await Task.WhenAll(attempts);

        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode));
        Assert.Equal(3, (await GetAsync(admin, $"licenses/{license.Str("id")}")).GetProperty("machines_count").GetInt32());
        Assert.Equal(3, (await GetAsync(admin, $"machines?license_id={license.Str("id")}&limit=100")).GetArrayLength());
    }

    [Fact]
    public async Task AProofOfRemovalFreesTheSeatOnceAndOnlyForTheActivationItsFileWasIssuedTo()
    {
        using var admin = app.CreateAdminClient();
        using var application = app.CreateClient(await ApiKeyAsync(admin, "verify_only"));
        var license = await LicenseAsync(admin, new { duration = "P30D", max_machines = 2 });
        var key = license.Str("key");
        var first = await (await ActivateOfflineAsync(application, Request(key, "fp-first"))).DataAsync(HttpStatusCode.Created);
        var second = await (await ActivateOfflineAsync(application, Request(key, "fp-second"))).DataAsync(HttpStatusCode.Created);
        var firstFile = await InstalledAsync(first, key, "fp-first");
        var secondFile = await InstalledAsync(second, key, "fp-second");
        var proof = OfflineDeactivationProof.Create(firstFile, key).ToString();
        var before = await app.SnapshotDatabaseAsync();

        // Sealed with the license key, but naming the other machine's file: it proves nothing about this machine.
        var crossed = OfflineDeactivationProof.Create(firstFile with { FileId = secondFile.FileId }, key).ToString();
        var crossedError = await (await DeactivateOfflineAsync(application, crossed)).ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("proof", crossedError.Str("field"));
        Assert.Contains("not issued to machine", crossedError.Str("message"));

        Assert.Equal(before, await app.SnapshotDatabaseAsync());

        var released = await (await DeactivateOfflineAsync(application, proof)).DataAsync();
        Assert.Equal(first.GetProperty("machine").Str("id"), released.Str("id"));
        Assert.Equal(1, (await GetAsync(admin, $"licenses/{license.Str("id")}")).GetProperty("machines_count").GetInt32());
        Assert.Equal(["machine.activated", "machine.deactivated"], await EventTypesAsync(admin, released.Str("id")));

        // Used once: again, it frees nothing; nor once the same machine is activated anew.
        var afterUse = await app.SnapshotDatabaseAsync();
        var replayed = await (await DeactivateOfflineAsync(application, proof)).ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("proof", replayed.Str("field"));
        Assert.Contains("used already", replayed.Str("message"));
        Assert.Equal(afterUse, await app.SnapshotDatabaseAsync());

        await (await ActivateOfflineAsync(application, Request(key, "fp-first"))).DataAsync(HttpStatusCode.Created);
        var afterReactivation = await app.SnapshotDatabaseAsync();
        var stale = await (await DeactivateOfflineAsync(application, proof)).ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Contains("earlier activation", stale.Str("message"));
        Assert.Equal(afterReactivation, await app.SnapshotDatabaseAsync());
        Assert.Equal(2, (await GetAsync(admin, $"licenses/{license.Str("id")}")).GetProperty("machines_count").GetInt32());
    }

    [Fact]
    public async Task OnlyTheLicenseKeysHolderCanMakeAProofThatHolds()
    {
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { duration = "P30D", max_machines = 2 });
        var key = license.Str("key");
        var claims = await InstalledAsync(await (await ActivateOfflineAsync(admin, Request(key, "fp-sealed"))).DataAsync(HttpStatusCode.Created), key, "fp-sealed");
        var otherLicense = await LicenseAsync(admin, new { duration = "P30D" });
        var before = await app.SnapshotDatabaseAsync();

        // The same claims sealed with another key, as a forger who read the file but never had the key would have to.
        var forged = OfflineDeactivationProof.Create(claims with { License = claims.License with { Key = otherLicense.Str("key") } }, otherLicense.Str("key"));
        var error = await (await DeactivateOfflineAsync(admin, forged.ToString())).ErrorAsync(HttpStatusCode.BadRequest, "bad_request");

        Assert.Equal("proof", error.Str("field"));
        Assert.Contains("not made with license", error.Str("message"));
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Fact]
    public async Task OfflineDeactivationsCountAgainstTheTransferAllowance()
    {
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { duration = "P30D", max_machines = 1, transfers_per_30_days = 0 });
        var key = license.Str("key");
        var activation = await (await ActivateOfflineAsync(admin, Request(key, "fp-kept"))).DataAsync(HttpStatusCode.Created);
        var proof = OfflineDeactivationProof.Create(await InstalledAsync(activation, key, "fp-kept"), key).ToString();
        var before = await app.SnapshotDatabaseAsync();

        await (await DeactivateOfflineAsync(admin, proof)).ErrorAsync(HttpStatusCode.UnprocessableEntity, "transfer_limit_exceeded");

        Assert.Equal(before, await app.SnapshotDatabaseAsync());
        await (await admin.DeleteAsync($"machines/{activation.GetProperty("machine").Str("id")}", Ct)).DataAsync();
    }

    [Fact]
    public async Task UnderMostComponentsARequestFromAReinstalledMachineRebindsIt()
    {
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { duration = "P30D", max_machines = 1, fingerprint_matching = "most_components" });
        var key = license.Str("key");
        var parts = new Dictionary<string, string> { ["board"] = "B", ["cpu"] = "C", ["disk"] = "D1" };
        var before = await (await ActivateOfflineAsync(admin, Request(key, "fp-before", parts))).DataAsync(HttpStatusCode.Created);
        var oldProof = OfflineDeactivationProof.Create(await InstalledAsync(before, key, "fp-before"), key).ToString();

        var after = await (await ActivateOfflineAsync(admin, Request(key, "fp-after", new Dictionary<string, string>(parts) { ["disk"] = "D2" }))).DataAsync(HttpStatusCode.OK);

        Assert.Equal(before.GetProperty("machine").Str("id"), after.GetProperty("machine").Str("id"));
        Assert.Equal("fp-after", (await InstalledAsync(after, key, "fp-after")).License.Fingerprint);
        // The file issued before the rebind is the old fingerprint's: its proof frees nothing now.
        await (await DeactivateOfflineAsync(admin, oldProof)).ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal(1, (await GetAsync(admin, $"licenses/{license.Str("id")}")).GetProperty("machines_count").GetInt32());
    }

    [Fact]
    public async Task ReadOnlyKeysCannotActForAnOfflineMachineAndAnotherAccountFindsNoLicense()
    {
        using var admin = app.CreateAdminClient();
        using var reader = app.CreateClient(await ApiKeyAsync(admin, "read_only"));
        var license = await LicenseAsync(admin, new { duration = "P30D" });
        var (_, otherKey) = await app.CreateAccountAsync($"Offline other {Guid.NewGuid():N}");
        using var other = app.CreateClient(otherKey);
        var before = await app.SnapshotDatabaseAsync();

        await (await ActivateOfflineAsync(reader, Request(license.Str("key"), "fp-r"))).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await ActivateOfflineAsync(other, Request(license.Str("key"), "fp-r"))).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    public static TheoryData<string, string> BadRequests => new()
    {
        { "not a request", "hello" },
        { "a proof, not a request", "{proof}" },
        { "the prefix and nothing", "LZACT-." },
        { "not base64url", "LZACT-not*base64.AAAA" },
        { "its contents altered", "{altered}" },
        { "its seal altered", "{resealed}" },
        { "a machine the API refuses", "{huge-fingerprint}" },
        { "a license key unknown here", "{unknown-key}" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task ARequestThatDoesNotHoldIsRefusedNamingTheFieldAndChangesNothing(string what, string request)
    {
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { duration = "P30D", max_machines = 5 });
        var key = license.Str("key");
        var valid = Request(key, "fp-bad-input");
        request = request switch
        {
            "{proof}" => "LZDEACT-" + valid["LZACT-".Length..],
            "{altered}" => Altered(valid, "fp-bad-input", "fp-someone-else"),
            "{resealed}" => valid[..^2] + (valid[^2] == 'A' ? "B" : "A") + valid[^1],
            "{huge-fingerprint}" => Request(key, new string('f', 10_240)),
            "{unknown-key}" => Request(Licenz.LicenseKeyGenerator.Generate(), "fp-bad-input"),
            _ => request,
        };
        var before = await app.SnapshotDatabaseAsync();

        var response = await ActivateOfflineAsync(admin, request);

        if (what == "a license key unknown here")
        {
            await response.ErrorAsync(HttpStatusCode.NotFound, "not_found");
        }
        else
        {
            var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
            Assert.Equal("request", error.Str("field"));
            Assert.Contains(what switch
            {
                "its contents altered" or "its seal altered" => "altered",
                "a machine the API refuses" => "at most 256 characters",
                _ => "request",
            }, error.Str("message"));
        }

        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Theory]
    [InlineData("not a proof")]
    [InlineData("LZDEACT-e30.AAAA")]
    [InlineData("{request}")]
    [InlineData("{altered}")]
    public async Task AProofThatDoesNotHoldIsRefusedNamingTheFieldAndChangesNothing(string proof)
    {
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { duration = "P30D", max_machines = 5 });
        var key = license.Str("key");
        var claims = await InstalledAsync(await (await ActivateOfflineAsync(admin, Request(key, "fp-proof"))).DataAsync(HttpStatusCode.Created), key, "fp-proof");
        var valid = OfflineDeactivationProof.Create(claims, key).ToString();
        proof = proof switch
        {
            "{request}" => Request(key, "fp-proof"),
            "{altered}" => Altered(valid, "fp-proof", "fp-other"),
            _ => proof,
        };
        var before = await app.SnapshotDatabaseAsync();

        var error = await (await DeactivateOfflineAsync(admin, proof)).ErrorAsync(HttpStatusCode.BadRequest, "bad_request");

        Assert.Equal("proof", error.Str("field"));
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
        await (await DeactivateOfflineAsync(admin, valid)).DataAsync();
    }

    /// <summary>The sealed text with one value of its payload changed and its seal left as it was.</summary>
    private static string Altered(string sealedText, string from, string to)
    {
        var dash = sealedText.IndexOf('-') + 1;
        var dot = sealedText.LastIndexOf('.');
        var payload = JsonNode.Parse(Base64Url.DecodeFromChars(sealedText.AsSpan(dash, dot - dash)))!.AsObject();
        payload["fingerprint"] = payload["fingerprint"]!.GetValue<string>() == from ? to : throw new InvalidOperationException("Not the fingerprint expected.");
        return sealedText[..dash] + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString())) + sealedText[dot..];
    }
}

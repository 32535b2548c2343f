using System.Text.Json;
using Licenz.Sdk.Tests.Infrastructure;

namespace Licenz.Sdk.Tests.Client;

/// <summary>
/// An air-gapped machine, end to end: the SDK makes the activation request with no network, the server activates the
/// machine within the license's limit, the SDK installs and verifies the file it answered offline, then removes it and
/// makes the proof that frees the seat, which the server accepts once.
/// </summary>
public sealed class OfflineActivationRoundTripTests(LicenzApplication app) : IClassFixture<LicenzApplication>, IDisposable
{
    private static readonly string LabMachine = MachineFingerprint.FromIdentifier("air-gapped-lab-machine", "app");
    private static readonly Dictionary<string, string> LabParts = new() { ["board"] = "b-17", ["cpu"] = "c-3", ["disk"] = "d-8" };
    private readonly string _storage = Path.Combine(Path.GetTempPath(), "licenz-offline-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_storage))
        {
            Directory.Delete(_storage, recursive: true);
        }
    }

    /// <summary>A license of a new product under a policy of the given settings, made with the admin key.</summary>
    private async Task<LicenseInfo> LicenseAsync(LicenzClient admin, object policy)
    {
        var product = await admin.Products.CreateAsync(new ProductCreateOptions { Name = "Offline " + Guid.NewGuid().ToString("N")[..6] });
        using var http = app.CreateAdminHttpClient();
        var body = JsonSerializer.SerializeToNode(policy)!.AsObject();
        body["product_id"] = product.Id;
        body["name"] = "Air-gapped";
        var created = await http.PostDataAsync("policies", body);
        var license = await http.PostDataAsync("licenses", new { product_id = product.Id, policy_id = created.GetProperty("id").GetString(), email = "lab@example.com" });
        return await admin.Licenses.GetAsync(license.GetProperty("id").GetString()!);
    }

    /// <summary>The checker of the application on the air-gapped machine: its client reaches nothing.</summary>
    private LicenseChecker AirGapped(LicenzClient unreachable, LicenseInfo license, PublicKeySet keys) => new(unreachable, new LicenseCheckerOptions
    {
        LicenseKey = license.Key,
        ProductId = license.ProductId,
        Keys = keys,
        StorageDirectory = _storage,
        Fingerprint = LabMachine,
        Components = LabParts,
        TrustedClock = TrustedClock.InMemory(),
        Time = app.Time,
    });

    private LicenzClient Unreachable(string apiKey) => app.CreateClient(apiKey, o => o.BaseUrl = new Uri("https://127.0.0.1:9/api/v1"));

    [Fact]
    public async Task AnAirGappedMachineIsActivatedRunsOfflineAndFreesItsSeatByProof()
    {
        using var admin = app.CreateClient();
        var license = await LicenseAsync(admin, new { duration = "P365D", max_machines = 1 });
        var keys = await admin.SigningKeys.GetJwksAsync();
        var shipped = await admin.ApiKeys.CreateAsync(new ApiKeyCreateOptions { Type = ApiKeyTypeNames.VerifyOnly, Name = "Lab app" });
        using var unreachable = Unreachable(shipped.Key);
        using var online = app.CreateClient(shipped.Key);
        var checker = AirGapped(unreachable, license, keys);

        // On the air-gapped machine: the request, as a line to copy and as a file to carry.
        var request = checker.CreateOfflineActivationRequest(new MachineActivationOptions { Name = "Lab 1" });
        Directory.CreateDirectory(_storage);
        var carried = Path.Combine(_storage, "activation-request.txt");
        request.WriteToFile(carried);
        Assert.StartsWith(OfflineActivationRequest.Prefix, request.ToString(), StringComparison.Ordinal);
        Assert.Equal(request.ToString(), OfflineActivationRequest.ReadFile(carried).ToString());

        // On a machine with a network: the server activates it and answers its file.
        var activation = await online.Machines.ActivateOfflineAsync(OfflineActivationRequest.ReadFile(carried));
        Assert.Equal(LabMachine, activation.Machine.Fingerprint);
        Assert.Equal("Lab 1", activation.Machine.Name);
        Assert.Equal(LabParts, activation.Machine.Components);
        Assert.Equal(activation.Machine.Id, activation.LicenseFile.MachineId);
        Assert.Equal(1, (await admin.Licenses.GetAsync(license.Id)).MachinesCount);

        // Back on the air-gapped machine: installed, and verified with no network.
        var installed = checker.InstallLicenseFile(activation.LicenseFile.LicenseFile);
        Assert.True(installed.IsValid, installed.Message);
        Assert.Equal(activation.Machine.Id, installed.Claims!.License.MachineId);
        var offline = await checker.CheckAsync();
        Assert.True(offline.IsValid, offline.Message);
        Assert.Equal(LicenseCheckSource.LicenseFile, offline.Source);
        Assert.Equal(LicenzErrorCodes.NetworkError, offline.OnlineFailure?.Code);

        // The seat is taken: another machine's request is refused.
        var refused = await Assert.ThrowsAsync<LicenzException>(() =>
            online.Machines.ActivateOfflineAsync(OfflineActivationRequest.Create(license.Key, MachineFingerprint.FromIdentifier("second-lab-machine", "app"))));
        Assert.Equal(LicenzErrorCodes.MachineLimitExceeded, refused.Code);

        // The air-gapped machine gives its seat back: the file goes, a proof comes.
        var proof = checker.DeactivateOffline();
        Assert.False(File.Exists(checker.LicenseFilePath));
        Assert.False(checker.CheckOffline().IsValid);
        Assert.Equal(proof.ToString(), OfflineDeactivationProof.ReadFile(checker.DeactivationProofPath).ToString());
        Assert.Equal((license.Id, installed.Claims.FileId, LabMachine), (proof.LicenseId, proof.FileId, proof.Fingerprint));
        Assert.True(proof.IsSealedWith(license.Key));

        // The server frees the seat on the proof, once.
        var released = await online.Machines.DeactivateOfflineAsync(proof);
        Assert.Equal(activation.Machine.Id, released.Id);
        Assert.Equal(0, (await admin.Licenses.GetAsync(license.Id)).MachinesCount);
        var replayed = await Assert.ThrowsAsync<LicenzException>(() => online.Machines.DeactivateOfflineAsync(proof.ToString()));
        Assert.Equal(LicenzErrorCodes.BadRequest, replayed.Code);
        Assert.Equal("proof", replayed.Field);
        await online.Machines.ActivateOfflineAsync(OfflineActivationRequest.Create(license.Key, MachineFingerprint.FromIdentifier("second-lab-machine", "app")));
    }

    [Fact]
    public async Task AnAirGappedMachineWhoseDiskWasReplacedStillVerifiesByItsComponents()
    {
        using var admin = app.CreateClient();
        var license = await LicenseAsync(admin, new { duration = "P365D", max_machines = 1, fingerprint_matching = "most_components" });
        var keys = await admin.SigningKeys.GetJwksAsync();
        using var unreachable = Unreachable(app.AdminKey);
        var activation = await admin.Machines.ActivateOfflineAsync(AirGapped(unreachable, license, keys).CreateOfflineActivationRequest());
        Assert.True(AirGapped(unreachable, license, keys).InstallLicenseFile(activation.LicenseFile.LicenseFile).IsValid);

        // The same machine after a new disk and a reinstall: another fingerprint, the same board and CPU.
        var changed = new LicenseChecker(unreachable, new LicenseCheckerOptions
        {
            LicenseKey = license.Key,
            Keys = keys,
            StorageDirectory = _storage,
            Fingerprint = MachineFingerprint.FromIdentifier("air-gapped-lab-machine, reinstalled", "app"),
            Components = new Dictionary<string, string>(LabParts) { ["disk"] = "d-9" },
            TrustedClock = TrustedClock.InMemory(),
            Time = app.Time,
        });
        var result = changed.CheckOffline();

        Assert.True(result.IsValid, result.Message);
        Assert.True(result.LicenseFile!.MatchedByComponents);
    }

    [Fact]
    public async Task ARequestDamagedOnItsWayIsRefusedNamingTheFieldAndActivatesNothing()
    {
        using var admin = app.CreateClient();
        var license = await LicenseAsync(admin, new { duration = "P365D", max_machines = 1 });
        var keys = await admin.SigningKeys.GetJwksAsync();
        using var unreachable = Unreachable(app.AdminKey);
        var request = AirGapped(unreachable, license, keys).CreateOfflineActivationRequest().ToString();
        var damaged = request[..20] + (request[20] == 'x' ? 'y' : 'x') + request[21..];

        var refused = await Assert.ThrowsAsync<LicenzException>(() => admin.Machines.ActivateOfflineAsync(damaged));

        Assert.Equal(LicenzErrorCodes.BadRequest, refused.Code);
        Assert.Equal("request", refused.Field);
        Assert.Equal(0, (await admin.Licenses.GetAsync(license.Id)).MachinesCount);
        Assert.False(OfflineActivationRequest.TryParse(damaged, out _, out var problem));
        Assert.NotEmpty(problem);
    }
}

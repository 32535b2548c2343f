using Licenz.Sdk.Tests.Infrastructure;

namespace Licenz.Sdk.Tests.Client;

/// <summary>
/// The checker under the licensing model: it activates its machine (within the license's limit) before it keeps a file
/// bound to it, requires the entitlements the application needs, and honours the policy's grace online and offline.
/// </summary>
public sealed class LicenseCheckerLicensingTests(LicenzApplication app) : IClassFixture<LicenzApplication>, IDisposable
{
    private static readonly string ThisMachine = MachineFingerprint.FromIdentifier("checker-machine", "app");
    private readonly string _storage = Path.Combine(Path.GetTempPath(), "licenz-checker-model-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_storage))
        {
            Directory.Delete(_storage, recursive: true);
        }
    }

    private Task<(LicenseInfo License, PublicKeySet Keys, string VerifyKey)> LicenseAsync(object policy, string[]? entitlements = null) =>
        app.LicenseUnderPolicyAsync(policy, entitlements);

    private LicenseChecker Checker(LicenzClient client, LicenseInfo license, PublicKeySet keys, string[]? required = null, bool activate = true) => new(client, new LicenseCheckerOptions
    {
        LicenseKey = license.Key,
        ProductId = license.ProductId,
        Keys = keys,
        StorageDirectory = _storage,
        Fingerprint = ThisMachine,
        RequiredEntitlements = required,
        ActivateMachine = activate,
        TrustedClock = TrustedClock.InMemory(),
        Time = app.Time,
    });

    private LicenzClient Offline(string apiKey, PublicKeySet keys) =>
        app.CreateClient(apiKey, o =>
        {
            o.BaseUrl = new Uri("https://127.0.0.1:9/api/v1");
            o.VerificationKeys = keys;
        });

    [Fact]
    public async Task OnlineTheCheckerActivatesItsMachineOnceAndKeepsAFileBoundToIt()
    {
        var (license, keys, verifyKey) = await LicenseAsync(new { duration = "P365D", max_machines = 2 });
        using var client = app.CreateClient(verifyKey, o => o.VerificationKeys = keys);

        var first = await Checker(client, license, keys).CheckAsync();
        var second = await Checker(client, license, keys).CheckAsync();

        Assert.True(first.IsValid, first.Message);
        Assert.True(second.IsValid, second.Message);
        Assert.NotNull(first.Verification!.MachineId);
        Assert.Equal(first.Verification.MachineId, second.Verification!.MachineId);
        using var admin = app.CreateClient();
        Assert.Equal(1, (await admin.Licenses.GetAsync(license.Id)).MachinesCount);
        var saved = Checker(client, license, keys).CheckOffline();
        Assert.True(saved.IsValid, saved.Message);
        Assert.Equal(first.Verification.MachineId, saved.LicenseFile!.Claims!.License.MachineId);
    }

    [Fact]
    public async Task WithoutASeatOrWithoutActivatingTheMachineIsRefusedAndNothingSavedSpeaksForIt()
    {
        var (license, keys, verifyKey) = await LicenseAsync(new { duration = "P365D", max_machines = 1 });
        using var client = app.CreateClient(verifyKey, o => o.VerificationKeys = keys);

        var notActivating = await Checker(client, license, keys, activate: false).CheckAsync();
        Assert.False(notActivating.IsValid);
        Assert.Equal(VerificationResultCodes.NoMachine, notActivating.Code);

        await client.Machines.ActivateAsync(license.Key, MachineFingerprint.FromIdentifier("the-other-machine", "app"));
        var full = await Checker(client, license, keys).CheckAsync();

        Assert.False(full.IsValid);
        Assert.Equal(LicenseCheckSource.Online, full.Source);
        Assert.Equal(VerificationResultCodes.FingerprintScopeMismatch, full.Code);
        Assert.Contains("its limit", full.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Checker(client, license, keys).LicenseFilePath));
        using var admin = app.CreateClient();
        Assert.Equal(1, (await admin.Licenses.GetAsync(license.Id)).MachinesCount);
    }

    [Fact]
    public async Task TheEntitlementsTheApplicationRequiresAreCheckedOnlineAndOffline()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var (license, keys, verifyKey) = await LicenseAsync(new { duration = "P365D", entitlements = new[] { "pdf-" + suffix } }, ["pdf-" + suffix, "sso-" + suffix]);
        using var client = app.CreateClient(verifyKey, o => o.VerificationKeys = keys);

        var granted = await Checker(client, license, keys, ["pdf-" + suffix]).CheckAsync();
        Assert.True(granted.IsValid, granted.Message);
        Assert.True(granted.HasEntitlement("pdf-" + suffix));
        Assert.False(granted.HasEntitlement("sso-" + suffix));

        using var offline = Offline(verifyKey, keys);
        var fromFile = await Checker(offline, license, keys, ["pdf-" + suffix]).CheckAsync();
        Assert.Equal(LicenseCheckSource.LicenseFile, fromFile.Source);
        Assert.True(fromFile.HasEntitlement("pdf-" + suffix));
        var lackingOffline = Checker(offline, license, keys, ["sso-" + suffix]).CheckOffline();
        Assert.False(lackingOffline.IsValid);
        Assert.Equal(LicenseFileCodes.EntitlementsMissing, lackingOffline.Code);

        var lackingOnline = await Checker(client, license, keys, ["sso-" + suffix]).CheckAsync();
        Assert.False(lackingOnline.IsValid);
        Assert.Equal(VerificationResultCodes.EntitlementsMissing, lackingOnline.Code);
    }

    [Fact]
    public async Task AfterExpiryTheGracePeriodKeepsTheLicenseValidFlaggedOnlineAndOffline()
    {
        var (license, keys, verifyKey) = await LicenseAsync(new { duration = "P1D", grace_period = "P3D" });
        using var client = app.CreateClient(verifyKey, o => o.VerificationKeys = keys);
        using var offline = Offline(verifyKey, keys);
        Assert.True((await Checker(client, license, keys).CheckAsync()).IsValid);
        var graceEnds = license.ExpiresAt!.Value.AddDays(3);

        app.Time.Advance(TimeSpan.FromDays(2));
        var online = await Checker(client, license, keys).CheckAsync();
        var fromFile = Checker(offline, license, keys).CheckOffline();

        Assert.True(online.IsValid, online.Message);
        Assert.True(online.InGrace);
        Assert.Equal(graceEnds, online.GraceEndsAt);
        Assert.True(fromFile.IsValid, fromFile.Message);
        Assert.Equal(LicenseCheckSource.LicenseFile, fromFile.Source);
        Assert.True(fromFile.InGrace);
        Assert.Equal(graceEnds, fromFile.GraceEndsAt);

        app.Time.Advance(TimeSpan.FromDays(2));
        var over = Checker(offline, license, keys).CheckOffline();
        Assert.False(over.IsValid);
        Assert.Equal(LicenseFileCodes.Expired, over.Code);
    }
}

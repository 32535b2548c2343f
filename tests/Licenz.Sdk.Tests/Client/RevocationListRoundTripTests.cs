using Licenz.Sdk.Tests.Infrastructure;

namespace Licenz.Sdk.Tests.Client;

/// <summary>
/// Offline revocation, end to end against the server: two applications on one machine share its trusted-time state;
/// the vendor suspends one license, or deactivates a machine; the next online check of the other application sees a newer
/// revocation list version in its signed answer, fetches the list and keeps it; from then on the suspended license's
/// saved file (and its last signed answer) is refused offline, long before the file's time to live ends.
/// </summary>
public sealed class RevocationListRoundTripTests(LicenzApplication app) : IClassFixture<LicenzApplication>, IDisposable
{
    private static readonly string ThisMachine = MachineFingerprint.FromIdentifier("revocation-machine", "app");
    private readonly string _storage = Path.Combine(Path.GetTempPath(), "licenz-revocation-" + Guid.NewGuid().ToString("N"));

    /// <summary>The machine's trusted-time state, which every application on it shares (as the default store is).</summary>
    private readonly ITrustedClock _machineState = TrustedClock.InMemory();

    public void Dispose()
    {
        if (Directory.Exists(_storage))
        {
            Directory.Delete(_storage, recursive: true);
        }
    }

    private Task<(LicenseInfo License, PublicKeySet Keys, string VerifyKey)> LicenseAsync() =>
        app.LicenseUnderPolicyAsync(new { duration = "P365D", max_machines = 2 });

    /// <summary>An application of <paramref name="license"/> on this machine, with its own folder.</summary>
    private LicenseChecker Application(LicenzClient client, LicenseInfo license, PublicKeySet keys) => new(client, new LicenseCheckerOptions
    {
        LicenseKey = license.Key,
        ProductId = license.ProductId,
        Keys = keys,
        StorageDirectory = Path.Combine(_storage, license.Id),
        Fingerprint = ThisMachine,
        TrustedClock = _machineState,
        Time = app.Time,
    });

    [Fact]
    public async Task ASuspendedLicenseIsRefusedOfflineOnceAnotherCheckFetchedTheNewerListAndAdmittedAgainWhenReinstated()
    {
        var (first, keys, verifyKey) = await LicenseAsync();
        var (second, _, _) = await LicenseAsync();
        using var client = app.CreateClient(verifyKey, o => o.VerificationKeys = keys);
        var one = Application(client, first, keys);
        var two = Application(client, second, keys);
        Assert.True((await one.CheckAsync()).IsValid);
        Assert.True((await two.CheckAsync()).IsValid);
        using var admin = app.CreateClient();

        await admin.Licenses.SuspendAsync(second.Id);
        var unaware = two.CheckOffline();
        var online = await one.CheckAsync();
        var refused = two.CheckOffline();

        Assert.True(unaware.IsValid, "Offline, nothing has told this machine of the suspension yet: its file stands.");
        Assert.True(online.IsValid, online.Message);
        var kept = _machineState.ReadRevocationList(online.Verification!.AccountId!);
        Assert.True(RevocationList.TryVerify(kept, keys, out var list, out var problem), problem);
        Assert.Equal(online.Verification.RevocationVersion, list.Version);
        Assert.Equal("suspended", list.Licenses[second.Id]);
        Assert.Equal((false, LicenseFileCodes.Suspended, LicenseCheckSource.None), (refused.IsValid, refused.Code, refused.Source));
        Assert.True(refused.LicenseFile!.Claims!.ExpiresAt > app.Time.GetUtcNow().AddDays(20), "Refused long before the file's time to live ends.");

        await admin.Licenses.ReinstateAsync(second.Id);
        Assert.True((await one.CheckAsync()).IsValid);
        var readmitted = two.CheckOffline();
        Assert.True(readmitted.IsValid, readmitted.Message);
        Assert.Equal(list.Version + 1, readmitted.LicenseFile!.RevocationListVersion);
    }

    [Fact]
    public async Task ADeactivatedMachinesFileIsRefusedOfflineAndItsLastSignedAnswerDoesNotStandIn()
    {
        var (first, keys, verifyKey) = await LicenseAsync();
        var (second, _, _) = await LicenseAsync();
        using var client = app.CreateClient(verifyKey, o => o.VerificationKeys = keys);
        var one = Application(client, first, keys);
        var activated = await one.CheckAsync();
        Assert.True((await Application(client, second, keys).CheckAsync()).IsValid);
        using var http = app.CreateAdminHttpClient();

        // The support desk frees the seat of this machine for the customer's new one.
        using var deleted = await http.DeleteAsync($"machines/{activated.Verification!.MachineId}");
        Assert.True(deleted.IsSuccessStatusCode, await deleted.Content.ReadAsStringAsync());
        Assert.True((await Application(client, second, keys).CheckAsync()).IsValid);
        var refused = one.CheckOffline();

        Assert.Equal((false, LicenseFileCodes.NoMachine, LicenseCheckSource.None), (refused.IsValid, refused.Code, refused.Source));
        Assert.Contains(activated.Verification.MachineId!, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheClientFetchesTheListOfTheAccountItNames()
    {
        var (license, keys, verifyKey) = await LicenseAsync();
        using var client = app.CreateClient(verifyKey, o => o.VerificationKeys = keys);
        var account = (await client.Licenses.VerifyAsync(license.Key)).AccountId!;

        var text = await client.Licenses.GetRevocationListAsync(account);
        var missing = await Assert.ThrowsAsync<LicenzException>(() => client.Licenses.GetRevocationListAsync("acct_nope"));

        Assert.True(RevocationList.TryVerify(text, keys, out var list, out var problem), problem);
        Assert.Equal(account, list.Issuer);
        Assert.Equal(LicenzErrorCodes.NotFound, missing.Code);
    }
}

using Licenz.Sdk.Tests.Infrastructure;

namespace Licenz.Sdk.Tests.Client;

/// <summary>Online when the server answers, the license file when it cannot, the last signed answer within the grace period.</summary>
public sealed class LicenseCheckerTests(LicenzApplication app) : IClassFixture<LicenzApplication>, IDisposable
{
    private readonly string _storage = Path.Combine(Path.GetTempPath(), "licenz-checker-" + Guid.NewGuid().ToString("N"));
    private readonly ITrustedClock _clock = TrustedClock.InMemory();

    public void Dispose()
    {
        if (Directory.Exists(_storage))
        {
            Directory.Delete(_storage, recursive: true);
        }
    }

    private async Task<(LicenseInfo License, string VerifyKey, PublicKeySet Keys)> ActivateAsync(string type = LicenseTypeNames.Subscription)
    {
        using var admin = app.CreateClient();
        var product = await admin.Products.CreateAsync(new ProductCreateOptions { Name = "Checked " + Guid.NewGuid().ToString("N")[..6] });
        var license = await admin.Licenses.CreateAsync(new LicenseCreateOptions { ProductId = product.Id, Email = "holder@example.com", Type = type });
        var verifyKey = await admin.ApiKeys.CreateAsync(new ApiKeyCreateOptions { Type = ApiKeyTypeNames.VerifyOnly, Name = "App" });
        return (license, verifyKey.Key, await admin.SigningKeys.GetJwksAsync());
    }

    private LicenseChecker Checker(LicenzClient client, LicenseInfo license, PublicKeySet keys, TimeSpan? grace = null, TimeProvider? machineClock = null) => new(client, new LicenseCheckerOptions
    {
        LicenseKey = license.Key,
        ProductId = license.ProductId,
        Keys = keys,
        StorageDirectory = _storage,
        Fingerprint = MachineFingerprint.FromIdentifier("test-machine", license.ProductId),
        TrustedClock = _clock,
        Time = machineClock ?? app.Time,
        GracePeriod = grace ?? TimeSpan.FromDays(3),
    });

    /// <summary>A client for a server that is not there (a closed port): every call is a network error.</summary>
    private LicenzClient Offline(string apiKey, PublicKeySet keys) =>
        app.CreateClient(apiKey, o =>
        {
            o.BaseUrl = new Uri("https://127.0.0.1:9/api/v1");
            o.VerificationKeys = keys;
        });

    [Fact]
    public async Task OnlineItVerifiesAndSavesAFreshLicenseFileBoundToTheMachine()
    {
        var (license, verifyKey, keys) = await ActivateAsync();
        using var client = app.CreateClient(verifyKey, o => o.VerificationKeys = keys);
        var checker = Checker(client, license, keys);

        var result = await checker.CheckAsync();

        Assert.True(result.IsValid, result.Message);
        Assert.Equal(LicenseCheckSource.Online, result.Source);
        Assert.Equal(VerificationResultCodes.Valid, result.Code);
        var saved = LicenseFile.Verify(await File.ReadAllTextAsync(checker.LicenseFilePath), keys, new LicenseFileOptions
        {
            Time = app.Time,
            LicenseKey = license.Key,
            Fingerprint = MachineFingerprint.FromIdentifier("test-machine", license.ProductId),
            TrustedClock = TrustedClock.InMemory(),
        });
        Assert.True(saved.IsValid, saved.Message);
        Assert.Equal(MachineFingerprint.FromIdentifier("test-machine", license.ProductId), saved.Claims!.License.Fingerprint);
        Assert.DoesNotContain(license.Key, await File.ReadAllTextAsync(checker.LicenseFilePath), StringComparison.Ordinal);
        Assert.Equal(app.Time.GetUtcNow(), _clock.Read(result.Verification!.AccountId!));
    }

    [Fact]
    public async Task WithoutTheServerTheSavedLicenseFileDecides()
    {
        var (license, verifyKey, keys) = await ActivateAsync();
        using (var online = app.CreateClient(verifyKey, o => o.VerificationKeys = keys))
        {
            Assert.True((await Checker(online, license, keys).CheckAsync()).IsValid);
        }

        app.Time.Advance(TimeSpan.FromDays(10));
        using var offline = Offline(verifyKey, keys);
        var result = await Checker(offline, license, keys).CheckAsync();

        Assert.True(result.IsValid, result.Message);
        Assert.Equal(LicenseCheckSource.LicenseFile, result.Source);
        Assert.Equal(LicenseFileCodes.Valid, result.Code);
        Assert.Equal(LicenzErrorCodes.NetworkError, result.OnlineFailure?.Code);
    }

    [Fact]
    public async Task AnAnswerThatCannotBeTrustedCountsAsNoAnswer()
    {
        var (license, verifyKey, keys) = await ActivateAsync();
        using (var online = app.CreateClient(verifyKey, o => o.VerificationKeys = keys))
        {
            Assert.True((await Checker(online, license, keys).CheckAsync()).IsValid);
        }

        // A man in the middle turns the answer into something else: the signature no longer holds.
        using var tamper = new Interceptor
        {
            OnResponse = async (request, response, _) =>
            {
                if (request.Path != "/api/v1/licenses/verify")
                {
                    return response;
                }

                var captured = await CapturedResponse.CaptureAsync(response);
                var body = (byte[])captured.Body.Clone();
                body[^5] ^= 1;
                return (captured with { Body = body }).ToMessage();
            },
        };
        using var client = app.CreateClient(tamper, verifyKey, o => o.VerificationKeys = keys);

        var result = await Checker(client, license, keys).CheckAsync();

        Assert.Equal(LicenseCheckSource.LicenseFile, result.Source);
        Assert.True(result.IsValid);
        Assert.Equal(LicenzErrorCodes.InvalidResponseSignature, result.OnlineFailure?.Code);
    }

    [Fact]
    public async Task WhenTheFileHasExpiredTheLastSignedAnswerStandsInForTheGracePeriodOnly()
    {
        var (license, verifyKey, keys) = await ActivateAsync();
        using (var online = app.CreateClient(verifyKey, o => o.VerificationKeys = keys))
        {
            var checker = Checker(online, license, keys);
            Assert.True((await checker.CheckAsync()).IsValid);
            File.Delete(checker.LicenseFilePath);
        }

        using var offline = Offline(verifyKey, keys);
        app.Time.Advance(TimeSpan.FromDays(2));
        var withinGrace = await Checker(offline, license, keys).CheckAsync();

        Assert.True(withinGrace.IsValid, withinGrace.Message);
        Assert.Equal(LicenseCheckSource.LastSignedResult, withinGrace.Source);
        Assert.Equal(license.Id, withinGrace.Verification!.License!.Id);

        app.Time.Advance(TimeSpan.FromDays(2));
        var afterGrace = await Checker(offline, license, keys).CheckAsync();

        Assert.False(afterGrace.IsValid);
        Assert.Equal(LicenseCheckSource.None, afterGrace.Source);
    }

    [Fact]
    public async Task AnAlteredSavedAnswerIsWorthNothing()
    {
        var (license, verifyKey, keys) = await ActivateAsync();
        using (var online = app.CreateClient(verifyKey, o => o.VerificationKeys = keys))
        {
            var checker = Checker(online, license, keys);
            Assert.True((await checker.CheckAsync()).IsValid);
            File.Delete(checker.LicenseFilePath);
        }

        var path = Path.Combine(_storage, "last-verification.json");
        var json = await File.ReadAllTextAsync(path);
        Assert.True(SignedResponse.TryFromJson(json, out var signed));
        var forged = signed with { Date = ResponseSignature.HttpDate(app.Time.GetUtcNow().AddDays(30)) };
        await File.WriteAllTextAsync(path, forged.ToJson());

        using var offline = Offline(verifyKey, keys);
        var result = await Checker(offline, license, keys).CheckAsync();

        Assert.False(result.IsValid);
        Assert.Equal(LicenseCheckSource.None, result.Source);
    }

    [Fact]
    public async Task ARevokedLicenseIsRefusedOnlineAndNothingSavedSpeaksForItAfterwards()
    {
        var (license, verifyKey, keys) = await ActivateAsync();
        using var online = app.CreateClient(verifyKey, o => o.VerificationKeys = keys);
        var checker = Checker(online, license, keys);
        Assert.True((await checker.CheckAsync()).IsValid);
        using (var admin = app.CreateClient())
        {
            await admin.Licenses.RevokeAsync(license.Id);
        }

        var revoked = await checker.CheckAsync();
        using var offline = Offline(verifyKey, keys);
        var afterwards = await Checker(offline, license, keys).CheckAsync();

        Assert.False(revoked.IsValid);
        Assert.Equal(LicenseCheckSource.Online, revoked.Source);
        Assert.Equal(VerificationResultCodes.Revoked, revoked.Code);
        Assert.False(File.Exists(checker.LicenseFilePath));
        Assert.False(afterwards.IsValid);
        Assert.Equal(LicenseCheckSource.None, afterwards.Source);
    }

    [Fact]
    public async Task AClockSetBackOfflineIsReported()
    {
        var (license, verifyKey, keys) = await ActivateAsync();
        using (var online = app.CreateClient(verifyKey, o => o.VerificationKeys = keys))
        {
            app.Time.Advance(TimeSpan.FromDays(5));
            Assert.True((await Checker(online, license, keys).CheckAsync()).IsValid);
        }

        // The machine's clock is put back three days; the file (issued on day 5) would otherwise still be in date.
        var setBack = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(app.Time.GetUtcNow().AddDays(-3));
        using var offline = Offline(verifyKey, keys);
        var result = await Checker(offline, license, keys, machineClock: setBack).CheckAsync();

        Assert.False(result.IsValid);
        Assert.Equal(LicenseFileCodes.ClockTampered, result.Code);
        Assert.Equal(LicenseCheckSource.None, result.Source);
    }

    [Fact]
    public async Task BeforeAnyActivationOfflineThereIsNothingToGoOn()
    {
        var (license, verifyKey, keys) = await ActivateAsync();
        using var offline = Offline(verifyKey, keys);

        var result = await Checker(offline, license, keys).CheckAsync();

        Assert.False(result.IsValid);
        Assert.Equal(LicenseCheckSource.None, result.Source);
        Assert.Contains("connect once to activate", result.Message, StringComparison.Ordinal);
    }
}

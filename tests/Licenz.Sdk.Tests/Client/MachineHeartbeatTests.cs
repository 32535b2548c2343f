using Licenz.Sdk.Tests.Infrastructure;

namespace Licenz.Sdk.Tests.Client;

/// <summary>
/// Heartbeats against the real server, whose clock the test drives: the one-off call, and the background helper that
/// paces itself by the server's due time, keeps the machine's seat, and stops when the machine is gone or when disposed.
/// </summary>
public sealed class MachineHeartbeatTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task AHeartbeatMovesTheMachinesDueTime()
    {
        var (client, license, fingerprint) = await ActivatedMachineAsync();
        using var _ = client;
        app.Time.Advance(TimeSpan.FromMinutes(3));

        var machine = await client.Machines.HeartbeatAsync(license.Key, fingerprint);

        Assert.Equal(app.Time.GetUtcNow(), machine.LastHeartbeatAt);
        Assert.Equal(app.Time.GetUtcNow() + HeartbeatInterval, machine.HeartbeatDueAt);
        var gone = await Assert.ThrowsAsync<LicenzException>(() => client.Machines.HeartbeatAsync(license.Key, MachineFingerprint.FromIdentifier("never-activated")));
        Assert.Equal(LicenzErrorCodes.NotFound, gone.Code);
    }

    [Fact]
    public async Task TheBackgroundHeartbeatBeatsHalfwayToEachDueTimeUntilDisposed()
    {
        var (client, license, fingerprint) = await ActivatedMachineAsync();
        using var _ = client;

        var heartbeat = client.Machines.StartHeartbeat(license.Key, fingerprint);
        await WaitUntilAsync(() => heartbeat.Sent == 1, "the first heartbeat, at once");
        Assert.Equal(app.Time.GetUtcNow(), heartbeat.Machine!.LastHeartbeatAt);

        // Not before half the interval: the next one is due halfway, so a lost one leaves time for another. (A moment first
        // for the helper to start its wait on the test's clock.)
        await Task.Delay(200);
        app.Time.Advance(HeartbeatInterval / 2 - TimeSpan.FromSeconds(1));
        await Task.Delay(200);
        Assert.Equal(1, heartbeat.Sent);
        app.Time.Advance(TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => heartbeat.Sent == 2, "the second heartbeat, halfway to the due time");
        Assert.Equal(app.Time.GetUtcNow(), heartbeat.Machine!.LastHeartbeatAt);

        await heartbeat.DisposeAsync();
        Assert.True(heartbeat.Completion.IsCompleted);
        app.Time.Advance(HeartbeatInterval);
        await Task.Delay(200);
        Assert.Equal(2, heartbeat.Sent);
        Assert.Null(heartbeat.Stopped);
    }

    [Fact]
    public async Task TheBackgroundHeartbeatStopsAndSaysWhyWhenTheMachineIsGone()
    {
        var (client, license, fingerprint) = await ActivatedMachineAsync();
        using var _ = client;
        var failures = new List<LicenzException>();
        await client.Machines.DeactivateAsync(license.Key, fingerprint);

        await using var heartbeat = client.Machines.StartHeartbeat(license.Key, fingerprint, new MachineHeartbeatOptions { Failed = failures.Add });
        await heartbeat.Completion.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, heartbeat.Sent);
        Assert.Equal(LicenzErrorCodes.NotFound, heartbeat.Stopped!.Code);
        Assert.Same(heartbeat.Stopped, Assert.Single(failures));
    }

    [Fact]
    public async Task AFailedHeartbeatIsTriedAgainAfterTheRetryDelay()
    {
        var (client, license, fingerprint) = await ActivatedMachineAsync();
        client.Dispose();
        using var unreachable = app.CreateClient(configure: o => o.BaseUrl = new Uri("https://127.0.0.1:9/api/v1"));
        var failures = 0;

        await using var heartbeat = unreachable.Machines.StartHeartbeat(license.Key, fingerprint, new MachineHeartbeatOptions
        {
            RetryAfter = TimeSpan.FromSeconds(20),
            Failed = _ => Interlocked.Increment(ref failures),
        });
        await WaitUntilAsync(() => Volatile.Read(ref failures) == 1, "the first failure");
        Assert.Equal(LicenzErrorCodes.NetworkError, heartbeat.LastFailure!.Code);
        Assert.Null(heartbeat.Stopped);
        await Task.Delay(200);
        app.Time.Advance(TimeSpan.FromSeconds(20));
        await WaitUntilAsync(() => Volatile.Read(ref failures) == 2, "a second try after the retry delay");
    }

    private async Task<(LicenzClient Client, LicenseInfo License, string Fingerprint)> ActivatedMachineAsync()
    {
        using var admin = app.CreateClient();
        var product = await admin.Products.CreateAsync(new ProductCreateOptions { Name = "Heartbeat " + Guid.NewGuid().ToString("N")[..6] });
        using var http = app.CreateAdminHttpClient();
        var policy = await http.PostDataAsync("policies", new
        {
            product_id = product.Id, name = "Floating", floating = true, max_machines = 5, require_heartbeat = true,
            heartbeat_interval = (int)HeartbeatInterval.TotalSeconds,
        });
        var created = await http.PostDataAsync("licenses", new { product_id = product.Id, policy_id = policy.GetProperty("id").GetString(), email = "floating@example.com" });
        var license = await admin.Licenses.GetAsync(created.GetProperty("id").GetString()!);
        var verifyKey = await admin.ApiKeys.CreateAsync(new ApiKeyCreateOptions { Type = ApiKeyTypeNames.VerifyOnly, Name = "App" });
        var client = app.CreateClient(verifyKey.Key);
        var fingerprint = MachineFingerprint.FromIdentifier("heartbeat-" + Guid.NewGuid().ToString("N"));
        await client.Machines.ActivateAsync(license.Key, fingerprint);
        return (client, license, fingerprint);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token).ContinueWith(t => Assert.False(t.IsCanceled, $"Timed out waiting for {what}."));
        }
    }
}

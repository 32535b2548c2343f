using System.Net;
using Licenz.Server.Tests.Infrastructure;
using static Licenz.Server.Tests.Licensing.Licensing;

namespace Licenz.Server.Tests.Licensing;

/// <summary>
/// Limits hold under real parallel HTTP requests: each is one conditional write, never a count and then an insert.
/// The suite runs on SQLite and again on PostgreSQL (<c>LICENZ_TEST_DATABASE</c>); <c>Nodes/TwoNodeTests</c> does the
/// same over two server processes.
/// </summary>
public sealed class LimitsUnderConcurrencyTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    [Fact]
    public async Task ParallelActivationsOfDistinctMachinesSucceedExactlyAsManyTimesAsTheLimit()
    {
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { duration = "P30D", max_machines = 5 });
        using var gate = new SemaphoreSlim(0);

        var attempts = Enumerable.Range(0, 24).Select(async i =>
        {
            using var client = app.CreateAdminClient();
            await gate.WaitAsync(TestContext.Current.CancellationToken);
            return await ActivateAsync(client, license.Str("key"), $"parallel-{i}");
        }).ToList();
        gate.Release(attempts.Count);
        var responses = await Task.WhenAll(attempts);

        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode));
        Assert.Equal(5, (await GetAsync(admin, $"licenses/{license.Str("id")}")).GetProperty("machines_count").GetInt32());
        Assert.Equal(5, (await GetAsync(admin, $"machines?license_id={license.Str("id")}&limit=100")).GetArrayLength());
    }

    [Fact]
    public async Task ParallelActivationsOfOneFingerprintTakeOneSeat()
    {
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { duration = "P30D", max_machines = 3 });

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => ActivateAsync(admin, license.Str("key"), "the-same-machine")));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Single((await Task.WhenAll(responses.Select(r => r.DataAsync(r.StatusCode)))).Select(m => m.Str("id")).Distinct());
        Assert.Equal(1, (await GetAsync(admin, $"licenses/{license.Str("id")}")).GetProperty("machines_count").GetInt32());
    }

    [Fact]
    public async Task ParallelUsageIncrementsStopExactlyAtTheLimitAndDecrementsNeverGoBelowZero()
    {
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { duration = "P30D", max_uses = 10 });
        var path = $"licenses/{license.Str("id")}/usage";

        var responses = await Task.WhenAll(Enumerable.Range(0, 25).Select(_ => admin.PostJsonAsync(path, new { increment = 1 })));

        Assert.Equal(10, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode));
        Assert.Equal(10, (await GetAsync(admin, $"licenses/{license.Str("id")}")).GetProperty("uses").GetInt32());
        var exceeded = await (await admin.PostJsonAsync(path, new { increment = 1 })).ErrorAsync(HttpStatusCode.UnprocessableEntity, "usage_limit_exceeded");
        Assert.Contains("10 of its 10", exceeded.Str("message"));

        var down = await Task.WhenAll(Enumerable.Range(0, 14).Select(_ => admin.PostJsonAsync(path, new { decrement = 1 })));
        Assert.Equal(10, down.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(0, (await GetAsync(admin, $"licenses/{license.Str("id")}")).GetProperty("uses").GetInt32());
        Assert.Contains("license.usage.incremented", await EventTypesAsync(admin, license.Str("id")));
    }

    [Fact]
    public async Task UsageIsRecordedByTheApplicationWithTheLicenseKeyAndBadBodiesChangeNothing()
    {
        using var admin = app.CreateAdminClient();
        using var application = app.CreateClient(await ApiKeyAsync(admin, "verify_only"));
        var license = await LicenseAsync(admin, new { duration = "P30D", max_uses = 3 });

        var counted = await (await application.PostJsonAsync($"licenses/{license.Str("key")}/usage", new { increment = 2 })).DataAsync();
        Assert.Equal(2, counted.GetProperty("uses").GetInt32());
        Assert.Equal(license.Str("id"), counted.Str("license_id"));
        Assert.False(counted.TryGetProperty("email", out _));
        await (await application.PostJsonAsync($"licenses/{license.Str("id")}/usage", new { increment = 1 })).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");

        var before = await app.SnapshotDatabaseAsync();
        foreach (var body in new object[] { new { increment = 1, decrement = 1 }, new { }, new { increment = -1 }, new { increment = 0 } })
        {
            await (await admin.PostJsonAsync($"licenses/{license.Str("id")}/usage", body)).ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        }

        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }
}

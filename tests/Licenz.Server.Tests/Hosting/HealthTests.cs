using System.Net;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.Hosting;

/// <summary><c>/healthz</c> says the process answers; <c>/readyz</c> says whether the database does.</summary>
public sealed class HealthTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task LivenessAndReadinessAreHealthyWithoutAnApiKeyAndCountAgainstNoBudget()
    {
        await using var app = new LicenzApplication();
        await app.InitializeAsync();
        using var client = app.CreateClient(null, "/");

        using var live = await client.GetAsync("/healthz", Cancel);
        using var ready = await client.GetAsync("/readyz", Cancel);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("healthy", (await live.BodyAsync()).Str("status"));
        Assert.Empty((await live.BodyAsync()).GetProperty("checks").EnumerateObject());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var readiness = await ready.BodyAsync();
        Assert.Equal("healthy", readiness.Str("status"));
        Assert.Equal("healthy", readiness.GetProperty("checks").Str("database"));
        Assert.False(readiness.GetProperty("checks").TryGetProperty("redis", out _), "A single node has no Redis to report on.");
        Assert.False(ready.Headers.Contains("X-RateLimit-Limit"));
        Assert.True(ready.Headers.CacheControl?.NoStore, "A probe answer must not be cached.");
    }

    [Fact]
    public async Task ADatabaseThatCannotBeOpenedMakesTheNodeNotReadyButStillAlive()
    {
        await using var app = new LicenzApplication();
        await app.InitializeAsync();
        using var client = app.CreateClient(null, "/");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz", Cancel)).StatusCode);

        if (app.Engine.IsPostgreSql)
        {
            // The database goes away under the server.
            await app.Engine.DropAsync(app.DataDirectory);
        }
        else
        {
            // The database file becomes something SQLite cannot open.
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in Directory.EnumerateFiles(app.DataDirectory, "licenz.db*"))
            {
                File.Delete(file);
            }

            Directory.CreateDirectory(app.DatabasePath);
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }

        using var ready = await client.GetAsync("/readyz", Cancel);
        using var live = await client.GetAsync("/healthz", Cancel);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var readiness = await ready.BodyAsync();
        Assert.Equal("unhealthy", readiness.Str("status"));
        Assert.Equal("unhealthy", readiness.GetProperty("checks").Str("database"));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }
}

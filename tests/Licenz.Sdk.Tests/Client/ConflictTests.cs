using Licenz.Sdk.Tests.Infrastructure;
using Licenz.Server.Data;
using Licenz.Server.Licenses;
using Licenz.Tests.Shared;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Licenz.Sdk.Tests.Client;

/// <summary>A request that loses a race with another is <see cref="LicenzErrorCodes.Conflict"/> (409), raised once, not retried.</summary>
public sealed class ConflictTests(RacingApplication app) : IClassFixture<RacingApplication>
{
    [Fact]
    public async Task SuspendingALicenseDeletedMeanwhileRaisesConflictWithoutRetrying()
    {
        var interceptor = new Interceptor();
        using var client = app.CreateClient(interceptor);
        var product = await client.Products.CreateAsync(new ProductCreateOptions { Name = "Conflicts" });
        var license = await client.Licenses.CreateAsync(new LicenseCreateOptions { ProductId = product.Id, Email = "c@example.com", Type = "subscription" });
        var hold = app.Gate.HoldSave(changes => changes.Entries<License>().Any(e => e.Entity.Id == license.Id && e.State == Microsoft.EntityFrameworkCore.EntityState.Modified));

        var suspend = client.Licenses.SuspendAsync(license.Id);
        await hold.Reached;
        await client.Licenses.DeleteAsync(license.Id);
        hold.Release();

        var error = await Assert.ThrowsAsync<LicenzException>(() => suspend);
        Assert.Equal(LicenzErrorCodes.Conflict, error.Code);
        Assert.Equal(409, error.Status);
        Assert.Contains("at the same time", error.Message, StringComparison.Ordinal);
        Assert.Null(error.Field);
        Assert.NotNull(error.RateLimit);
        Assert.Single(interceptor.Requests, r => r.Method == "POST" && r.Uri.AbsolutePath.EndsWith("/suspend", StringComparison.Ordinal));
    }
}

/// <summary>The test server with a <see cref="RaceGate"/> in its database pipeline.</summary>
public sealed class RacingApplication : LicenzApplication
{
    public RaceGate Gate => Services.GetRequiredService<RaceGate>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(RaceGate.AddTo);
    }
}

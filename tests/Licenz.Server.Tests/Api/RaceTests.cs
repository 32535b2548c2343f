using System.Net;
using Licenz.Server.Data;
using Licenz.Server.Licenses;
using Licenz.Server.Products;
using Licenz.Server.Tests.Infrastructure;
using Licenz.Tests.Shared;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Licenz.Server.Tests.Api;

/// <summary>
/// Two requests racing for the same rows, on the real server and SQLite: the first request is held between what it read
/// and what it writes (<see cref="RaceGate"/>) while the second one completes. The loser gets <c>409 conflict</c>, never
/// a 500, and nothing of it is written.
/// </summary>
public sealed class RaceTests(RaceApplication app) : IClassFixture<RaceApplication>
{
    [Fact]
    public async Task ALicenseCreatedWhileItsProductIsDeletedIsAConflictAndNotWritten()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var hold = app.Gate.HoldSave(changes => changes.Entries<License>().Any(e => e.Entity.ProductId == product));

        var create = client.PostJsonAsync("licenses", new { product_id = product, email = "late@example.com", type = "perpetual" });
        await hold.Reached;
        await (await client.DeleteAsync($"products/{product}")).DataAsync();
        hold.Release();

        await AssertConflictAsync(await create, "license");
        await (await client.GetAsync($"products/{product}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(0, (await (await client.GetAsync($"licenses?product_id={product}")).DataAsync()).GetArrayLength());
    }

    [Fact]
    public async Task AProductDeletedWhileALicenseIsCreatedForItIsAConflictAndStays()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        // Held after the delete has found the product without licenses, before it is saved: the license comes in between.
        var hold = app.Gate.HoldSave(changes => changes.Entries<Product>().Any(e => e.State == EntityState.Deleted && e.Entity.Id == product));

        var delete = client.DeleteAsync($"products/{product}");
        await hold.Reached;
        var license = await (await client.PostJsonAsync("licenses", new { product_id = product, email = "first@example.com", type = "perpetual" }))
            .DataAsync(HttpStatusCode.Created);
        hold.Release();

        await AssertConflictAsync(await delete, subject: null);
        await (await client.GetAsync($"products/{product}")).DataAsync();
        await (await client.GetAsync($"licenses/{license.Str("id")}")).DataAsync();
    }

    [Fact]
    public async Task TwoProductsCreatedWithTheSameCodeAtOnceGiveOneProductAndOneConflict()
    {
        using var client = app.CreateAdminClient();
        var code = "race-" + Guid.NewGuid().ToString("N")[..8];
        var hold = app.Gate.HoldSave(changes => changes.Entries<Product>().Any(e => e.Entity.Code == code));

        var first = client.PostJsonAsync("products", new { name = "First", code });
        await hold.Reached;
        var second = await (await client.PostJsonAsync("products", new { name = "Second", code })).DataAsync(HttpStatusCode.Created);
        hold.Release();

        await AssertConflictAsync(await first, "product");
        var products = await (await client.GetAsync("products?limit=100")).DataAsync();
        var withCode = Assert.Single(products.EnumerateArray(), p => p.Str("code") == code);
        Assert.Equal(second.Str("id"), withCode.Str("id"));
        Assert.Equal("Second", withCode.Str("name"));
    }

    [Fact]
    public async Task AProductRenamedToACodeTakenMeanwhileIsAConflictAndUnchanged()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var before = await (await client.GetAsync($"products/{product}")).DataAsync();
        var code = "race-" + Guid.NewGuid().ToString("N")[..8];
        var hold = app.Gate.HoldSave(changes => changes.Entries<Product>().Any(e => e.Entity.Code == code));

        var patch = client.PatchJsonAsync($"products/{product}", new { code, name = "Renamed" });
        await hold.Reached;
        await (await client.PostJsonAsync("products", new { name = "Took the code", code })).DataAsync(HttpStatusCode.Created);
        hold.Release();

        await AssertConflictAsync(await patch, "product");
        Assert.Equal(before.GetRawText(), (await (await client.GetAsync($"products/{product}")).DataAsync()).GetRawText());
    }

    [Theory]
    [InlineData("suspend")]
    [InlineData("revoke")]
    [InlineData("renew")]
    public async Task AnActionOnALicenseDeletedMeanwhileIsAConflict(string action)
    {
        using var client = app.CreateAdminClient();
        var license = await CreateLicenseAsync(client);
        var hold = HoldLicenseUpdate(license);

        var acting = client.PostAsync($"licenses/{license}/{action}", null);
        await hold.Reached;
        await (await client.DeleteAsync($"licenses/{license}")).DataAsync();
        hold.Release();

        await AssertConflictAsync(await acting, "license");
        await (await client.GetAsync($"licenses/{license}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task AnActionOnALicenseChangedMeanwhileIsAConflictAndOnlyTheOtherChangeIsKept()
    {
        using var client = app.CreateAdminClient();
        var license = await CreateLicenseAsync(client);
        var hold = HoldLicenseUpdate(license);

        var suspend = client.PostAsync($"licenses/{license}/suspend", null);
        await hold.Reached;
        var changed = await (await client.PatchJsonAsync($"licenses/{license}", new { email = "changed@example.com" })).DataAsync();
        hold.Release();

        await AssertConflictAsync(await suspend, "license");
        var now = await (await client.GetAsync($"licenses/{license}")).DataAsync();
        Assert.Equal(changed.GetRawText(), now.GetRawText());
        Assert.Equal("active", now.Str("status"));
    }

    [Fact]
    public async Task AChangeToALicenseDeletedMeanwhileIsAConflict()
    {
        using var client = app.CreateAdminClient();
        var license = await CreateLicenseAsync(client);
        var hold = HoldLicenseUpdate(license);

        var patch = client.PatchJsonAsync($"licenses/{license}", new { email = "too-late@example.com" });
        await hold.Reached;
        await (await client.DeleteAsync($"licenses/{license}")).DataAsync();
        hold.Release();

        await AssertConflictAsync(await patch, "license");
        await (await client.GetAsync($"licenses/{license}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    private RaceGate.Hold HoldLicenseUpdate(string id) =>
        app.Gate.HoldSave(changes => changes.Entries<License>().Any(e => e.Entity.Id == id && e.State == Microsoft.EntityFrameworkCore.EntityState.Modified));

    private static async Task AssertConflictAsync(HttpResponseMessage response, string? subject)
    {
        var error = await response.ErrorAsync(HttpStatusCode.Conflict, "conflict");
        Assert.Contains("at the same time", error.Str("message"), StringComparison.Ordinal);
        Assert.Contains("changed nothing", error.Str("message"), StringComparison.Ordinal);
        if (subject is not null)
        {
            Assert.StartsWith($"This {subject} ", error.Str("message"), StringComparison.Ordinal);
        }

        Assert.False(error.TryGetProperty("field", out _));
    }

    private static async Task<string> CreateProductAsync(HttpClient client) =>
        (await (await client.PostJsonAsync("products", new { name = "Raced" })).DataAsync(HttpStatusCode.Created)).Str("id");

    private static async Task<string> CreateLicenseAsync(HttpClient client) =>
        (await (await client.PostJsonAsync("licenses", new { product_id = await CreateProductAsync(client), email = "race@example.com", type = "subscription" }))
            .DataAsync(HttpStatusCode.Created)).Str("id");
}

/// <summary>The test server with a <see cref="RaceGate"/> in its database pipeline.</summary>
public sealed class RaceApplication : LicenzApplication
{
    public RaceGate Gate => Services.GetRequiredService<RaceGate>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(RaceGate.AddTo);
    }
}

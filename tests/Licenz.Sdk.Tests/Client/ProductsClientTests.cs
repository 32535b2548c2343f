using System.Text.Json.Nodes;
using Licenz.Sdk.Tests.Infrastructure;

namespace Licenz.Sdk.Tests.Client;

public sealed class ProductsClientTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    [Fact]
    public async Task CreateGetListUpdateAndDeleteRoundTrip()
    {
        using var client = app.CreateClient();
        var created = await client.Products.CreateAsync(new ProductCreateOptions
        {
            Name = "Photo Editor",
            Metadata = new JsonObject { ["tier"] = "desktop" },
            SubscriptionDays = 30,
            TrialDays = 7,
        });

        Assert.StartsWith("prod_", created.Id, StringComparison.Ordinal);
        Assert.Equal("Photo Editor", created.Name);
        Assert.Equal("photo-editor", created.Code);
        Assert.Equal("desktop", created.Metadata.GetProperty("tier").GetString());
        Assert.Equal(30, created.SubscriptionDays);
        Assert.Equal(7, created.TrialDays);
        Assert.Equal(app.Time.GetUtcNow(), created.CreatedAt);
        Same.Product(created, await client.Products.GetAsync(created.Id));

        var listed = await client.Products.ListAsync(new PageOptions { Limit = 100 });
        Same.Product(created, Assert.Single(listed, p => p.Id == created.Id));

        app.Time.Advance(TimeSpan.FromMinutes(5));
        var updated = await client.Products.UpdateAsync(created.Id, new ProductUpdateOptions { Name = "Photo Editor Pro", Code = "pe-pro", TrialDays = 14 });
        Assert.Equal("Photo Editor Pro", updated.Name);
        Assert.Equal("pe-pro", updated.Code);
        Assert.Equal(14, updated.TrialDays);
        Assert.Equal(30, updated.SubscriptionDays);
        Assert.Equal(app.Time.GetUtcNow(), updated.UpdatedAt);
        Assert.Equal(created.CreatedAt, updated.CreatedAt);

        var deleted = await client.Products.DeleteAsync(created.Id);
        Assert.Equal(new DeleteResult { Id = created.Id, Deleted = true }, deleted);
        var gone = await Assert.ThrowsAsync<LicenzException>(() => client.Products.GetAsync(created.Id));
        Assert.Equal(LicenzErrorCodes.NotFound, gone.Code);
    }

    [Fact]
    public async Task AProductWithLicensesCannotBeDeletedAndADuplicateCodeNamesTheField()
    {
        using var client = app.CreateClient();
        var product = await client.Products.CreateAsync(new ProductCreateOptions { Name = "Kept", Code = "kept" });
        await client.Licenses.CreateAsync(new LicenseCreateOptions { ProductId = product.Id, Email = "kept@example.com", Type = LicenseTypeNames.Trial });

        var refused = await Assert.ThrowsAsync<LicenzException>(() => client.Products.DeleteAsync(product.Id));
        Assert.Equal(LicenzErrorCodes.BadRequest, refused.Code);
        Assert.Contains("1 license", refused.Message, StringComparison.Ordinal);

        var duplicate = await Assert.ThrowsAsync<LicenzException>(() => client.Products.CreateAsync(new ProductCreateOptions { Name = "Again", Code = "kept" }));
        Assert.Equal(LicenzErrorCodes.BadRequest, duplicate.Code);
        Assert.Equal("code", duplicate.Field);
        Assert.Equal(400, duplicate.Status);
    }

    [Fact]
    public async Task ListAllWalksEveryProduct()
    {
        using var client = app.CreateClient();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            app.Time.Advance(TimeSpan.FromSeconds(1));
            ids.Add((await client.Products.CreateAsync(new ProductCreateOptions { Name = $"Walk {i}" })).Id);
        }

        var all = await client.Products.ListAllAsync(new PageOptions { Limit = 2 }).Select(p => p.Id).ToListAsync();
        var total = (await client.Products.ListAsync(new PageOptions { Limit = 1 })).Pagination.Total;

        Assert.Equal(total, all.Count);
        Assert.Equal(all.Count, all.Distinct().Count());
        ids.Reverse();
        Assert.Equal(ids, all.Take(5));
    }
}

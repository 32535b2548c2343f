using Licenz.Sdk.Tests.Infrastructure;

namespace Licenz.Sdk.Tests.Client;

public sealed class ApiKeysClientTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    [Fact]
    public async Task CreatedKeysWorkAreListedWithoutTheirSecretAndStopWorkingWhenRevoked()
    {
        using var admin = app.CreateClient();
        var expires = app.Time.GetUtcNow().AddDays(30);
        var created = await admin.ApiKeys.CreateAsync(new ApiKeyCreateOptions { Type = ApiKeyTypeNames.ReadOnly, Name = "Reporting", ExpiresAt = expires });

        Assert.StartsWith("key_", created.Id, StringComparison.Ordinal);
        Assert.Equal(ApiKeyTypeNames.ReadOnly, created.Type);
        Assert.Equal("Reporting", created.Name);
        Assert.Equal("active", created.Status);
        Assert.Equal(expires, created.ExpiresAt);
        Assert.StartsWith("lz_read_", created.Key, StringComparison.Ordinal);
        Assert.StartsWith(created.Prefix.TrimEnd('…', '.'), created.Key, StringComparison.Ordinal);

        var listed = Assert.Single(await admin.ApiKeys.ListAllAsync().Where(k => k.Id == created.Id).ToListAsync());
        Assert.Equal(created.Prefix, listed.Prefix);
        Assert.Equal("Reporting", listed.Name);
        Assert.Null(listed.RevokedAt);

        using var reporting = app.CreateClient(created.Key);
        await reporting.Products.ListAsync();
        var cannotWrite = await Assert.ThrowsAsync<LicenzException>(() => reporting.Products.CreateAsync(new ProductCreateOptions { Name = "Nope" }));
        Assert.Equal(LicenzErrorCodes.Forbidden, cannotWrite.Code);

        var revoked = await admin.ApiKeys.RevokeAsync(created.Id);
        Assert.Equal("revoked", revoked.Status);
        Assert.Equal(app.Time.GetUtcNow(), revoked.RevokedAt);

        var rejected = await Assert.ThrowsAsync<LicenzException>(() => reporting.Products.ListAsync());
        Assert.Equal(LicenzErrorCodes.InvalidApiKey, rejected.Code);
        Assert.Equal(401, rejected.Status);
    }

    [Fact]
    public async Task PagesOfKeysFollowTheCursor()
    {
        using var admin = app.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            app.Time.Advance(TimeSpan.FromSeconds(1));
            await admin.ApiKeys.CreateAsync(new ApiKeyCreateOptions { Type = ApiKeyTypeNames.VerifyOnly, Name = $"App {i}" });
        }

        var first = await admin.ApiKeys.ListAsync(new PageOptions { Limit = 2 });
        var second = await admin.ApiKeys.ListAsync(new PageOptions { Limit = 2, Cursor = first.Pagination.NextCursor });
        var all = await admin.ApiKeys.ListAllAsync(new PageOptions { Limit = 2 }).Select(k => k.Id).ToListAsync();

        Assert.Equal(2, first.Count);
        Assert.True(first.Pagination.HasMore);
        Assert.Equal(first.Concat(second).Select(k => k.Id), all.Take(first.Count + second.Count));
        Assert.Equal(first.Pagination.Total, all.Count);
        Assert.Equal("App 2", first[0].Name);
    }
}

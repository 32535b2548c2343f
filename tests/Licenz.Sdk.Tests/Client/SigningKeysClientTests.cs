using Licenz.Sdk.Tests.Infrastructure;

namespace Licenz.Sdk.Tests.Client;

public sealed class SigningKeysClientTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    [Fact]
    public async Task RotationPublishesANewKeyAndRetirementWithdrawsTheOld()
    {
        using var client = app.CreateClient();
        var before = await client.SigningKeys.ListAsync();
        var initial = Assert.Single(before, k => k.Status == SigningKeyStatusNames.Current);
        Assert.Equal(initial.Id, SigningKey.Thumbprint(Base64UrlDecode(initial.PublicKey)));
        Assert.Equal(Published(before), (await client.SigningKeys.GetJwksAsync()).KeyIds.Order());

        app.Time.Advance(TimeSpan.FromSeconds(1));
        var rotated = await client.SigningKeys.RotateAsync();
        Assert.Equal(SigningKeyStatusNames.Current, rotated.Status);
        Assert.NotEqual(initial.Id, rotated.Id);
        Assert.Equal(app.Time.GetUtcNow(), rotated.CreatedAt);
        Assert.NotNull(rotated.RateLimit);

        var keys = await client.SigningKeys.ListAsync();
        Assert.Equal(before.Count + 1, keys.Count);
        Assert.Equal(rotated.Id, keys[0].Id);
        var replaced = Assert.Single(keys, k => k.Id == initial.Id);
        Assert.Equal(SigningKeyStatusNames.Published, replaced.Status);
        Assert.Equal(app.Time.GetUtcNow(), replaced.RotatedAt);
        Assert.All(keys, k => Assert.Equal(keys.RateLimit, k.RateLimit));
        Assert.Equal(Published(keys), (await client.SigningKeys.GetJwksAsync()).KeyIds.Order());
        Assert.Contains(initial.Id, Published(keys));

        var retired = await client.SigningKeys.RetireAsync(initial.Id);
        Assert.Equal(SigningKeyStatusNames.Retired, retired.Status);
        Assert.Equal(app.Time.GetUtcNow(), retired.RetiredAt);
        var jwks = await client.SigningKeys.GetJwksAsync();
        Assert.DoesNotContain(initial.Id, jwks.KeyIds);
        Assert.Contains(rotated.Id, jwks.KeyIds);

        var current = await Assert.ThrowsAsync<LicenzException>(() => client.SigningKeys.RetireAsync(rotated.Id));
        Assert.Equal(LicenzErrorCodes.BadRequest, current.Code);
        var unknown = await Assert.ThrowsAsync<LicenzException>(() => client.SigningKeys.RetireAsync("no-such-key"));
        Assert.Equal(LicenzErrorCodes.NotFound, unknown.Code);
    }

    [Fact]
    public async Task VerificationFetchesTheJwksAgainAfterARotation()
    {
        using var interceptor = new Interceptor();
        using var client = app.CreateClient(interceptor);
        var product = await client.Products.CreateAsync(new ProductCreateOptions { Name = "Rotation" });
        var license = await client.Licenses.CreateAsync(new LicenseCreateOptions { ProductId = product.Id, Email = "rotation@example.com", Type = LicenseTypeNames.Perpetual });

        var before = await client.Licenses.VerifyAsync(license.Key);
        var again = await client.Licenses.VerifyAsync(license.Key);
        Assert.Equal(1, JwksFetches(interceptor));
        Assert.Equal(before.SigningKeyId, again.SigningKeyId);

        var rotated = await client.SigningKeys.RotateAsync();
        var after = await client.Licenses.VerifyAsync(license.Key);

        Assert.True(after.IsValid);
        Assert.Equal(rotated.Id, after.SigningKeyId);
        Assert.Equal(2, JwksFetches(interceptor));
    }

    private static int JwksFetches(Interceptor interceptor) =>
        interceptor.Requests.Count(r => r.Path.EndsWith("/.well-known/jwks.json", StringComparison.Ordinal));

    private static IEnumerable<string> Published(IEnumerable<SigningKeyInfo> keys) =>
        keys.Where(k => k.Status != SigningKeyStatusNames.Retired).Select(k => k.Id).Order();

    private static byte[] Base64UrlDecode(string text) => System.Buffers.Text.Base64Url.DecodeFromChars(text);
}

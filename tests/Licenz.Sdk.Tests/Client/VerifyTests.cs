using System.Text.Json.Nodes;
using Licenz.Sdk.Tests.Infrastructure;

namespace Licenz.Sdk.Tests.Client;

/// <summary>Online verification: a fresh nonce per call, and no result before the signed response has been checked.</summary>
public sealed class VerifyTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    [Fact]
    public async Task AValidLicenseIsVerifiedWithItsSignatureChecked()
    {
        using var admin = app.CreateClient();
        var product = await admin.Products.CreateAsync(new ProductCreateOptions { Name = "Verified" });
        var license = await admin.Licenses.CreateAsync(new LicenseCreateOptions
        {
            ProductId = product.Id,
            Email = "verified@example.com",
            Type = LicenseTypeNames.Perpetual,
            Metadata = new JsonObject { ["edition"] = "pro" },
        });
        var shipped = await admin.ApiKeys.CreateAsync(new ApiKeyCreateOptions { Type = ApiKeyTypeNames.VerifyOnly, Name = "Desktop app" });
        using var interceptor = new Interceptor();
        using var client = app.CreateClient(interceptor, shipped.Key);
        app.Time.Advance(TimeSpan.FromSeconds(3));

        var result = await client.Licenses.VerifyAsync(license.Key, product.Id);

        Assert.True(result.IsValid);
        Assert.Equal(VerificationResultCodes.Valid, result.Code);
        Assert.Equal("The license is valid.", result.Detail);
        var sent = Assert.Single(interceptor.Requests, r => r.Path == "/api/v1/licenses/verify");
        Assert.Equal("POST", sent.Method);
        Assert.Equal(license.Key, sent.Field("key"));
        Assert.Equal(product.Id, sent.Field("product_id"));
        Assert.Matches("^[A-Za-z0-9_-]{22}$", sent.Field("nonce"));
        Assert.Equal(sent.Field("nonce"), result.Nonce);
        Assert.Equal(app.Time.GetUtcNow(), result.SignedDate);
        Assert.Equal(app.Time.GetUtcNow(), result.VerifiedAt);
        Assert.Equal((await admin.SigningKeys.ListAsync()).Single(k => k.Status == SigningKeyStatusNames.Current).Id, result.SigningKeyId);
        Assert.Equal(license.Id, result.License!.Id);
        Assert.Equal(license.Key, result.License.Key);
        Assert.Equal(LicenseStatusNames.Active, result.License.Status);
        Assert.Equal("pro", result.License.Metadata.GetProperty("edition").GetString());
        // A verification with a verify-only key reports the license key's share: a tenth of the Business plan's 10,000.
        Assert.Equal(1_000, result.RateLimit!.Limit);
        Assert.Equal(999, result.RateLimit.Remaining);

        var again = await client.Licenses.VerifyAsync(license.Key);
        Assert.NotEqual(result.Nonce, again.Nonce);
        Assert.Null(interceptor.Requests[^1].Field("product_id"));
    }

    [Fact]
    public async Task InvalidLicensesAreSignedAnswersToo()
    {
        using var client = app.CreateClient();
        var product = await client.Products.CreateAsync(new ProductCreateOptions { Name = "Invalid Answers" });
        var license = await client.Licenses.CreateAsync(new LicenseCreateOptions { ProductId = product.Id, Email = "invalid@example.com", Type = LicenseTypeNames.Perpetual });
        await client.Licenses.SuspendAsync(license.Id);

        var suspended = await client.Licenses.VerifyAsync(license.Key);
        var otherProduct = await client.Licenses.VerifyAsync(license.Key, "prod_someotherproduct");
        var unknown = await client.Licenses.VerifyAsync(LicenseKeyGenerator.Generate());

        Assert.False(suspended.IsValid);
        Assert.Equal(VerificationResultCodes.Suspended, suspended.Code);
        Assert.Equal(LicenseStatusNames.Suspended, suspended.License!.Status);
        Assert.Equal(VerificationResultCodes.ProductScopeMismatch, otherProduct.Code);
        Assert.False(unknown.IsValid);
        Assert.Equal(VerificationResultCodes.NotFound, unknown.Code);
        Assert.Null(unknown.License);
        Assert.All(new[] { suspended, otherProduct, unknown }, r => Assert.Equal(app.Time.GetUtcNow(), r.SignedDate));
    }

    [Fact]
    public async Task ShippedKeysAreUsedWithoutFetchingTheJwks()
    {
        using var admin = app.CreateClient();
        var keys = PublicKeySet.FromJwks((await admin.SigningKeys.GetJwksAsync()).ToJwks());
        var license = await LicenseAsync(admin);
        using var interceptor = new Interceptor();
        using var client = app.CreateClient(interceptor, configure: o => o.VerificationKeys = keys);

        var result = await client.Licenses.VerifyAsync(license.Key);

        Assert.True(result.IsValid);
        Assert.Equal(["/api/v1/licenses/verify"], interceptor.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task KeysThatDidNotSignTheResponseAreNotTrusted()
    {
        using var admin = app.CreateClient();
        var license = await LicenseAsync(admin);
        using var stranger = SigningKey.Generate();
        using var client = app.CreateClient(configure: o => o.VerificationKeys = PublicKeySet.FromKeys(stranger.ToJsonWebKey()));

        var error = await Assert.ThrowsAsync<LicenzException>(() => client.Licenses.VerifyAsync(license.Key));

        Assert.Equal(LicenzErrorCodes.InvalidResponseSignature, error.Code);
        Assert.Contains(ResponseSignatureCodes.UnknownKey, error.Message, StringComparison.Ordinal);
        Assert.Equal(200, error.Status);
    }

    [Fact]
    public async Task AnotherAccountsResponsesVerifyWithThatAccountsJwks()
    {
        var (accountId, adminKey) = await app.CreateAccountAsync("Second vendor");
        using var admin = app.CreateClient(adminKey);
        var license = await LicenseAsync(admin);

        using var client = app.CreateClient(adminKey, o => o.AccountId = accountId);
        var result = await client.Licenses.VerifyAsync(license.Key);
        Assert.True(result.IsValid);
        Assert.Contains(result.SigningKeyId, (await client.SigningKeys.GetJwksAsync()).KeyIds);

        // Without the account id the default account's keys are fetched: they did not sign this answer.
        using var unaware = app.CreateClient(adminKey);
        var error = await Assert.ThrowsAsync<LicenzException>(() => unaware.Licenses.VerifyAsync(license.Key));
        Assert.Equal(LicenzErrorCodes.InvalidResponseSignature, error.Code);
        Assert.Contains(ResponseSignatureCodes.UnknownKey, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnErrorAnswerIsReportedAsItsError()
    {
        using var client = app.CreateClient("lz_verify_thisKeyWasNeverIssuedByThisServer0");

        var error = await Assert.ThrowsAsync<LicenzException>(() => client.Licenses.VerifyAsync("LIC-AAAAA-AAAAA-AAAAA"));

        Assert.Equal(LicenzErrorCodes.InvalidApiKey, error.Code);
        Assert.Equal(401, error.Status);
    }

    private static async Task<LicenseInfo> LicenseAsync(LicenzClient admin)
    {
        var product = await admin.Products.CreateAsync(new ProductCreateOptions { Name = "Verify " + Guid.NewGuid().ToString("N")[..8] });
        return await admin.Licenses.CreateAsync(new LicenseCreateOptions { ProductId = product.Id, Email = "holder@example.com", Type = LicenseTypeNames.Perpetual });
    }
}

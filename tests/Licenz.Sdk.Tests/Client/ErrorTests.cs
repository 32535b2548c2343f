using Licenz.Sdk.Tests.Infrastructure;

namespace Licenz.Sdk.Tests.Client;

/// <summary>Every error answer becomes one exception type with the envelope's code, message, status and field.</summary>
public sealed class ErrorTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    [Fact]
    public async Task BadRequestCarriesTheFieldAtFault()
    {
        using var client = app.CreateClient();
        var product = await client.Products.CreateAsync(new ProductCreateOptions { Name = "Errors" });

        var error = await Assert.ThrowsAsync<LicenzException>(() => client.Licenses.CreateAsync(new LicenseCreateOptions
        {
            ProductId = product.Id,
            Email = "customer@example.com",
            Type = "lifetime",
        }));

        Assert.Equal(LicenzErrorCodes.BadRequest, error.Code);
        Assert.Equal(400, error.Status);
        Assert.Equal("type", error.Field);
        Assert.Equal("Field 'type' must be one of subscription, perpetual, trial.", error.Message);
        Assert.NotNull(error.RateLimit);
        Assert.Null(error.RetryAfter);
    }

    [Fact]
    public async Task UnknownKeyIsUnauthorized()
    {
        using var client = app.CreateClient("lz_admin_thisKeyWasNeverIssuedByThisServer000");

        var error = await Assert.ThrowsAsync<LicenzException>(() => client.Licenses.ListAsync());

        Assert.Equal(LicenzErrorCodes.InvalidApiKey, error.Code);
        Assert.Equal(401, error.Status);
        Assert.Equal("The API key provided is invalid or expired", error.Message);
        Assert.Null(error.Field);
        Assert.Equal(100_000, error.RateLimit!.Limit);
    }

    [Fact]
    public async Task AKeyWithoutThePermissionIsForbidden()
    {
        using var admin = app.CreateClient();
        var verifyOnly = await admin.ApiKeys.CreateAsync(new ApiKeyCreateOptions { Type = ApiKeyTypeNames.VerifyOnly, Name = "Desktop app" });
        using var client = app.CreateClient(verifyOnly.Key);

        var error = await Assert.ThrowsAsync<LicenzException>(() => client.Licenses.ListAsync());

        Assert.Equal(LicenzErrorCodes.Forbidden, error.Code);
        Assert.Equal(403, error.Status);
        Assert.Contains("verify_only", error.Message, StringComparison.Ordinal);
        Assert.Equal(10_000, error.RateLimit!.Limit);
    }

    [Fact]
    public async Task AVerifyOnlyKeyOnAWriteIsToldItNeedsAnAdminKey()
    {
        using var admin = app.CreateClient();
        var verifyOnly = await admin.ApiKeys.CreateAsync(new ApiKeyCreateOptions { Type = ApiKeyTypeNames.VerifyOnly, Name = "Desktop app" });
        using var client = app.CreateClient(verifyOnly.Key);

        var error = await Assert.ThrowsAsync<LicenzException>(() => client.Products.CreateAsync(new ProductCreateOptions { Name = "Photo Editor" }));

        Assert.Equal(LicenzErrorCodes.Forbidden, error.Code);
        Assert.Contains("needs an admin key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABaseUrlWithoutTheApiPathGetsAHint()
    {
        using var client = app.CreateClient(configure: options => options.BaseUrl = new Uri(app.ApiBaseUrl, "/"));

        var error = await Assert.ThrowsAsync<LicenzException>(() => client.Licenses.ListAsync());

        Assert.Equal(404, error.Status);
        Assert.Contains($"{app.ApiBaseUrl.GetLeftPart(UriPartial.Authority)}/api/v1", error.Message, StringComparison.Ordinal);
        Assert.Contains("lacks the API's path", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingResourceIsNotFound()
    {
        using var client = app.CreateClient();

        var license = await Assert.ThrowsAsync<LicenzException>(() => client.Licenses.GetAsync("lic_doesnotexist"));
        var product = await Assert.ThrowsAsync<LicenzException>(() => client.Products.UpdateAsync("prod_doesnotexist", new ProductUpdateOptions { Name = "x" }));
        var key = await Assert.ThrowsAsync<LicenzException>(() => client.ApiKeys.RevokeAsync("key_doesnotexist"));

        Assert.All(new[] { license, product, key }, e =>
        {
            Assert.Equal(LicenzErrorCodes.NotFound, e.Code);
            Assert.Equal(404, e.Status);
        });
        Assert.Equal("No license with id or key 'lic_doesnotexist'.", license.Message);
        Assert.Contains("prod_doesnotexist", product.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IdsAreEscapedIntoThePath()
    {
        using var interceptor = new Interceptor();
        using var client = app.CreateClient(interceptor);

        var error = await Assert.ThrowsAsync<LicenzException>(() => client.Licenses.GetAsync("a/b?c"));

        Assert.Equal(LicenzErrorCodes.NotFound, error.Code);
        Assert.EndsWith("/api/v1/licenses/a%2Fb%3Fc", interceptor.Requests.Single().Uri.AbsoluteUri, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => { _ = client.Licenses.GetAsync(".."); });
        Assert.Throws<ArgumentException>(() => { _ = client.Products.GetAsync(" "); });
    }

    [Fact]
    public async Task AnAnswerThatIsNotTheApisIsAnInvalidResponse()
    {
        // A proxy in front of the server answers with its own HTML page.
        using var interceptor = new Interceptor
        {
            OnResponse = (_, response, _) =>
            {
                response.Dispose();
                return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.BadGateway)
                {
                    Content = new StringContent("<html><body>502 Bad Gateway</body></html>", System.Text.Encoding.UTF8, "text/html"),
                });
            },
        };
        using var client = app.CreateClient(interceptor);

        var error = await Assert.ThrowsAsync<LicenzException>(() => client.Products.ListAsync());

        Assert.Equal(LicenzErrorCodes.InvalidResponse, error.Code);
        Assert.Equal(502, error.Status);
        Assert.Contains("text/html", error.Message, StringComparison.Ordinal);
        Assert.Null(error.RateLimit);
    }

    [Fact]
    public async Task ASuccessWhoseBodyIsNotTheApisIsAnInvalidResponse()
    {
        using var interceptor = new Interceptor
        {
            OnResponse = (_, response, _) =>
            {
                response.Content = new StringContent("{\"data\": {\"unexpected\": true}}", System.Text.Encoding.UTF8, "application/json");
                return Task.FromResult(response);
            },
        };
        using var client = app.CreateClient(interceptor);

        var error = await Assert.ThrowsAsync<LicenzException>(() => client.Products.ListAsync());

        Assert.Equal(LicenzErrorCodes.InvalidResponse, error.Code);
        Assert.Equal(200, error.Status);
        Assert.IsAssignableFrom<System.Text.Json.JsonException>(error.InnerException);
    }
}

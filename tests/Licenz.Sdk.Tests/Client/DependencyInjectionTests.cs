using Licenz.Sdk.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Licenz.Sdk.Tests.Client;

public sealed class DependencyInjectionTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    [Fact]
    public async Task AddLicenzRegistersATypedClientThatWorks()
    {
        var requests = new List<string>();
        var services = new ServiceCollection();
        services.AddLicenz(options =>
            {
                options.ApiKey = app.AdminKey;
                options.BaseUrl = app.ApiBaseUrl;
                options.TrustedCertificatePath = app.CertificatePath;
                options.TimeProvider = app.Time;
            })
            .AddHttpMessageHandler(() => new RecordingHandler(requests));
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });

        var client = provider.GetRequiredService<LicenzClient>();
        var product = await client.Products.CreateAsync(new ProductCreateOptions { Name = "Injected" });
        var license = await client.Licenses.CreateAsync(new LicenseCreateOptions { ProductId = product.Id, Email = "di@example.com", Type = LicenseTypeNames.Perpetual });
        var other = provider.GetRequiredService<LicenzClient>();
        var fetched = await other.Products.GetAsync(product.Id);
        var first = await client.Licenses.VerifyAsync(license.Key);
        var second = await other.Licenses.VerifyAsync(license.Key);

        Assert.NotSame(client, other);
        Assert.Equal(new Uri(app.ApiBaseUrl + "/"), client.BaseUrl);
        Same.Product(product, fetched);
        Assert.True(first.IsValid);
        Assert.True(second.IsValid);

        // Both clients went through the factory's pipeline, and the JWKS was fetched once for the registration.
        lock (requests)
        {
            Assert.Equal(
                new[] { "POST /api/v1/products", "POST /api/v1/licenses", "GET /api/v1/products/" + product.Id, "POST /api/v1/licenses/verify", "GET /api/v1/.well-known/jwks.json", "POST /api/v1/licenses/verify" },
                requests);
        }
    }

    [Fact]
    public void AWrongSettingFailsWhenTheClientIsResolved()
    {
        var services = new ServiceCollection();
        services.AddLicenz(options => options.BaseUrl = new Uri("http://licenz.example/api/v1"));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<ArgumentException>(() => provider.GetRequiredService<LicenzClient>());

        Assert.Contains("LicenzClientOptions.ApiKey", error.Message, StringComparison.Ordinal);
    }

    private sealed class RecordingHandler(List<string> requests) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (requests)
            {
                requests.Add($"{request.Method} {request.RequestUri!.AbsolutePath}");
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}

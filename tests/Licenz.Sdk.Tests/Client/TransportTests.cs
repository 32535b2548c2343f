using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Licenz.Sdk.Tests.Infrastructure;

namespace Licenz.Sdk.Tests.Client;

/// <summary>Base URLs, trusted certificates, unreachable servers, time-outs and cancellation.</summary>
public sealed class TransportTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    [Fact]
    public void TheDefaultBaseUrlIsTheHostedApi()
    {
        Assert.Equal(new Uri("https://api.licenz.io/v1"), new LicenzClientOptions().BaseUrl);
        using var client = new LicenzClient("YOUR_API_KEY");
        Assert.Equal(new Uri("https://api.licenz.io/v1/"), client.BaseUrl);
    }

    [Fact]
    public void WrongSettingsFailWhenTheClientIsCreatedAndSayWhich()
    {
        var missingKey = Assert.Throws<ArgumentException>(() => new LicenzClient(new LicenzClientOptions()));
        Assert.Contains("ApiKey", missingKey.Message, StringComparison.Ordinal);

        var plainHttp = Assert.Throws<ArgumentException>(() => new LicenzClient(new LicenzClientOptions
        {
            ApiKey = "lz_admin_x",
            BaseUrl = new Uri("http://your-domain.com/api/v1"),
        }));
        Assert.Contains("https://", plainHttp.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentException>(() => new LicenzClient("lz_admin_x\r\nX-Injected: yes"));
        Assert.Throws<ArgumentException>(() => new LicenzClient(new LicenzClientOptions { ApiKey = "k", MaxRateLimitRetries = -1 }));
        Assert.Throws<ArgumentException>(() => new LicenzClient(new LicenzClientOptions { ApiKey = "k", TrustedCertificatePath = "/no/such/file.crt" }));
    }

    [Fact]
    public async Task ASelfHostedBaseUrlWithOrWithoutTrailingSlashReachesTheApi()
    {
        using var interceptor = new Interceptor();
        using var client = app.CreateClient(interceptor, configure: o => o.BaseUrl = new Uri(app.ApiBaseUrl + "/"));
        await client.Products.ListAsync(new PageOptions { Limit = 5 });

        using var shortBase = app.CreateClient(configure: o => o.BaseUrl = new Uri(app.HttpsAddress, "/v1"));
        await shortBase.Products.ListAsync();

        var request = interceptor.Requests.Single();
        Assert.Equal("GET", request.Method);
        Assert.Equal("/api/v1/products", request.Path);
        Assert.Equal("?limit=5", request.Uri.Query);
        Assert.Equal("Bearer " + app.AdminKey, request.Authorization);
    }

    [Fact]
    public async Task TheServersCertificateIsTrustedFromAPemFile()
    {
        using var client = app.CreateClient(configure: o =>
        {
            o.TrustedCertificate = null;
            o.TrustedCertificatePath = app.CertificatePath;
        });

        var page = await client.Products.ListAsync();

        Assert.NotNull(page.RateLimit);
    }

    [Fact]
    public async Task AnUntrustedCertificateIsRefusedWithAHint()
    {
        using var client = app.CreateClient(configure: o => o.TrustedCertificate = null);

        var error = await Assert.ThrowsAsync<LicenzException>(() => client.Products.ListAsync());

        Assert.Equal(LicenzErrorCodes.NetworkError, error.Code);
        Assert.Null(error.Status);
        Assert.Contains("TrustedCertificatePath", error.Message, StringComparison.Ordinal);
        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Fact]
    public async Task AnotherCertificateThanThePinnedOneIsRefused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        using var impostor = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using var client = app.CreateClient(configure: o => o.TrustedCertificate = X509CertificateLoader.LoadCertificate(impostor.RawData));

        var error = await Assert.ThrowsAsync<LicenzException>(() => client.Products.ListAsync());

        Assert.Equal(LicenzErrorCodes.NetworkError, error.Code);
        Assert.Contains("not the trusted one", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServerThatCannotBeReachedIsANetworkError()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var client = app.CreateClient(configure: o => o.BaseUrl = new Uri($"https://127.0.0.1:{port}/api/v1"));

        var error = await Assert.ThrowsAsync<LicenzException>(() => client.Licenses.VerifyAsync("LIC-AAAAA-AAAAA-AAAAA"));

        Assert.Equal(LicenzErrorCodes.NetworkError, error.Code);
        Assert.Contains($"https://127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.Null(error.RateLimit);
    }

    [Fact(Timeout = Waiting.Timeout)]
    public async Task AnAnswerThatTakesTooLongIsATimeout()
    {
        using var stall = new Interceptor
        {
            OnResponse = async (_, response, token) =>
            {
                response.Dispose();
                await Task.Delay(Timeout.Infinite, token);
                throw new InvalidOperationException("unreachable");
            },
        };
        stall.InnerHandler = app.TrustingHandler();
        using var http = new HttpClient(stall) { Timeout = TimeSpan.FromMilliseconds(200) };
        using var client = new LicenzClient(http, app.OptionsFor());

        var error = await Assert.ThrowsAsync<LicenzException>(() => client.Products.ListAsync(cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(LicenzErrorCodes.Timeout, error.Code);
        Assert.IsAssignableFrom<OperationCanceledException>(error.InnerException);
    }

    [Fact]
    public async Task ACancelledCallSendsNothingAndThrowsOperationCanceled()
    {
        using var interceptor = new Interceptor();
        using var client = app.CreateClient(interceptor);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.Products.ListAsync(cancellationToken: cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.Licenses.VerifyAsync("LIC-AAAAA-AAAAA-AAAAA", cancellationToken: cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SigningKeys.GetJwksAsync(cancelled.Token));

        Assert.Empty(interceptor.Requests);
    }

    [Fact(Timeout = Waiting.Timeout)]
    public async Task CancellingARequestInFlightThrowsOperationCanceled()
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        using var interceptor = new Interceptor
        {
            OnResponse = async (_, response, token) =>
            {
                await cancellation.CancelAsync();
                await Task.Delay(Timeout.Infinite, token);
                return response;
            },
        };
        using var client = app.CreateClient(interceptor);

        // The caller's own cancellation is not reported as a time-out or a network error.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.Products.ListAsync(cancellationToken: cancellation.Token));
        Assert.Single(interceptor.Requests);
    }
}

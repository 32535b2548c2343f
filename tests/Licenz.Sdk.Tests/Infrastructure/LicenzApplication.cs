using System.Security.Cryptography.X509Certificates;
using Licenz.Server.Accounts;
using Licenz.Server.Hosting;
using Licenz.Tests.Shared;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Licenz.Sdk.Tests.Infrastructure;

/// <summary>
/// The shared test host (<see cref="LicenzHost"/>) as client tests reach it: the way a vendor's application would, with a
/// base URL, an API key, and the server's certificate as the trusted one.
/// </summary>
public class LicenzApplication() : LicenzHost(dataDirectory: null, plainHttpListener: false)
{
    /// <summary>The self-hosted base URL, as the server prints it: <c>https://…/api/v1</c>.</summary>
    public Uri ApiBaseUrl => new(HttpsAddress, "/api/v1");

    /// <summary>The PEM file the server writes its certificate to (<c>licenz-data/tls/licenz-localhost.crt</c>).</summary>
    public string CertificatePath => TlsCertificate.PemPath(Services.GetRequiredService<IOptions<LicenzOptions>>().Value);

    public LicenzApplication WithSetting(string key, string? value)
    {
        Set(key, value);
        return this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
    }

    /// <summary>Client settings for this server: its base URL, the key (admin when null), its certificate trusted, its clock.</summary>
    public LicenzClientOptions OptionsFor(string? apiKey = null) => new()
    {
        ApiKey = apiKey ?? AdminKey,
        BaseUrl = ApiBaseUrl,
        TrustedCertificate = Certificate,
        TimeProvider = Time,
    };

    public LicenzClient CreateClient(string? apiKey = null, Action<LicenzClientOptions>? configure = null)
    {
        var options = OptionsFor(apiKey);
        configure?.Invoke(options);
        return new LicenzClient(options);
    }

    /// <summary>A client whose requests and responses pass through <paramref name="handler"/> (a man in the middle).</summary>
    public LicenzClient CreateClient(DelegatingHandler handler, string? apiKey = null, Action<LicenzClientOptions>? configure = null)
    {
        var options = OptionsFor(apiKey);
        configure?.Invoke(options);
        handler.InnerHandler = TrustingHandler();
        return new LicenzClient(new HttpClient(handler), options);
    }

    /// <summary>
    /// A plain HTTP client with the admin key, at the API's base, for what the SDK has no call for yet (policies,
    /// entitlements): tests set up with it what they then exercise through the SDK.
    /// </summary>
    public HttpClient CreateAdminHttpClient() => new(TrustingHandler())
    {
        BaseAddress = new Uri(ApiBaseUrl + "/"),
        DefaultRequestHeaders = { Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminKey) },
    };

    /// <summary>A connection handler that trusts exactly this server's certificate.</summary>
    public SocketsHttpHandler TrustingHandler() => new()
    {
        SslOptions =
        {
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
                CustomTrustStore = { Certificate },
            },
        },
    };
}

/// <summary>A server whose default account is on the Free plan: 100 requests a minute.</summary>
public sealed class FreePlanApplication : LicenzApplication
{
    public FreePlanApplication() => WithSetting("Licenz:Plan", "free");
}

/// <summary>A server whose default account is on the Enterprise plan: no limit.</summary>
public sealed class EnterprisePlanApplication : LicenzApplication
{
    public EnterprisePlanApplication() => WithSetting("Licenz:Plan", "enterprise");
}

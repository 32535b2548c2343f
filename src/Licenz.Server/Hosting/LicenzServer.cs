using System.Net;
using Licenz.Server.Accounts;
using Licenz.Server.Activity;
using Licenz.Server.ApiKeys;
using Licenz.Server.Caching;
using Licenz.Server.Dashboard;
using Licenz.Server.Data;
using Licenz.Server.Entitlements;
using Licenz.Server.Events;
using Licenz.Server.Health;
using Licenz.Server.Http;
using Licenz.Server.Licenses;
using Licenz.Server.Machines;
using Licenz.Server.Metrics;
using Licenz.Server.OpenApi;
using Licenz.Server.Policies;
using Licenz.Server.Products;
using Licenz.Server.RateLimiting;
using Licenz.Server.Redis;
using Licenz.Server.Signing;
using Licenz.Server.Verification;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Hosting;

/// <summary>How the server is put together: services, then the request path.</summary>
public static class LicenzServer
{
    public const string DefaultUrl = "https://localhost:8443";

    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var configuration = builder.Configuration;
        var addressConfigured = !string.IsNullOrEmpty(configuration["urls"])
            || !string.IsNullOrEmpty(configuration["http_ports"])
            || !string.IsNullOrEmpty(configuration["https_ports"])
            || configuration.GetSection("Kestrel:Endpoints").Exists();
        if (!addressConfigured)
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
        else if (HttpsAddressCheck.Problem(configuration) is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        // Quiet defaults at the lowest priority: appsettings.json, Logging__LogLevel__… variables and arguments still change them.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = LoggingDefaults });
        builder.Services.AddLicenzServer(builder.Configuration);
        return builder;
    }

    private static readonly Dictionary<string, string?> LoggingDefaults = new()
    {
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Warning",

        // The hosting layer starts an Activity and a log scope for every request as soon as this category logs
        // anything at all, only to give its request-start/finish lines (Information) a trace id; at Warning those
        // lines are off anyway. Off, the verify path is spared both. A tracing listener (OpenTelemetry) still gets
        // its activities, and unexpected errors are logged by ApiErrorMiddleware.
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "None",
    };

    public static IServiceCollection AddLicenzServer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IValidateOptions<LicenzOptions>, LicenzOptionsValidator>();
        services.AddSingleton<IValidateOptions<LicenzOptions>, KestrelCertificateValidator>();
        services.AddOptions<LicenzOptions>().BindConfiguration(LicenzOptions.Section).ValidateOnStart();

        services.AddLicenzDatabase(configuration);
        services.AddAccounts();
        services.AddApiKeys();
        services.AddProducts();
        services.AddLicenses();
        services.AddPolicies();
        services.AddEntitlements();
        services.AddMachines();
        services.AddSigning();
        services.AddVerificationCache();
        services.AddActivity();
        services.AddLicenzHealth();
        services.AddLicenzMetrics();
        services.AddLicenzRedis();
        services.AddRateLimiting();

        services.AddSingleton<TlsCertificate>();
        services.AddSingleton<StartupOutput>();
        services.AddHostedService<LicenzStartup>();
        services.AddOptions<KestrelServerOptions>().Configure<TlsCertificate, IOptions<LicenzOptions>>((kestrel, tls, options) =>
        {
            // Kestrel counts the chunk-size lines of a chunked body against its limit (Http1ChunkedEncodingMessageBody
            // adds each prefix to the observed bytes; with the limit set exactly, BadInputTests' chunked body of exactly
            // the limit is refused), so it would refuse chunked bodies just under Licenz:MaxRequestBodyBytes. The API
            // enforces that limit exactly on the body itself (RequestRulesMiddleware, JsonRequestBody); Kestrel's limit
            // is only the backstop against abuse.
            kestrel.Limits.MaxRequestBodySize = 2L * options.Value.MaxRequestBodyBytes;
            kestrel.AddServerHeader = false;
            kestrel.ConfigureEndpointDefaults(PlainHttpOnTlsPort.Apply);
            if (!tls.IsConfiguredByOperator)
            {
                kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate ??= tls.Certificate);
            }
        });

        services.AddOptions<RequestBodyOptions>().Configure<IOptions<LicenzOptions>>((body, options) => body.MaxBytes = options.Value.MaxRequestBodyBytes);
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<LicenzOptions>>((forwarded, options) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Only the configured proxies are believed; the framework's default (loopback) is not.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var entry in options.Value.TrustedProxies)
            {
                if (IPAddress.TryParse(entry, out var address))
                {
                    forwarded.KnownProxies.Add(address);
                }
                else if (System.Net.IPNetwork.TryParse(entry, out var network))
                {
                    forwarded.KnownIPNetworks.Add(network);
                }
            }
        });

        services.ConfigureHttpJsonOptions(json => HttpJsonContext.Apply(json.SerializerOptions, LicensesJsonContext.Default, VerificationJsonContext.Default,
            ProductsJsonContext.Default, PoliciesJsonContext.Default, EntitlementsJsonContext.Default, MachinesJsonContext.Default, ApiKeysJsonContext.Default, SigningJsonContext.Default, AccountsJsonContext.Default, EventsJsonContext.Default));
        services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        var authentication = ApiKeyAuthenticationHandler.AddApiKeyAuthentication(services);
        services.AddAuthorizationBuilder().AddScopePolicies();
        services.AddLicenzDashboard(authentication);
        services.AddLicenzOpenApi();
        return services;
    }

    /// <summary>
    /// The request path, in this order:
    /// <list type="number">
    /// <item>forwarded headers (only from configured proxies), then the <c>/v1</c> alias mapped to <c>/api/v1</c>, so
    /// routing sees one path for both bases;</item>
    /// <item>routing: from here on, what applies to a request is read from its endpoint's metadata, never its path; a
    /// request no endpoint takes is answered with the API's conventions; the endpoint's security headers are set;</item>
    /// <item>signing of the endpoints declared <c>WithSignedResponse()</c>: outside everything below, so refusals
    /// (400, 401, 429) are signed too;</item>
    /// <item>the error envelope around everything below (and <c>Cache-Control: no-store</c> on every answer);</item>
    /// <item>API key authentication, then the plan rate limit of endpoints that carry it (every API endpoint)
    /// (before the HTTPS check, so that a refusal carries the rate-limit headers too);</item>
    /// <item>HTTPS only; then authorization (the endpoint's scope), the key's last use, the body rules; the endpoint.</item>
    /// </list>
    /// </summary>
    public static WebApplication UseLicenzServer(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<LicenzOptions>>().Value.TrustedProxies.Count > 0)
        {
            // Without trusted proxies the middleware would believe anyone: leave it out entirely.
            app.UseForwardedHeaders();
        }

        app.UseMiddleware<ShortBaseAlias>();
        app.UseRouting();
        app.UseMiddleware<EndpointConventionsMiddleware>(LicenzEndpoints.ApiConventions);
        app.UseMiddleware<SignedResponseMiddleware>();
        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseAuthentication();
        app.UseMiddleware<RateLimitMiddleware>();
        app.UseMiddleware<HttpsOnlyMiddleware>();
        app.UseAuthorization();
        app.UseMiddleware<ApiKeyUsageMiddleware>();
        app.UseMiddleware<RequestRulesMiddleware>();

        app.MapLicenzEndpoints();
        return app;
    }
}

using System.Diagnostics.Metrics;
using System.Net;
using Licenz.Server.Http;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Licenz.Server.Metrics;

/// <summary>
/// <c>/metrics</c> in Prometheus' text format, at the host root like the health probes: outside the API's envelope,
/// rate limit and key checks, over HTTPS, readable only from <see cref="MetricsOptions.AllowedNetworks"/>. It shows
/// ASP.NET Core's own <c>http.server.request.duration</c> (per route template, method and status) and
/// <see cref="LicenzMetrics"/>.
/// </summary>
/// <remarks>
/// The OpenTelemetry SDK collects the meters and its Prometheus exporter writes the page. The SDK and its hosting
/// package are stable; the exporter is a pre-release, but it is the one exporter that turns .NET's instruments into
/// proper Prometheus types: counters as <c>_total</c> counters, the framework's own histogram buckets (5 ms to 10 s),
/// units in the names. prometheus-net (stable, last released January 2024) publishes a .NET counter as a gauge, drops a
/// series after five idle minutes, and its first histogram bucket is 10 ms, so a verification of 1 ms and one of 9 ms look
/// the same.
/// Only this file names the exporter: instruments are plain <see cref="Meter"/>s.
/// </remarks>
public static class MetricsSetup
{
    public const string Path = "/metrics";

    /// <summary>The framework's meter of <c>http.server.request.duration</c> and <c>http.server.active_requests</c>.</summary>
    private const string HostingMeter = "Microsoft.AspNetCore.Hosting";

    public static IServiceCollection AddLicenzMetrics(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsOptionsValidator>();
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section).ValidateOnStart();
        services.AddSingleton<LicenzMetrics>();

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("licenz"))
            // Every scrape collects afresh: the exporter's default would answer scrapes within 300 ms with the last page.
            .WithMetrics(metrics => metrics.AddPrometheusExporter(exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0));
        services.ConfigureOpenTelemetryMeterProvider((provider, metrics) =>
        {
            if (!provider.GetRequiredService<IOptions<MetricsOptions>>().Value.Enabled)
            {
                // No meter is listened to, so the framework records no request duration and every count is a no-op.
                return;
            }

            // A meter listener hears every meter of the process by name; only this host's (those made by its own
            // IMeterFactory) are its to publish. One host per process in production; tests run several at once.
            var ownMeters = provider.GetRequiredService<IMeterFactory>();
            metrics.AddMeter(LicenzMetrics.MeterName, HostingMeter)
                .AddView(instrument => ReferenceEquals(instrument.Meter.Scope, ownMeters) ? null : MetricStreamConfiguration.Drop)
                // Made with the provider, not left to whichever service first needs it: its gauges are there from the first scrape.
                .AddInstrumentation(provider.GetRequiredService<LicenzMetrics>);
        });
        return services;
    }

    /// <summary>The scraping endpoint; when metrics are off, none (and conventions given to the result apply to nothing).</summary>
    public static IEndpointConventionBuilder MapLicenzMetrics(this IEndpointRouteBuilder routes)
    {
        var options = routes.ServiceProvider.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (!options.Enabled)
        {
            return new ConventionBuilders();
        }

        var allowed = options.Networks();
        return routes.MapPrometheusScrapingEndpoint(Path, meterProvider: null, configureBranchedPipeline: scrape => scrape.Use((context, next) =>
                Allows(allowed, context.Connection.RemoteIpAddress)
                    ? next(context)
                    : ApiResponses.WriteErrorAsync(context, StatusCodes.Status403Forbidden, ErrorCodes.Forbidden,
                        $"Metrics are readable only from the networks in {MetricsOptions.Section}:{nameof(MetricsOptions.AllowedNetworks)}.")),
                optionsName: null)
            // Scrapes are not requests the server serves; they would only add a series of their own.
            .DisableHttpMetrics();
    }

    /// <summary>The client after forwarded headers (only a trusted proxy's are believed).</summary>
    private static bool Allows(IReadOnlyList<IPNetwork> allowed, IPAddress? client)
    {
        if (client is null)
        {
            return false;
        }

        // A dual-stack socket reports an IPv4 client as ::ffff:a.b.c.d; the networks are written as IPv4.
        if (client.IsIPv4MappedToIPv6)
        {
            client = client.MapToIPv4();
        }

        return allowed.Any(network => network.Contains(client));
    }
}

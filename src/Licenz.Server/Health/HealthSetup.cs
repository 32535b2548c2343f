using System.Text.Json;
using Licenz.Server.Data;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Licenz.Server.Health;

/// <summary>
/// Probes for an orchestrator or a load balancer, at the host root: <c>/healthz</c> (liveness: the process answers;
/// no dependency is checked, so a database outage does not get the node restarted) and <c>/readyz</c> (readiness:
/// the database answers; with several nodes, also the shared Redis, degraded at worst: <see cref="Redis.RedisHealthCheck"/>).
/// The framework's health checks, outside the API's envelope, rate limit and key checks.
/// </summary>
public static class HealthSetup
{
    /// <summary>The tag of the checks /readyz runs.</summary>
    public const string Ready = "ready";

    public static IServiceCollection AddLicenzHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddDbContextCheck<LicenzDbContext>("database", tags: [Ready]);
        return services;
    }

    public static IEndpointConventionBuilder MapLicenzHealth(this IEndpointRouteBuilder routes) => new Http.ConventionBuilders(
        routes.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }),
        routes.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(Ready), ResponseWriter = WriteAsync }));

    /// <summary><c>{"status": "healthy", "checks": {"database": "healthy"}}</c>, with the status code the framework chose.</summary>
    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("status", Name(report.Status));
            json.WriteStartObject("checks");
            foreach (var (name, entry) in report.Entries)
            {
                json.WriteString(name, Name(entry.Status));
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return context.Response.Body.WriteAsync(buffer.ToArray()).AsTask();
    }

    private static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}

using Licenz.Server.Events;
using Licenz.Server.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Redis;

public static class RedisSetup
{
    /// <summary>
    /// The shared Redis connection (<see cref="RedisConnection"/>), its settings checked at start, the relay of committed
    /// changes between nodes (<see cref="EventRelay"/>), and — when <c>Licenz:Redis</c> is set — the readiness check <c>redis</c>.
    /// </summary>
    public static IServiceCollection AddLicenzRedis(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<RedisOptions>, RedisOptionsValidator>();
        services.AddOptions<RedisOptions>()
            .Configure<IConfiguration>((options, configuration) =>
            {
                // Licenz:Redis is the configuration string itself, not a section, so it is read as a value.
                options.Configuration = configuration[RedisOptions.ConfigurationKey];
                options.KeyPrefix = configuration[RedisOptions.KeyPrefixKey] ?? options.KeyPrefix;
            })
            .ValidateOnStart();
        services.AddSingleton<RedisConnection>();
        services.AddSingleton<RedisHealthCheck>();

        // Committed changes told to the other nodes, theirs heard here (does nothing without Licenz:Redis).
        services.AddSingleton<EventRelay>();
        services.AddSingleton<IEventSink>(provider => provider.GetRequiredService<EventRelay>());
        services.AddHostedService(provider => provider.GetRequiredService<EventRelay>());

        // Registered only when Redis is configured: a single node has no Redis to report on.
        services.AddOptions<HealthCheckServiceOptions>().Configure<IOptions<RedisOptions>>((health, redis) =>
        {
            if (redis.Value.IsConfigured)
            {
                health.Registrations.Add(new HealthCheckRegistration(
                    "redis", provider => provider.GetRequiredService<RedisHealthCheck>(), HealthStatus.Degraded, [HealthSetup.Ready]));
            }
        });
        return services;
    }
}

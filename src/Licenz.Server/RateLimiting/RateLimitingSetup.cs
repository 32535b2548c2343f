using Licenz.Server.Redis;
using Microsoft.Extensions.Options;

namespace Licenz.Server.RateLimiting;

public static class RateLimitingSetup
{
    /// <summary>
    /// The plans' budgets: the license-key share settings, checked at start, and the counter store — the shared Redis
    /// when <c>Licenz:Redis</c> is set (falling back to this node's memory while it is down), else this node's memory.
    /// </summary>
    public static IServiceCollection AddRateLimiting(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>();
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateOnStart();
        services.AddSingleton<InMemoryRateLimitStore>();
        services.AddSingleton<IRateLimitStore>(provider => provider.GetRequiredService<RedisConnection>().IsConfigured
            ? ActivatorUtilities.CreateInstance<RedisRateLimitStore>(provider)
            : provider.GetRequiredService<InMemoryRateLimitStore>());
        return services;
    }
}

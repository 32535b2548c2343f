using Licenz.Server.Events;

namespace Licenz.Server.Caching;

public static class CachingSetup
{
    /// <summary>The verification cache: kept true by the event spine, warmed at start.</summary>
    public static IServiceCollection AddVerificationCache(this IServiceCollection services)
    {
        services.AddOptions<CacheOptions>().BindConfiguration(CacheOptions.Section);
        services.AddSingleton<HotPathCache>();
        services.AddSingleton<Verification.LiveLicenseState>();
        services.AddSingleton<IEventSink, VerificationCacheInvalidation>();
        services.AddSingleton<CacheWarmup>();
        return services.AddHostedService(provider => provider.GetRequiredService<CacheWarmup>());
    }
}

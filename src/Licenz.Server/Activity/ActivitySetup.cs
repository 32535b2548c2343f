using Microsoft.Extensions.Options;

namespace Licenz.Server.Activity;

public static class ActivitySetup
{
    /// <summary>The batched writer of last-used (API keys) and last-validated (licenses) times.</summary>
    public static IServiceCollection AddActivity(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<ActivityOptions>, ActivityOptionsValidator>();
        services.AddOptions<ActivityOptions>().BindConfiguration(ActivityOptions.Section).ValidateOnStart();
        services.AddSingleton<ActivityRecorder>();
        return services.AddHostedService(provider => provider.GetRequiredService<ActivityRecorder>());
    }
}

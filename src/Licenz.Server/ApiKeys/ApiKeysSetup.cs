using Licenz.Server.Data;
using Licenz.Server.Events;
using Licenz.Server.Http;

namespace Licenz.Server.ApiKeys;

public static class ApiKeysSetup
{
    public static IServiceCollection AddApiKeys(this IServiceCollection services)
    {
        services.AddSingleton<ApiKeyResolver>();
        return services.AddEventSource<ApiKey, ApiKeyDto>("api_key", k => (k.Id, k.AccountId), (k, now) => k.ToDto(now), ApiKeysJsonContext.Default.ApiKeyDto);
    }
}

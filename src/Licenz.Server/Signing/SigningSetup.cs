using Licenz.Server.Data;
using Licenz.Server.Events;
using Licenz.Server.Http;

namespace Licenz.Server.Signing;

public static class SigningSetup
{
    public static IServiceCollection AddSigning(this IServiceCollection services)
    {
        services.AddSingleton<KeyEncryption>();
        services.AddSingleton<SigningKeyRing>();
        services.AddSingleton<IEventSink>(provider => provider.GetRequiredService<SigningKeyRing>());
        return services.AddEventSource<SigningKeyRecord, SigningKeyDto>("signing_key", k => (k.Id, k.AccountId),
            (k, _) => SigningKeysApi.ToDto(k), SigningJsonContext.Default.SigningKeyDto);
    }
}

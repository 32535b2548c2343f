using Licenz.Server.Data;
using Licenz.Server.Events;
using Licenz.Server.Http;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Signing;

public static class SigningSetup
{
    public static IServiceCollection AddSigning(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<KeyEncryptionOptions>, KeyEncryptionOptionsValidator>();
        services.AddOptions<KeyEncryptionOptions>().BindConfiguration(KeyEncryptionOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SigningOptions>, SigningOptionsValidator>();
        services.AddOptions<SigningOptions>().BindConfiguration(SigningOptions.Section).ValidateOnStart();
        services.AddSingleton<KeyEncryption>();
        services.AddSingleton<SigningKeyRing>();
        services.AddSingleton<IEventSink>(provider => provider.GetRequiredService<SigningKeyRing>());
        services.AddSingleton<Revocations.RevocationLists>();
        services.AddSingleton<IEventSink>(provider => provider.GetRequiredService<Revocations.RevocationLists>());
        return services.AddEventSource<SigningKeyRecord, SigningKeyDto>("signing_key", k => (k.Id, k.AccountId),
            (k, _) => SigningKeysApi.ToDto(k), SigningJsonContext.Default.SigningKeyDto);
    }
}

using Licenz.Server.Data;
using Licenz.Server.Events;
using Licenz.Server.Http;

namespace Licenz.Server.Licenses;

public static class LicensesSetup
{
    public static IServiceCollection AddLicenses(this IServiceCollection services)
    {
        services.AddSingleton<LicenseKeyProtection>();
        services.AddSingleton<LicenseLookup>();

        // The log keeps the license as the API shows it, but its key masked; the event carries the keyed hash instead,
        // for the verification cache here and on other nodes.
        return services.AddEventSource<License, LicenseDto>("license", l => (l.Id, l.AccountId),
            provider =>
            {
                var keys = provider.GetRequiredService<LicenseKeyProtection>();
                return (l, now) => l.ToDto(LicenseKeyProtection.Mask(keys.Open(l)), now);
            },
            LicensesJsonContext.Default.LicenseDto, l => l.KeyHash);
    }
}

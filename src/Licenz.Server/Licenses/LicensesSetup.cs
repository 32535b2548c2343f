using Licenz.Server.Data;
using Licenz.Server.Events;
using Licenz.Server.Http;

namespace Licenz.Server.Licenses;

public static class LicensesSetup
{
    public static IServiceCollection AddLicenses(this IServiceCollection services)
    {
        services.AddSingleton<LicenseLookup>();
        return services.AddEventSource<License, LicenseDto>("license", l => (l.Id, l.AccountId), (l, now) => l.ToDto(now), LicensesJsonContext.Default.LicenseDto);
    }
}

using Licenz.Server.Data;
using Licenz.Server.Events;
using Licenz.Server.Http;
using Licenz.Server.RateLimiting;

namespace Licenz.Server.Accounts;

/// <summary>An account as its events show it.</summary>
/// <param name="Plan">free, starter, growth, business or enterprise.</param>
public sealed record AccountDto(string Id, string Name, string Plan, bool IsDefault, DateTime CreatedAt);

public static class AccountsSetup
{
    public static IServiceCollection AddAccounts(this IServiceCollection services)
    {
        services.AddScoped<AccountProvisioner>();
        return services.AddEventSource<Account, AccountDto>("account", a => (a.Id, a.Id),
            (a, _) => new AccountDto(a.Id, a.Name, a.Plan.Name(), a.IsDefault, a.CreatedAt), AccountsJsonContext.Default.AccountDto);
    }
}

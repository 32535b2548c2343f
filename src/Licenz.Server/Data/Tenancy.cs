namespace Licenz.Server.Data;

/// <summary>Request feature: the account a request acts for, and the API key acting (set by authentication).</summary>
public interface IRequestTenant
{
    string AccountId { get; }

    /// <summary>Null for work the server does on an account's behalf (a command, a background job).</summary>
    string? KeyId { get; }
}

/// <summary>
/// Which account a database context serves (its tenant query filter, see <see cref="LicenzDbContext"/>) and who acts
/// (recorded on events). Inside a request: the authenticated caller's, read when a query runs. Outside one (start-up,
/// commands, background work): none, unless <see cref="Serve"/> names one — and then no account-owned row is visible
/// to a query that does not opt out by name.
/// </summary>
public sealed class Tenancy(IHttpContextAccessor accessor)
{
    private IRequestTenant? _served;

    public string? AccountId => Current?.AccountId;

    public string? ActorKeyId => Current?.KeyId;

    private IRequestTenant? Current => _served ?? accessor.HttpContext?.Features.Get<IRequestTenant>();

    /// <summary>Serves <paramref name="accountId"/> outside a request (a command acting for one account).</summary>
    public void Serve(string accountId, string? actorKeyId = null) => _served = new Served(accountId, actorKeyId);

    private sealed record Served(string AccountId, string? KeyId) : IRequestTenant;
}

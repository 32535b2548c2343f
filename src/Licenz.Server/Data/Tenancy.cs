namespace Licenz.Server.Data;

/// <summary>Who acts: the account a request (or a command) acts for, and the API key acting.</summary>
public interface IRequestTenant
{
    string AccountId { get; }

    /// <summary>Null for work the server does on an account's behalf (a command, a background job).</summary>
    string? KeyId { get; }
}

/// <summary>
/// Which account a database context serves (its tenant query filter, see <see cref="LicenzDbContext"/>) and who acts
/// (recorded on events), for one DI scope. In a request, authentication serves the caller's account (the API key
/// handler, or the dashboard's session check). Anywhere else (start-up, commands, background work) it serves none,
/// unless <see cref="Serve(string, string?)"/> names one — and then no account-owned row is visible to a query that
/// does not opt out by name.
/// </summary>
/// <remarks>
/// Pushed by authentication rather than read from the request through <c>IHttpContextAccessor</c>: registering the
/// accessor costs every request two async-local writes, 3 % more CPU per verification (<c>bench/compare.sh</c>, 4 of 4
/// paired rounds).
/// </remarks>
public sealed class Tenancy
{
    private IRequestTenant? _served;

    public string? AccountId => _served?.AccountId;

    public string? ActorKeyId => _served?.KeyId;

    /// <summary>Serves the authenticated caller's account.</summary>
    public void Serve(IRequestTenant tenant) => _served = tenant;

    /// <summary>Serves <paramref name="accountId"/> outside a request (a command acting for one account).</summary>
    public void Serve(string accountId, string? actorKeyId = null) => _served = new Served(accountId, actorKeyId);

    private sealed record Served(string AccountId, string? KeyId) : IRequestTenant;
}

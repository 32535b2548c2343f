using Licenz.Server.Accounts;
using Licenz.Server.Data;
using Licenz.Server.RateLimiting;

namespace Licenz.Server.ApiKeys;

/// <summary>Who is calling: the account and key behind an authenticated request. Stored as a request feature.</summary>
public sealed record ApiCaller(string AccountId, Plan Plan, string KeyId, ApiKeyType KeyType) : IRequestTenant
{
    /// <summary>The rate-limit counter this caller's requests count against: its account's (every key of it shares the budget).</summary>
    public string RateLimitPartition { get; } = "account:" + AccountId;
}

public static class ApiCallerExtensions
{
    /// <summary>The authenticated caller. Only call from endpoints that require a scope.</summary>
    public static ApiCaller Caller(this HttpContext context) =>
        context.Features.Get<ApiCaller>() ?? throw new InvalidOperationException("The endpoint requires an authenticated caller.");
}

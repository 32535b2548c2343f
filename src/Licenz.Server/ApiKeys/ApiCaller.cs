using Licenz.Server.Accounts;
using Licenz.Server.Data;
using Licenz.Server.RateLimiting;

namespace Licenz.Server.ApiKeys;

/// <summary>Who is calling: the account and key behind an authenticated request. Stored as a request feature.</summary>
public sealed record ApiCaller(string AccountId, Plan Plan, string KeyId, ApiKeyType KeyType) : IRequestTenant
{
    /// <summary>
    /// Client traffic: a verify-only key, the kind shipped inside every copy of an application. It has a budget of its
    /// own, apart from the vendor's management traffic (admin and read-only keys), so that customers can never use up
    /// what the vendor's scripts and dashboard need.
    /// </summary>
    public bool IsClientTraffic => KeyType == ApiKeyType.VerifyOnly;

    /// <summary>The rate-limit budget this caller's requests count against: its account's client or management budget.</summary>
    public string RateLimitPartition { get; } = Partition(AccountId, clientTraffic: KeyType == ApiKeyType.VerifyOnly);

    /// <summary>The name of an account's client or management budget in the rate-limit stores.</summary>
    public static string Partition(string accountId, bool clientTraffic) => accountId + (clientTraffic ? ":client" : ":management");
}

public static class ApiCallerExtensions
{
    /// <summary>The authenticated caller. Only call from endpoints that require a scope.</summary>
    public static ApiCaller Caller(this HttpContext context) =>
        context.Features.Get<ApiCaller>() ?? throw new InvalidOperationException("The endpoint requires an authenticated caller.");
}

namespace Licenz.Server.RateLimiting;

/// <summary>
/// Endpoint metadata: requests count against the caller's plan (the account's client or management budget), or, without
/// a valid key, against the client address; answers carry the <c>X-RateLimit-*</c> headers (see <see cref="RateLimitMiddleware"/>).
/// </summary>
public sealed class PlanRateLimitMetadata
{
    public static readonly PlanRateLimitMetadata Instance = new();

    private PlanRateLimitMetadata()
    {
    }
}

using System.Globalization;
using Licenz.Server.Accounts;
using Licenz.Server.ApiKeys;
using Licenz.Server.Hosting;
using Licenz.Server.Http;
using Microsoft.Extensions.Options;

namespace Licenz.Server.RateLimiting;

/// <summary>
/// Per-minute budgets for endpoints declared <see cref="PlanRateLimitMetadata"/>: an
/// account's requests count against its plan; requests without a valid key count against their client address. Every
/// answer of such an endpoint carries the <c>X-RateLimit-*</c> headers; over the budget the answer is 429
/// <c>rate_limited</c> with <c>Retry-After</c>.
/// </summary>
public sealed class RateLimitMiddleware(RequestDelegate next, IRateLimitStore store, TimeProvider time, IOptions<LicenzOptions> options)
{
    private const int WindowSeconds = 60;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(WindowSeconds);
    private readonly int _anonymousLimit = options.Value.AnonymousRequestsPerMinute;
    private readonly string _anonymousLimitText = options.Value.AnonymousRequestsPerMinute.ToString(CultureInfo.InvariantCulture);

    public Task InvokeAsync(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<PlanRateLimitMetadata>() is null ? next(context) : CountAsync(context);

    private async Task CountAsync(HttpContext context)
    {
        var caller = context.Features.Get<ApiCaller>();
        var (partition, limit) = caller is not null
            ? (caller.RateLimitPartition, caller.Plan.RequestsPerMinute())
            : ("address:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown"), _anonymousLimit);

        var now = time.GetUtcNow();
        var nowSeconds = now.ToUnixTimeSeconds();
        var windowStart = nowSeconds - (nowSeconds % WindowSeconds);
        var reset = windowStart + WindowSeconds;
        var headers = context.Response.Headers;
        headers["X-RateLimit-Reset"] = reset.ToString(CultureInfo.InvariantCulture);

        if (limit is not { } budget)
        {
            headers["X-RateLimit-Limit"] = "unlimited";
            headers["X-RateLimit-Remaining"] = "unlimited";
            await next(context);
            return;
        }

        var count = await store.IncrementAsync(partition, windowStart, Window, context.RequestAborted);
        headers["X-RateLimit-Limit"] = caller is not null ? caller.Plan.LimitText() : _anonymousLimitText;
        headers["X-RateLimit-Remaining"] = Math.Max(0, budget - count).ToString(CultureInfo.InvariantCulture);

        if (count > budget)
        {
            var retryAfter = Math.Max(1, (long)Math.Ceiling((DateTimeOffset.FromUnixTimeSeconds(reset) - now).TotalSeconds));
            headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
            context.RequestServices.GetRequiredService<Metrics.LicenzMetrics>().RateLimited(caller?.Plan);
            var who = caller is not null ? $"this account's {caller.Plan.Name()} plan" : "requests without a valid API key from one address";
            await ApiResponses.WriteErrorAsync(context, StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited,
                $"Too many requests: {who} allows {budget} requests per minute. Retry after {retryAfter} seconds.");
            return;
        }

        await next(context);
    }
}

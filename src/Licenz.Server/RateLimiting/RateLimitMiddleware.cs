using System.Globalization;
using Licenz.Server.Accounts;
using Licenz.Server.ApiKeys;
using Licenz.Server.Hosting;
using Licenz.Server.Http;
using Licenz.Server.Metrics;
using Microsoft.Extensions.Options;

namespace Licenz.Server.RateLimiting;

/// <summary>
/// Per-minute budgets for endpoints declared <see cref="PlanRateLimitMetadata"/>, each at the plan's rate and counted in
/// a strict sliding window (<see cref="IRateLimitStore"/>): an account's <b>client</b> budget (verify-only keys, the
/// keys shipped inside applications) and its <b>management</b> budget (admin and read-only keys) are separate, so no
/// customer traffic can lock the vendor's own scripts and dashboard out; within the client budget one license key may
/// use only its share (<see cref="RateLimitOptions"/>, where the endpoint declares a <see cref="LicenseKeyLocation"/>);
/// requests without a valid key count against their client address.
/// </summary>
/// <remarks>
/// Every answer carries <c>X-RateLimit-Limit</c>, <c>-Remaining</c> and <c>-Reset</c> for the budget that binds the
/// request: the one it counted against, or the license key's share where that leaves less. Remaining is what is left
/// now; Reset is the Unix second when the next slot of that budget frees (its oldest request leaves the window): the
/// moment Remaining grows again, and after a refusal the moment a retry can succeed. Over the budget the answer is 429
/// <c>rate_limited</c> naming the budget and the plan, with <c>Retry-After</c>.
/// </remarks>
public sealed class RateLimitMiddleware(
    RequestDelegate next, IRateLimitStore store, TimeProvider time, IOptions<LicenzOptions> options, IOptions<RateLimitOptions> rateLimits,
    IOptions<RequestBodyOptions> bodies, LicenzMetrics metrics)
{
    private const string Unlimited = "unlimited";
    private const long MicrosecondsPerSecond = 1_000_000;
    /// <summary>The plans' budgets are per sliding minute (the dashboard's Settings → Plan reads them over it too).</summary>
    internal static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private static readonly long WindowMicroseconds = Window.Ticks / TimeSpan.TicksPerMicrosecond;

    private readonly int _anonymousLimit = options.Value.AnonymousRequestsPerMinute;
    private readonly string _anonymousLimitText = options.Value.AnonymousRequestsPerMinute.ToString(CultureInfo.InvariantCulture);
    private readonly RateLimitOptions _rateLimits = rateLimits.Value;
    private readonly long _maxBodyBytes = bodies.Value.MaxBytes;

    public Task InvokeAsync(HttpContext context)
    {
        var metadata = context.GetEndpoint()?.Metadata;
        return metadata?.GetMetadata<PlanRateLimitMetadata>() is null ? next(context) : CountAsync(context, metadata);
    }

    private async Task CountAsync(HttpContext context, EndpointMetadataCollection metadata)
    {
        var caller = context.Features.Get<ApiCaller>();
        var headers = context.Response.Headers;
        string partition;
        int limit;
        if (caller is null)
        {
            partition = "address:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
            limit = _anonymousLimit;
        }
        else if (caller.Plan.RequestsPerMinute() is { } planLimit)
        {
            partition = caller.RateLimitPartition;
            limit = planLimit;
        }
        else
        {
            headers["X-RateLimit-Limit"] = Unlimited;
            headers["X-RateLimit-Remaining"] = Unlimited;
            // Nothing is counted, so no slot is ever waited for: the next one is free now.
            headers["X-RateLimit-Reset"] = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            await next(context);
            return;
        }

        var share = default(LicenseKeyShare);
        if (caller is { IsClientTraffic: true } && metadata.GetMetadata<LicenseKeyLocation>() is { } location)
        {
            share = new LicenseKeyShare(await location.IdentifyAsync(context, _maxBodyBytes), _rateLimits.ShareOf(limit));
        }

        var outcome = await store.AcquireAsync(new RateLimitRequest(partition, limit, Window, share), context.RequestAborted);
        var limitText = caller is null ? _anonymousLimitText : caller.Plan.LimitText();
        if (outcome.Allowed)
        {
            var budgetLeft = limit - outcome.Budget.Count;
            var shareLeft = share.Limit - outcome.Share.Count;
            if (share.Applies && shareLeft < budgetLeft)
            {
                SetHeaders(headers, share.Limit.ToString(CultureInfo.InvariantCulture), shareLeft, outcome.Share.Oldest + WindowMicroseconds);
            }
            else
            {
                SetHeaders(headers, limitText, budgetLeft, outcome.Budget.Oldest + WindowMicroseconds);
            }

            await next(context);
            return;
        }

        // Refused: by the budget when it is full (it is the one to name), else by the key's share. A retry needs a slot
        // in every window that is full.
        var budgetFull = outcome.Budget.Count >= limit;
        var shareFull = share.Applies && outcome.Share.Count >= share.Limit;
        var freesAt = Math.Max(budgetFull ? outcome.Budget.Oldest : 0, shareFull ? outcome.Share.Oldest : 0) + WindowMicroseconds;
        SetHeaders(headers, budgetFull ? limitText : share.Limit.ToString(CultureInfo.InvariantCulture), 0, freesAt);
        var retryAfter = Math.Max(1, CeilingSeconds(freesAt - outcome.Now));
        headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        metrics.RateLimited(caller?.Plan);
        var allowance = budgetFull
            ? $"{Budget(caller)} allows {limit} requests per minute"
            : $"one license key may use {share.Limit} of the {limit} requests per minute of {Budget(caller)}";
        await ApiResponses.WriteErrorAsync(context, StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited,
            $"Too many requests: {allowance}. Retry after {retryAfter} seconds.");
    }

    private static string Budget(ApiCaller? caller) => caller switch
    {
        null => "the budget of requests without a valid API key from one address",
        { IsClientTraffic: true } => $"the client budget (verify-only keys) of this account's {caller.Plan.Name()} plan",
        _ => $"the management budget (admin and read-only keys) of this account's {caller.Plan.Name()} plan",
    };

    private static void SetHeaders(IHeaderDictionary headers, string limit, int remaining, long freesAt)
    {
        headers["X-RateLimit-Limit"] = limit;
        headers["X-RateLimit-Remaining"] = remaining.ToString(CultureInfo.InvariantCulture);
        headers["X-RateLimit-Reset"] = CeilingSeconds(freesAt).ToString(CultureInfo.InvariantCulture);
    }

    private static long CeilingSeconds(long microseconds) =>
        microseconds / MicrosecondsPerSecond + (microseconds % MicrosecondsPerSecond > 0 ? 1 : 0);
}

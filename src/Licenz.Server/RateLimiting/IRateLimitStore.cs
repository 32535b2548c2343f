namespace Licenz.Server.RateLimiting;

/// <summary>
/// Where the sliding windows of accepted requests live. The in-memory store serves one node; several nodes share the
/// Redis store so that a budget is counted once, whichever node a request reaches.
/// </summary>
/// <remarks>
/// Both keep the same strict sliding log: a request is accepted when fewer than the limit were accepted in the window
/// before it, and only accepted requests are recorded. So no interval as long as the window ever holds more accepted
/// requests than the limit: were there one more, the last of them would have found the limit already reached. A refused
/// request costs nothing, so a client that keeps retrying gets back in as soon as a slot frees.
/// </remarks>
public interface IRateLimitStore
{
    /// <summary>
    /// Accepts one request if the budget's window (and, when one applies, the license key's share) has room, recording
    /// it in both, atomically; a refusal records nothing.
    /// </summary>
    ValueTask<RateLimitOutcome> AcquireAsync(RateLimitRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// How much of a budget's window is taken now, recording nothing (the dashboard's Settings → Plan). Requests that have
    /// left the window are dropped from the log, as the next request would drop them.
    /// </summary>
    ValueTask<WindowCount> PeekAsync(string partition, TimeSpan window, CancellationToken cancellationToken);
}

/// <param name="Partition">The budget counted against: an account's client or management budget, or a client address.</param>
/// <param name="Limit">Requests the budget allows per <paramref name="Window"/>.</param>
/// <param name="Window">The length of the sliding window (a minute for the plans).</param>
/// <param name="Share">The license key's share within the budget, or none.</param>
public readonly record struct RateLimitRequest(string Partition, int Limit, TimeSpan Window, LicenseKeyShare Share = default);

/// <summary>A license key's share of a budget: which key (a hash, never the key itself) and how many requests it may have per window.</summary>
/// <param name="Key">The first 128 bits of the SHA-256 of the canonical key (<see cref="LicenseKeyLocation"/>).</param>
/// <param name="Limit">The most requests of the window one key may have; 0 where no share applies.</param>
public readonly record struct LicenseKeyShare(UInt128 Key, int Limit)
{
    public bool Applies => Limit > 0;
}

/// <summary>What the store decided, on its clock: times are microseconds since the Unix epoch.</summary>
/// <param name="Allowed">Whether the request was accepted (and recorded).</param>
/// <param name="Now">The store's time of the decision.</param>
/// <param name="Budget">The budget's window after the decision.</param>
/// <param name="Share">The license key's window after the decision; empty when no share applies.</param>
public readonly record struct RateLimitOutcome(bool Allowed, long Now, WindowCount Budget, WindowCount Share);

/// <param name="Count">Requests accepted within the window, this one included when it was.</param>
/// <param name="Oldest">When the oldest of them was accepted (0 when there is none): its slot frees one window later.</param>
public readonly record struct WindowCount(int Count, long Oldest);

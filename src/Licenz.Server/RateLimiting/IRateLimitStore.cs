namespace Licenz.Server.RateLimiting;

/// <summary>
/// Where request counters live. The in-memory store serves one node; several nodes over one
/// database share a store (Redis) so that an account's budget is counted once.
/// </summary>
public interface IRateLimitStore
{
    /// <summary>Counts one request of <paramref name="partition"/> in the fixed window starting at
    /// <paramref name="windowStart"/> (Unix seconds) and returns the count including it.</summary>
    ValueTask<long> IncrementAsync(string partition, long windowStart, TimeSpan window, CancellationToken cancellationToken);
}

using System.Collections.Concurrent;

namespace Licenz.Server.RateLimiting;

/// <summary>Fixed-window counters in this process. Windows that have ended are dropped when a new one begins.</summary>
public sealed class InMemoryRateLimitStore : IRateLimitStore
{
    private readonly ConcurrentDictionary<(string Partition, long Window), Counter> _counters = new();
    private long _newestWindow;

    public ValueTask<long> IncrementAsync(string partition, long windowStart, TimeSpan window, CancellationToken cancellationToken)
    {
        var newest = Interlocked.Read(ref _newestWindow);
        if (windowStart > newest && Interlocked.CompareExchange(ref _newestWindow, windowStart, newest) == newest)
        {
            foreach (var key in _counters.Keys)
            {
                if (key.Window < windowStart)
                {
                    _counters.TryRemove(key, out _);
                }
            }
        }

        var counter = _counters.GetOrAdd((partition, windowStart), static _ => new Counter());
        return ValueTask.FromResult(Interlocked.Increment(ref counter.Count));
    }

    private sealed class Counter
    {
        public long Count;
    }
}

using System.Collections.Concurrent;

namespace Licenz.Server.RateLimiting;

/// <summary>
/// Sliding logs in this process, on the node's clock: the store of a single node, and a node's fallback while the shared
/// Redis is unreachable.
/// </summary>
/// <remarks>
/// A budget and the license-key shares within it sit behind one lock, so a request is checked and recorded against both
/// at once; the lock is held for a few array operations. About once a window the logs that have emptied are dropped, so
/// memory follows the keys and addresses active in the last minute.
/// </remarks>
public sealed class InMemoryRateLimitStore(TimeProvider time) : IRateLimitStore
{
    private readonly ConcurrentDictionary<string, Budget> _budgets = new(StringComparer.Ordinal);
    private long _nextSweep;

    public ValueTask<RateLimitOutcome> AcquireAsync(RateLimitRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Acquire(request));

    public ValueTask<WindowCount> PeekAsync(string partition, TimeSpan window, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Peek(partition, window));

    public WindowCount Peek(string partition, TimeSpan window)
    {
        if (!_budgets.TryGetValue(partition, out var budget))
        {
            return default;
        }

        lock (budget)
        {
            return budget.Dropped ? default : budget.Peek(Now() - window.Ticks / TimeSpan.TicksPerMicrosecond);
        }
    }

    private long Now() => (time.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    /// <summary>Budgets currently held (tests).</summary>
    internal int BudgetCount => _budgets.Count;

    public RateLimitOutcome Acquire(in RateLimitRequest request)
    {
        var now = Now();
        var window = request.Window.Ticks / TimeSpan.TicksPerMicrosecond;
        SweepIfDue(now, window);
        while (true)
        {
            var budget = _budgets.GetOrAdd(request.Partition, static _ => new Budget());
            lock (budget)
            {
                // A budget the sweep has just dropped is no longer in the dictionary: take the one that replaces it.
                if (!budget.Dropped)
                {
                    return budget.Acquire(now, window, request);
                }
            }
        }
    }

    private void SweepIfDue(long now, long window)
    {
        var due = Interlocked.Read(ref _nextSweep);
        if (now < due || Interlocked.CompareExchange(ref _nextSweep, now + window, due) != due)
        {
            return;
        }

        foreach (var (partition, budget) in _budgets)
        {
            lock (budget)
            {
                if (budget.Sweep(now - window))
                {
                    budget.Dropped = true;
                    _budgets.TryRemove(new KeyValuePair<string, Budget>(partition, budget));
                }
            }
        }
    }

    private sealed class Budget
    {
        private readonly SlidingLog _log = new();
        private Dictionary<UInt128, SlidingLog>? _shares;

        public bool Dropped;

        public RateLimitOutcome Acquire(long now, long window, in RateLimitRequest request)
        {
            var since = now - window;
            _log.Trim(since);
            SlidingLog? share = null;
            if (request.Share.Applies)
            {
                _shares ??= [];
                if (!_shares.TryGetValue(request.Share.Key, out share))
                {
                    share = new SlidingLog();
                    _shares.Add(request.Share.Key, share);
                }

                share.Trim(since);
            }

            var allowed = _log.Count < request.Limit && (share is null || share.Count < request.Share.Limit);
            if (allowed)
            {
                _log.Add(now);
                share?.Add(now);
            }

            return new RateLimitOutcome(allowed, now, _log.State, share?.State ?? default);
        }

        public WindowCount Peek(long since)
        {
            _log.Trim(since);
            return _log.State;
        }

        /// <summary>Drops the shares that have emptied; true when the whole budget has.</summary>
        public bool Sweep(long since)
        {
            _log.Trim(since);
            if (_shares is not null)
            {
                foreach (var (key, share) in _shares)
                {
                    share.Trim(since);
                    if (share.Count == 0)
                    {
                        _shares.Remove(key);
                    }
                }
            }

            return _log.Count == 0 && (_shares is null || _shares.Count == 0);
        }
    }
}

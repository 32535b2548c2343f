namespace Licenz.Server.RateLimiting;

/// <summary>
/// The times of the requests accepted within one window, oldest first, in a ring that grows to the largest count it
/// has held (at most the limit: 10,000 times, 80 KB, for a Business budget). Not thread-safe: its owner locks.
/// </summary>
internal sealed class SlidingLog
{
    private long[] _times = new long[4];
    private int _oldest;

    public int Count { get; private set; }

    /// <summary>The oldest time within the window, or 0 when the log is empty.</summary>
    public long Oldest => Count == 0 ? 0 : _times[_oldest];

    public WindowCount State => new(Count, Oldest);

    /// <summary>Drops the times at or before <paramref name="since"/>: they have left the window.</summary>
    public void Trim(long since)
    {
        while (Count > 0 && _times[_oldest] <= since)
        {
            _oldest = (_oldest + 1) % _times.Length;
            Count--;
        }
    }

    public void Add(long time)
    {
        if (Count == _times.Length)
        {
            var grown = new long[_times.Length * 2];
            for (var i = 0; i < Count; i++)
            {
                grown[i] = _times[(_oldest + i) % _times.Length];
            }

            _times = grown;
            _oldest = 0;
        }

        _times[(_oldest + Count) % _times.Length] = time;
        Count++;
    }
}

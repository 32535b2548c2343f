using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Licenz.Server.Caching;

/// <summary>
/// A concurrent dictionary with a bound on its number of entries and a maximum age for each, and nothing else: one
/// node per entry (the key, a reference to the value and when it goes stale), no per-entry options or callbacks. Reads
/// are lock-free; writes are made under the owner's lock (<see cref="HotPathCache"/>), which keeps the count exact.
/// </summary>
/// <remarks>
/// When full, a store first drops the entries past their age (at most once every tenth of the age: a sweep walks every
/// entry) and, if that made no room, is not made: what is cached stays until it ages or is invalidated, and the value
/// is read from the database meanwhile. Entries are loaded newest license first and every entry is read again within
/// the maximum age, so a full cache turns over, within one age, to the licenses verified during it.
/// </remarks>
internal sealed class BoundedCache<TKey, TValue>(int capacity, TimeSpan maxAge, TimeProvider time)
    where TKey : notnull
    where TValue : class
{
    private readonly ConcurrentDictionary<TKey, Entry> _entries = new();
    private readonly long _maxAge = (long)(maxAge.TotalSeconds * time.TimestampFrequency);
    private int _count;
    private long _nextSweep;

    public int Count => Volatile.Read(ref _count);

    public bool TryGet(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        if (_entries.TryGetValue(key, out var entry) && time.GetTimestamp() < entry.StaleAt)
        {
            value = entry.Value;
            return true;
        }

        value = null;
        return false;
    }

    /// <summary>Stores or replaces an entry, unless the cache is full. Callers hold the owner's lock.</summary>
    public void Set(TKey key, TValue value)
    {
        var now = time.GetTimestamp();
        if (_count >= capacity && !_entries.ContainsKey(key) && !(Sweep(now) && _count < capacity))
        {
            return;
        }

        // Spread over the last fifth of the age, so entries loaded together are not all read again together.
        var entry = new Entry(value, now + (long)(_maxAge * (0.8 + (0.2 * Random.Shared.NextDouble()))));
        if (_entries.TryAdd(key, entry))
        {
            _count++;
        }
        else
        {
            _entries[key] = entry;
        }
    }

    /// <summary>Callers hold the owner's lock.</summary>
    public void Remove(TKey key)
    {
        if (_entries.TryRemove(key, out _))
        {
            _count--;
        }
    }

    /// <summary>Callers hold the owner's lock.</summary>
    public void Clear()
    {
        _entries.Clear();
        _count = 0;
    }

    private bool Sweep(long now)
    {
        if (now < _nextSweep)
        {
            return false;
        }

        _nextSweep = now + (_maxAge / 10);
        foreach (var (key, entry) in _entries)
        {
            if (entry.StaleAt <= now && _entries.TryRemove(new KeyValuePair<TKey, Entry>(key, entry)))
            {
                _count--;
            }
        }

        return true;
    }

    /// <summary>Stored inline in the dictionary's node: no object of its own.</summary>
    private readonly record struct Entry(TValue Value, long StaleAt);
}

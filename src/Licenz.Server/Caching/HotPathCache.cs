using System.Text.Json;
using Licenz.Server.Accounts;
using Licenz.Server.ApiKeys;
using Licenz.Server.Licenses;
using Licenz.Server.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Caching;

/// <summary>Settings under <c>Licenz:Cache</c>.</summary>
public sealed class CacheOptions
{
    public const string Section = "Licenz:Cache";

    /// <summary>How many licenses (and, separately, API keys) are kept in memory at most; about 1 KB each.</summary>
    public int MaxEntries { get; set; } = 1_000_000;

    /// <summary>
    /// The longest an entry is served before it is read again. Every write through the server invalidates at
    /// once; the age only bounds how long a change made behind its back (by hand, in the database) goes unseen.
    /// </summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Load licenses into the cache at start (newest first, up to <see cref="MaxEntries"/>), so first verifications are not misses.</summary>
    public bool Preload { get; set; } = true;
}

/// <summary>What verification needs of an API key, kept so that a request needs no database read.</summary>
public sealed record CachedApiKey(string KeyId, string AccountId, ApiKeyType Type, byte[] SecretHash, DateTime? ExpiresAt, bool Revoked, Plan Plan)
{
    /// <summary>Who a request with this key is; built once per cached key rather than once per request.</summary>
    public ApiCaller Caller { get; } = new(AccountId, Plan, KeyId, Type);

    /// <summary>The ticket (principal: key id and account) a request with this key authenticates with; never modified, so requests share it.</summary>
    public AuthenticationTicket Ticket { get; } = ApiKeyAuthenticationHandler.TicketFor(KeyId, AccountId);
}

/// <summary>What verification needs of a license, with its metadata already parsed.</summary>
public sealed record CachedLicense(
    string Id, string AccountId, string ProductId, string Key, LicenseType Type, LicenseStatus Status,
    DateTime? ExpiresAt, DateTime CreatedAt, JsonElement Metadata);

/// <summary>
/// The verification hot path's lookups — API keys by lookup id, licenses by key — served from memory.
/// Correctness first: every change saved through the database context invalidates the entries it touches
/// as soon as it is committed (the event spine feeds <see cref="VerificationCacheInvalidation"/>), and a load that raced with a
/// change is never stored, so a revoked key or a suspended license is refused on the very next request.
/// </summary>
public sealed class HotPathCache : IDisposable
{
    private readonly MemoryCache _apiKeys;
    private readonly MemoryCache _licenses;
    private readonly TimeSpan _maxAge;
    private readonly Lock _gate = new();
    private long _epoch;

    public HotPathCache(IOptions<CacheOptions> options, TimeProvider time)
    {
        _maxAge = options.Value.MaxAge;
        // Two caches rather than one with prefixed keys: a lookup then needs no new string.
        _apiKeys = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.MaxEntries, Clock = new TimeProviderClock(time) });
        _licenses = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.MaxEntries, Clock = new TimeProviderClock(time) });
    }

    /// <summary>Take before reading the database; pass to Store so a load that raced with a change is dropped.</summary>
    public long Epoch => Volatile.Read(ref _epoch);

    public bool TryGetApiKey(string lookupId, out CachedApiKey? key) => _apiKeys.TryGetValue(lookupId, out key);

    public bool TryGetLicense(string licenseKey, out CachedLicense? license) => _licenses.TryGetValue(licenseKey, out license);

    public void StoreApiKey(string lookupId, CachedApiKey key, long epoch) => Store(_apiKeys, lookupId, key, epoch);

    public void StoreLicense(string licenseKey, CachedLicense license, long epoch) => Store(_licenses, licenseKey, license, epoch);

    /// <summary>Drops entries after a committed change. Any load that started before it will not be stored.</summary>
    public void Invalidate(IReadOnlyCollection<string> apiKeyLookupIds, IReadOnlyCollection<string> licenseKeys, bool everyApiKey)
    {
        lock (_gate)
        {
            _epoch++;
            if (everyApiKey)
            {
                // An account changed (its plan): API key entries carry it, so all of them go. Rare.
                _apiKeys.Clear();
            }

            foreach (var lookupId in apiKeyLookupIds)
            {
                _apiKeys.Remove(lookupId);
            }

            foreach (var licenseKey in licenseKeys)
            {
                _licenses.Remove(licenseKey);
            }
        }
    }

    private void Store(MemoryCache cache, string entry, object value, long epoch)
    {
        lock (_gate)
        {
            if (_epoch == epoch)
            {
                // Spread over the last fifth of the age, so entries loaded together are not all read again together.
                var age = _maxAge * (0.8 + (0.2 * Random.Shared.NextDouble()));
                cache.Set(entry, value, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = age });
            }
        }
    }

    public void Dispose()
    {
        _apiKeys.Dispose();
        _licenses.Dispose();
    }

    private sealed class TimeProviderClock(TimeProvider time) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Licenz.Server.Accounts;
using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Licenz.Server.Licenses;
using Licenz.Server.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Caching;

/// <summary>Settings under <c>Licenz:Cache</c>.</summary>
public sealed class CacheOptions
{
    public const string Section = "Licenz:Cache";

    /// <summary>
    /// How many licenses (and, separately, API keys) are kept in memory at most. A license costs about 165 bytes
    /// (<see cref="CachedLicense"/>), and its metadata's text with 24 more when it has metadata of its own.
    /// </summary>
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

/// <summary>
/// A cached license's metadata in one reference: nothing for <c>{}</c> (most licenses); one parsed object shared by
/// every license with the same metadata (<see cref="LicenseLookup"/> shares short texts, up to a bound); or else the
/// license's own UTF-8 JSON text, parsed for each answer (about 0.5 µs for a small object).
/// </summary>
public readonly struct CachedMetadata
{
    private static readonly JsonElement EmptyObject = JsonElement.Parse("{}"u8);

    private readonly object? _value;

    private CachedMetadata(object? value) => _value = value;

    public static CachedMetadata Empty => default;

    /// <summary>The metadata's own text, kept as UTF-8 and parsed for each answer.</summary>
    public static CachedMetadata Text(byte[] utf8Json) => new(utf8Json);

    /// <summary>A parsed object to share: box it once (this call) and hand out copies of the result.</summary>
    public static CachedMetadata Shared(JsonElement parsed) => new(parsed);

    /// <summary>The metadata object.</summary>
    public JsonElement Element => _value switch
    {
        null => EmptyObject,
        byte[] text => JsonElement.Parse(text),
        _ => (JsonElement)_value,
    };
}

/// <summary>
/// What verification needs of a license, and as little as will do: at a million licenses every byte here is a
/// megabyte. Not its key (the request presented it) nor its email; its id as the 16 bytes it is made of, formatted
/// for each answer (<see cref="Ids.TryPack"/>: about 50 ns, where the string would cost 88 bytes); account and
/// product ids as strings shared by all their licenses (<see cref="LicenseLookup"/>); times as ticks; the metadata in
/// one reference (<see cref="CachedMetadata"/>).
/// </summary>
/// <remarks>
/// Measured with 1,000,000 licenses stored in a <see cref="HotPathCache"/> (<c>Licenz.Bench.Seed cache-memory
/// --licenses 1000000</c>: managed heap before and after): 163 bytes a license without metadata or with metadata it
/// shares (this object's 88, the dictionary's node 64, its buckets), 203 with 11 to 17 bytes of metadata text of its
/// own. In an ad-hoc harness, the same entries with 27 bytes of own metadata took 227 bytes here, 290 in
/// BitFaster.Caching's <c>ConcurrentLru</c> (a node of its own per entry, and queue slots), and the former entry (key,
/// id string, parsed metadata) in <c>MemoryCache</c> 635.
/// </remarks>
public sealed class CachedLicense
{
    private readonly UInt128 _id;
    private readonly string? _idText;
    private readonly long _expiresAt;
    private readonly long _createdAt;
    private readonly CachedMetadata _metadata;

    public CachedLicense(string id, string accountId, string productId, LicenseType type, LicenseStatus status, DateTime? expiresAt, DateTime createdAt,
        CachedMetadata metadata, string? policyId = null, LicenseOverrides? overrides = null)
    {
        PolicyId = policyId;
        Overrides = overrides;
        if (Ids.TryPack(id, Ids.License, out var packed))
        {
            _id = packed;
        }
        else
        {
            _idText = id;
        }

        AccountId = accountId;
        ProductId = productId;
        Type = type;
        Status = status;
        _expiresAt = expiresAt?.Ticks ?? 0;
        _createdAt = createdAt.Ticks;
        _metadata = metadata;
    }

    /// <summary>The license id, <c>lic_…</c>: a new string each time (read it once per request).</summary>
    public string Id => _idText ?? Ids.Unpack(Ids.License, _id);

    /// <summary>The id's 16 bytes (<see cref="Ids.TryPack"/>), or null for an id that does not pack.</summary>
    public UInt128? PackedId => _idText is null ? _id : null;

    public string AccountId { get; }

    public string ProductId { get; }

    public LicenseType Type { get; }

    public LicenseStatus Status { get; }

    public DateTime? ExpiresAt => _expiresAt == 0 ? null : new DateTime(_expiresAt, DateTimeKind.Utc);

    public DateTime CreatedAt => new(_createdAt, DateTimeKind.Utc);

    /// <summary>The metadata object (parsed afresh when the license keeps its own text).</summary>
    public JsonElement Metadata => _metadata.Element;

    /// <summary>Its policy (a string shared by all its licenses); null only before the start-up upgrade gives it one.</summary>
    public string? PolicyId { get; }

    /// <summary>What it has of its own beyond its policy; null for most licenses, which have nothing.</summary>
    public LicenseOverrides? Overrides { get; }
}

/// <summary>A license's own machine limit and entitlements, kept apart so that licenses with none cost one null reference.</summary>
public sealed record LicenseOverrides(int? MaxMachines, string[] Entitlements);

/// <summary>What verification needs of a policy: its rules, and what its licenses inherit.</summary>
public sealed record CachedPolicy(
    string Id,
    Verification.PolicyFacts Facts,
    int? MaxMachines,
    IReadOnlySet<string> Entitlements,
    long? DurationSeconds,
    Policies.ExpirationBasis ExpirationBasis)
{
    /// <summary>Whether verifying its licenses needs their counters or machines, read afresh (a limit, node-locking, heartbeats).</summary>
    public bool NeedsLiveState { get; } = MaxMachines is not null || Facts.MaxUses is not null || !Facts.Floating || Facts.RequireHeartbeat;

    public static CachedPolicy Of(Policies.Policy policy) => new(policy.Id, Verification.PolicyFacts.Of(policy), policy.MaxMachines,
        new SortedSet<string>(Licenz.Server.Entitlements.EntitlementCodes.Read(policy.Entitlements), StringComparer.Ordinal), policy.DurationSeconds, policy.ExpirationBasis);
}

/// <summary>
/// The verification hot path's lookups — API keys by lookup id, licenses by the keyed hash of their key — served from
/// memory. Correctness first: every change saved through the database context invalidates the entries it touches
/// as soon as it is committed (the event spine feeds <see cref="VerificationCacheInvalidation"/>), and a load that raced with a
/// change is never stored, so a revoked key or a suspended license is refused on the very next request.
/// </summary>
/// <remarks>
/// Both rules rest on one lock and one counter: <see cref="Invalidate"/> bumps the epoch and drops entries under the
/// lock; a load takes the epoch before it reads the database and <see cref="StoreLicense"/> stores under the lock only
/// if the epoch has not moved since. Reads take no lock. Entries are bounded in number (<see cref="CacheOptions.MaxEntries"/>)
/// and in age (<see cref="CacheOptions.MaxAge"/>, which bounds how long a change made behind the server's back goes unseen).
/// A node that cannot hear the others' changes (several nodes, their channel down) stops serving from memory until it
/// can again (<see cref="Distrust"/>, <see cref="Trust"/>).
/// </remarks>
public sealed class HotPathCache
{
    private readonly BoundedCache<string, CachedApiKey> _apiKeys;
    private readonly BoundedCache<LicenseCacheKey, CachedLicense> _licenses;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, CachedPolicy> _policies = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _epoch;
    private volatile bool _distrusted;

    public HotPathCache(IOptions<CacheOptions> options, TimeProvider time)
    {
        var settings = options.Value;
        _apiKeys = new BoundedCache<string, CachedApiKey>(settings.MaxEntries, settings.MaxAge, time);
        _licenses = new BoundedCache<LicenseCacheKey, CachedLicense>(settings.MaxEntries, settings.MaxAge, time);
    }

    /// <summary>Take before reading the database; pass to Store so a load that raced with a change is dropped.</summary>
    public long Epoch => Volatile.Read(ref _epoch);

    /// <summary>Licenses in memory now (expired ones until they are swept or replaced included).</summary>
    public int LicenseCount => _licenses.Count;

    public bool TryGetApiKey(string lookupId, [NotNullWhen(true)] out CachedApiKey? key)
    {
        key = null;
        return !_distrusted && _apiKeys.TryGet(lookupId, out key);
    }

    public bool TryGetPolicy(string id, [NotNullWhen(true)] out CachedPolicy? policy)
    {
        policy = null;
        return !_distrusted && _policies.TryGetValue(id, out policy);
    }

    /// <summary>Policies are few (a handful per product): kept until changed, without bound or age.</summary>
    public void StorePolicy(CachedPolicy policy, long epoch)
    {
        lock (_gate)
        {
            if (_epoch == epoch && !_distrusted)
            {
                _policies[policy.Id] = policy;
            }
        }
    }

    /// <summary>Drops policies after a committed change to them; any load that started before it will not be stored.</summary>
    public void InvalidatePolicies(IReadOnlyCollection<string> ids)
    {
        lock (_gate)
        {
            _epoch++;
            foreach (var id in ids)
            {
                _policies.TryRemove(id, out _);
            }
        }
    }

    public bool TryGetLicense(LicenseCacheKey key, [NotNullWhen(true)] out CachedLicense? license)
    {
        license = null;
        return !_distrusted && _licenses.TryGet(key, out license);
    }

    /// <summary>
    /// Changes made on other nodes may go unheard (the channel between nodes is down): every lookup reads the database,
    /// and nothing is stored, until <see cref="Trust"/>.
    /// </summary>
    public void Distrust()
    {
        lock (_gate)
        {
            _distrusted = true;
            DropEverything();
        }
    }

    /// <summary>The other nodes are heard again: the cache starts afresh, since what was missed meanwhile is not known.</summary>
    public void Trust()
    {
        lock (_gate)
        {
            DropEverything();
            _distrusted = false;
        }
    }

    private void DropEverything()
    {
        _epoch++;
        _apiKeys.Clear();
        _licenses.Clear();
        _policies.Clear();
    }

    public void StoreApiKey(string lookupId, CachedApiKey key, long epoch)
    {
        lock (_gate)
        {
            if (_epoch == epoch && !_distrusted)
            {
                _apiKeys.Set(lookupId, key);
            }
        }
    }

    public void StoreLicense(LicenseCacheKey key, CachedLicense license, long epoch)
    {
        lock (_gate)
        {
            if (_epoch == epoch && !_distrusted)
            {
                _licenses.Set(key, license);
            }
        }
    }

    /// <summary>
    /// Drops entries after a committed change. Any load that started before it will not be stored. <paramref name="everyLicense"/>
    /// is for a license change that does not say which key it touched (none does today).
    /// </summary>
    public void Invalidate(IReadOnlyCollection<string> apiKeyLookupIds, IReadOnlyCollection<LicenseCacheKey> licenses, bool everyApiKey, bool everyLicense = false)
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

            if (everyLicense)
            {
                _licenses.Clear();
            }

            foreach (var license in licenses)
            {
                _licenses.Remove(license);
            }
        }
    }
}

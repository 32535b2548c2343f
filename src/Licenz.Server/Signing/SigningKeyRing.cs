using System.Collections.Concurrent;
using Licenz.Server.Data;
using Licenz.Server.Events;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Signing;

/// <summary>
/// Each account's Ed25519 keys: the current one signs license files and verification responses; replaced
/// keys stay published in the JWKS until retired, by hand or by a later rotation once more than
/// <see cref="SigningOptions.MaxPublishedKeys"/> of them are. Decrypted keys and JWKS documents are cached per account
/// (a minute at most, and dropped at once on rotation or retirement on this node).
/// </summary>
public sealed class SigningKeyRing(IServiceScopeFactory scopes, KeyEncryption encryption, IOptions<SigningOptions> options, TimeProvider time) : IEventSink
{
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Cached<SigningKey>> _current = new();
    private readonly ConcurrentDictionary<string, Cached<string>> _jwks = new();
    private readonly SemaphoreSlim _creating = new(1, 1);

    /// <summary>The key that signs for the account now.</summary>
    public async ValueTask<SigningKey> CurrentAsync(string accountId, CancellationToken cancellationToken)
    {
        if (_current.TryGetValue(accountId, out var cached) && cached.FreshAt(time.GetUtcNow()))
        {
            return cached.Value;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        var record = await db.SigningKeys.AsNoTracking().IgnoreQueryFilters([LicenzDbContext.TenantFilter])
            .FirstOrDefaultAsync(k => k.AccountId == accountId && k.Status == SigningKeyStatus.Current, cancellationToken);
        if (record is null)
        {
            record = await EnsureCurrentAsync(db, accountId, cancellationToken);
        }

        var key = SigningKey.FromSeed(encryption.Open(record.SealedPrivateKey, Purpose(record.AccountId, record.Id)));
        _current[accountId] = new Cached<SigningKey>(key, time.GetUtcNow() + CacheLifetime);
        return key;
    }

    /// <summary>The account's JWKS document: its current and published keys.</summary>
    public async ValueTask<string> JwksAsync(string accountId, CancellationToken cancellationToken)
    {
        if (_jwks.TryGetValue(accountId, out var cached) && cached.FreshAt(time.GetUtcNow()))
        {
            return cached.Value;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        var published = await db.SigningKeys.AsNoTracking().IgnoreQueryFilters([LicenzDbContext.TenantFilter])
            .Where(k => k.AccountId == accountId && k.Status != SigningKeyStatus.Retired)
            .OrderBy(k => k.CreatedAt).ThenBy(k => k.Status == SigningKeyStatus.Current ? 1 : 0)
            .Select(k => new { k.Id, k.PublicKey })
            .ToListAsync(cancellationToken);
        var jwks = PublicKeySet.FromKeys(published.Select(k => new JsonWebKey(k.Id, k.PublicKey))).ToJwks();
        _jwks[accountId] = new Cached<string>(jwks, time.GetUtcNow() + CacheLifetime);
        return jwks;
    }

    /// <summary>Gives the account a current key if it has none (new accounts, and accounts from before signing keys existed).</summary>
    public async Task<SigningKeyRecord> EnsureCurrentAsync(LicenzDbContext db, string accountId, CancellationToken cancellationToken)
    {
        await _creating.WaitAsync(cancellationToken);
        try
        {
            var existing = await db.SigningKeys.AsNoTracking().IgnoreQueryFilters([LicenzDbContext.TenantFilter])
                .FirstOrDefaultAsync(k => k.AccountId == accountId && k.Status == SigningKeyStatus.Current, cancellationToken);
            if (existing is not null)
            {
                return existing;
            }

            var record = NewRecord(accountId);
            db.SigningKeys.Add(record);
            await db.SaveChangesAsync(cancellationToken);
            return record;
        }
        finally
        {
            _creating.Release();
        }
    }

    /// <summary>Adds a new current key (unsaved) for an account being created in the same transaction.</summary>
    public SigningKeyRecord NewRecord(string accountId)
    {
        using var key = SigningKey.Generate();
        return new SigningKeyRecord
        {
            Id = key.KeyId,
            AccountId = accountId,
            PublicKey = key.PublicKey,
            SealedPrivateKey = encryption.Seal(key.ExportSeed(), Purpose(accountId, key.KeyId)),
            Status = SigningKeyStatus.Current,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
    }

    /// <summary>
    /// A new key signs from now on; the previous one stays published until retired. Published keys beyond
    /// <see cref="SigningOptions.MaxPublishedKeys"/> are retired in the same transaction, oldest first, so the JWKS stays
    /// bounded however often an account rotates.
    /// </summary>
    public async Task<SigningKeyRecord> RotateAsync(LicenzDbContext db, string accountId, CancellationToken cancellationToken)
    {
        await _creating.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow().UtcDateTime;
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var keys = await db.SigningKeys.Where(k => k.AccountId == accountId && k.Status != SigningKeyStatus.Retired).ToListAsync(cancellationToken);
            var rotatedOut = keys.Where(k => k.Status == SigningKeyStatus.Current).ToList();
            var published = keys.Where(k => k.Status == SigningKeyStatus.Published).OrderByDescending(k => k.RotatedAt).ThenByDescending(k => k.CreatedAt).ToList();
            foreach (var current in rotatedOut)
            {
                current.Status = SigningKeyStatus.Published;
                current.RotatedAt = now;
                db.RecordEvent(current, "rotated");
            }

            // The key just rotated out stays; of those replaced before it, the newest stay up to the bound, the rest go.
            foreach (var old in published.Skip(Math.Max(0, options.Value.MaxPublishedKeys - rotatedOut.Count)))
            {
                old.Status = SigningKeyStatus.Retired;
                old.RetiredAt = now;
                db.RecordEvent(old, "retired");
            }

            var record = NewRecord(accountId);
            db.SigningKeys.Add(record);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return record;
        }
        finally
        {
            _creating.Release();
        }
    }

    /// <summary>
    /// Removes a replaced key from the JWKS, so what it signed no longer verifies. The current key cannot be retired:
    /// that is a refusal, in words. Both are null when the account has no such key.
    /// </summary>
    public async Task<(SigningKeyRecord? Record, string? Refusal)> RetireAsync(LicenzDbContext db, string accountId, string keyId, CancellationToken cancellationToken)
    {
        var record = await db.SigningKeys.FirstOrDefaultAsync(k => k.Id == keyId && k.AccountId == accountId, cancellationToken);
        if (record is null)
        {
            return (null, null);
        }

        if (record.Status == SigningKeyStatus.Current)
        {
            return (record, $"Key {keyId} is the account's current signing key; rotate first, then retire it.");
        }

        if (record.Status != SigningKeyStatus.Retired)
        {
            record.Status = SigningKeyStatus.Retired;
            record.RetiredAt = time.GetUtcNow().UtcDateTime;
            db.RecordEvent(record, "retired");
            await db.SaveChangesAsync(cancellationToken);
        }

        return (record, null);
    }

    /// <summary>A committed change of an account's signing keys drops what is cached of them.</summary>
    public void Committed(IReadOnlyList<LicenzEvent> events)
    {
        foreach (var change in events)
        {
            if (change.ResourceType == "signing_key")
            {
                Forget(change.AccountId);
            }
        }
    }

    private void Forget(string accountId)
    {
        _current.TryRemove(accountId, out _);
        _jwks.TryRemove(accountId, out _);
    }

    private static string Purpose(string accountId, string keyId) => $"licenz/signing-key/{accountId}/{keyId}";

    private sealed record Cached<T>(T Value, DateTimeOffset Until)
    {
        public bool FreshAt(DateTimeOffset now) => now < Until;
    }
}

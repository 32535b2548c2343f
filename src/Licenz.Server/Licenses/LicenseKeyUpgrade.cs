using System.Diagnostics;
using System.Security.Cryptography;
using Licenz.Server.Data;
using Licenz.Server.Signing;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Licenses;

/// <summary>
/// At start, before any request: seals the license keys of a database from before keys were sealed, and checks that
/// the master key opens the keys stored. The migration (<c>SealedLicenseKeys</c>) added the hash and sealed-key columns
/// and masked the keys in the event log (in SQL: masking needs no master key); sealing needs the master key, so it is
/// done here, in batches, each row's plaintext cleared as its hash and sealed key are written.
/// </summary>
/// <remarks>
/// Idempotent: rows to seal are those without a hash, found through the hash's unique index (an instant no-op once
/// none is left); a start that stops half-way leaves sealed rows sealed and the rest for the next start. The rows are
/// written with <c>ExecuteUpdate</c>: sealing a key changes nothing the API shows, so it is not an event. On SQLite the
/// file is then rebuilt (<c>VACUUM</c>) and its write-ahead log emptied, so the plaintext keys it held are not left in
/// free pages for a copy of the file to find.
/// </remarks>
public static class LicenseKeyUpgrade
{
    private const int BatchSize = 1_000;

    /// <summary>Seals what is left to seal; returns how many keys it sealed.</summary>
    public static async Task<int> SealPlaintextKeysAsync(LicenzDbContext db, LicenseKeyProtection keys, ILogger logger, CancellationToken cancellationToken)
    {
        var licenses = db.Licenses.IgnoreQueryFilters([LicenzDbContext.TenantFilter]);
        if (!await licenses.AnyAsync(l => l.KeyHash == null, cancellationToken))
        {
            return 0;
        }

        var toSeal = await licenses.CountAsync(l => l.KeyHash == null, cancellationToken);
        logger.LogWarning("Sealing {Count} license keys stored in plain text by an earlier version: each gets a keyed hash and is encrypted under the master key", toSeal);
        var watch = Stopwatch.StartNew();
        var sealedCount = 0;
        var after = "";
        while (true)
        {
            var batch = await licenses.AsNoTracking()
                .Where(l => l.KeyHash == null && string.Compare(l.Id, after) > 0)
                .OrderBy(l => l.Id).Take(BatchSize)
                .Select(l => new { l.Id, l.AccountId, l.PlaintextKey })
                .ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }

            await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
            {
                foreach (var row in batch)
                {
                    if (!LicenseKey.TryNormalize(row.PlaintextKey, out var key))
                    {
                        // Nothing to seal: the row is broken, and it is left as it is for the operator to see.
                        logger.LogError("License {LicenseId} has neither a sealed key nor a readable plain-text one; it cannot be verified by key", row.Id);
                        continue;
                    }

                    var hash = keys.Hash(key);
                    var sealedKey = keys.Seal(row.AccountId, row.Id, key);
                    await licenses.Where(l => l.Id == row.Id).ExecuteUpdateAsync(set => set
                        .SetProperty(l => l.KeyHash, hash)
                        .SetProperty(l => l.SealedKey, sealedKey)
                        .SetProperty(l => l.PlaintextKey, (string?)null), cancellationToken);
                    sealedCount++;
                }

                await transaction.CommitAsync(cancellationToken);
            }

            after = batch[^1].Id;
            logger.LogInformation("Sealed {Done} of {Count} license keys", sealedCount, toSeal);
        }

        if (db.Database.IsSqlite())
        {
            logger.LogInformation("Rebuilding the database file (VACUUM), so that no plain-text key is left in its free pages");
            await db.Database.ExecuteSqlRawAsync("VACUUM;", cancellationToken);
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);", cancellationToken);
        }

        logger.LogWarning("Sealed {Count} license keys in {Seconds:F1} s; no license key is stored in plain text any more", sealedCount, watch.Elapsed.TotalSeconds);
        return sealedCount;
    }

    /// <summary>
    /// Refuses a master key that does not open the license keys stored (the newest license's, and its hash must match):
    /// with another master key no key would be found by its hash, and none could be shown. There is no fallback to
    /// anything in plain text.
    /// </summary>
    public static async Task CheckMasterKeyAsync(LicenzDbContext db, LicenseKeyProtection keys, CancellationToken cancellationToken)
    {
        var newest = await db.Licenses.AsNoTracking().IgnoreQueryFilters([LicenzDbContext.TenantFilter])
            .Where(l => l.SealedKey != null)
            .OrderByDescending(l => l.Id)
            .Select(l => new { l.Id, l.AccountId, l.SealedKey, l.KeyHash })
            .FirstOrDefaultAsync(cancellationToken);
        if (newest is null)
        {
            return;
        }

        try
        {
            var key = keys.Open(newest.AccountId, newest.Id, newest.SealedKey);
            if (newest.KeyHash is not null && keys.Hash(key).AsSpan().SequenceEqual(newest.KeyHash))
            {
                return;
            }
        }
        catch (CryptographicException)
        {
        }

        throw new InvalidOperationException(
            $"{KeyEncryptionOptions.Section}: this master key does not open the license keys stored in the database (license {newest.Id}); " +
            "start with the master key they were sealed with (Licenz:KeyEncryption:Key or :KeyFile).");
    }
}

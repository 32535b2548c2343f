using System.Security.Cryptography;
using System.Text;
using Licenz.Server.Signing;

namespace Licenz.Server.Licenses;

/// <summary>
/// License keys at rest. A license row never holds its key: it holds a keyed hash of it, by which verification and the
/// API find the license, and the key sealed under the master key, from which the API shows it to the vendor. A copy of
/// the database (a backup, a dump, a stolen disk) therefore holds no key a customer's application would accept, and
/// without the master key no way to test a guess: the hash is an HMAC-SHA256 under a key derived from the master key
/// (HKDF, purpose <c>licenz/license-key-hash/v1</c>), not a plain hash of a 70-bit key that could be searched.
/// </summary>
/// <remarks>
/// The hash is also what the verification cache is keyed by and what a license event carries for invalidation: unlike
/// the key, it is safe to send to other nodes. It is deterministic for one master key: changing the master key means
/// sealing every key again (not supported yet: the server refuses to start with a master key that does not open what
/// is stored).
/// </remarks>
public sealed class LicenseKeyProtection(KeyEncryption encryption)
{
    /// <summary>Bytes of a keyed hash (HMAC-SHA256).</summary>
    public const int HashSize = 32;

    private readonly byte[] _hashKey = encryption.DeriveKey("licenz/license-key-hash/v1");

    /// <summary>The keyed hash of a canonical key (<see cref="LicenseKey.TryNormalize"/>).</summary>
    public byte[] Hash(string canonicalKey)
    {
        var hash = new byte[HashSize];
        Hash(canonicalKey, hash);
        return hash;
    }

    /// <summary>The keyed hash of a canonical key, written into <paramref name="destination"/>: no allocation, for the verify path.</summary>
    /// <remarks>
    /// Each thread keeps its HMAC, keyed once: <c>HMACSHA256.HashData</c> sets up a new one per call, about 1.3 µs a key
    /// against 0.55 µs (measured, one million keys in a loop). With the verification cache's metadata shared between
    /// licenses (<see cref="Caching.CachedMetadata"/>) that is the CPU per verification the sealed keys had cost
    /// (<c>bench/compare.sh --base 666feba</c>: see bench/README.md).
    /// </remarks>
    public void Hash(string canonicalKey, Span<byte> destination)
    {
        Span<byte> text = stackalloc byte[LicenseKey.Length];
        if (canonicalKey.Length != LicenseKey.Length || Encoding.ASCII.GetBytes(canonicalKey, text) != LicenseKey.Length)
        {
            throw new ArgumentException("Not a license key in its canonical form.", nameof(canonicalKey));
        }

        // Per thread and per key: another server in the same process (tests) has another key and makes its own.
        var hmac = t_hmac;
        if (hmac is null || !ReferenceEquals(hmac.Value.Key, _hashKey))
        {
            hmac?.Hmac.Dispose();
            hmac = t_hmac = (_hashKey, IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _hashKey));
        }

        hmac.Value.Hmac.AppendData(text);
        hmac.Value.Hmac.GetHashAndReset(destination);
    }

    [ThreadStatic]
    private static (byte[] Key, IncrementalHash Hmac)? t_hmac;

    /// <summary>The key sealed for one license (AES-256-GCM under the master key, bound to the account and license ids).</summary>
    public byte[] Seal(string accountId, string licenseId, string canonicalKey) =>
        encryption.Seal(Encoding.ASCII.GetBytes(canonicalKey), Purpose(accountId, licenseId));

    /// <summary>Sets the hash and the sealed key of a license being created for <paramref name="canonicalKey"/>.</summary>
    public License Protect(License license, string canonicalKey)
    {
        license.KeyHash = Hash(canonicalKey);
        license.SealedKey = Seal(license.AccountId, license.Id, canonicalKey);
        return license;
    }

    /// <summary>The license's key, to show to the vendor.</summary>
    /// <exception cref="CryptographicException">The sealed key does not open: another master key, or an altered row.</exception>
    public string Open(License license) => Open(license.AccountId, license.Id, license.SealedKey);

    /// <inheritdoc cref="Open(License)"/>
    public string Open(string accountId, string licenseId, byte[]? sealedKey)
    {
        if (sealedKey is null)
        {
            // Only a row from before keys were sealed, which the start-up upgrade (LicenseKeyUpgrade) seals before any request.
            throw new InvalidOperationException($"License {licenseId} has no sealed key yet.");
        }

        return Encoding.ASCII.GetString(encryption.Open(sealedKey, Purpose(accountId, licenseId)));
    }

    /// <summary>
    /// The key with all but its last group masked, <c>LIC-*****-*****-7K3MX</c>: enough for a person to tell keys apart
    /// in the event log, far too little to use (4 of its 14 random symbols, and its check symbol).
    /// </summary>
    public static string Mask(string canonicalKey) => string.Concat("LIC-*****-*****-", canonicalKey.AsSpan(canonicalKey.Length - 5));

    private static string Purpose(string accountId, string licenseId) => $"licenz/license-key/{accountId}/{licenseId}";
}

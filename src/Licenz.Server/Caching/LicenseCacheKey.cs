using System.Buffers.Binary;
using Licenz.Server.Licenses;

namespace Licenz.Server.Caching;

/// <summary>
/// How the verification cache finds a license: the first 16 bytes of its key's keyed hash
/// (<see cref="LicenseKeyProtection"/>), held in two longs, inline in the dictionary's node. Never the key itself.
/// </summary>
/// <remarks>
/// 128 bits of an HMAC under a server secret: two of a million licenses share a prefix with odds of about 10⁻²⁷, and
/// nobody without the master key can make one that does. The bits are uniform and cannot be chosen from outside, so
/// they serve as the hash code as they are (no hash flooding).
/// </remarks>
public readonly struct LicenseCacheKey : IEquatable<LicenseCacheKey>
{
    private readonly ulong _high;
    private readonly ulong _low;

    /// <param name="keyHash">A keyed hash of a license key (at least 16 bytes).</param>
    public LicenseCacheKey(ReadOnlySpan<byte> keyHash)
    {
        _high = BinaryPrimitives.ReadUInt64LittleEndian(keyHash);
        _low = BinaryPrimitives.ReadUInt64LittleEndian(keyHash[8..]);
    }

    public bool Equals(LicenseCacheKey other) => _high == other._high && _low == other._low;

    public override bool Equals(object? obj) => obj is LicenseCacheKey other && Equals(other);

    public override int GetHashCode() => (int)_high;

    public static bool operator ==(LicenseCacheKey left, LicenseCacheKey right) => left.Equals(right);

    public static bool operator !=(LicenseCacheKey left, LicenseCacheKey right) => !left.Equals(right);
}

using SimpleBase;

namespace Licenz.Server.Data;

/// <summary>
/// Opaque, prefixed resource ids (<c>lic_…</c>, <c>prod_…</c>). The body is a UUIDv7 in lowercase
/// Crockford base32, so ids sort by creation time and lists can page by id alone.
/// </summary>
public static class Ids
{
    public const string Account = "acct";
    public const string ApiKey = "key";
    public const string Product = "prod";
    public const string License = "lic";
    public const string Policy = "pol";
    public const string Entitlement = "ent";
    public const string Machine = "mach";
    public const string Member = "mem";
    public const string Invitation = "inv";
    public const string Refusal = "vrf";

    public static string New(string prefix, TimeProvider time)
    {
        var uuid = Guid.CreateVersion7(time.GetUtcNow());
        Span<byte> bytes = stackalloc byte[16];
        uuid.TryWriteBytes(bytes, bigEndian: true, out _);
        return Format(prefix, bytes);
    }

    private static readonly Lock Sequence = new();
    private static long _lastMilliseconds;
    private static int _counter;

    /// <summary>
    /// Like <see cref="New"/>, but strictly increasing within this process even within one millisecond (RFC 9562
    /// method 1: the 12 bits after the version count up), so the order ids sort in is the order they were made in.
    /// </summary>
    public static string NewSequential(string prefix, TimeProvider time)
    {
        long milliseconds;
        int counter;
        lock (Sequence)
        {
            milliseconds = Math.Max(time.GetUtcNow().ToUnixTimeMilliseconds(), _lastMilliseconds);
            if (milliseconds == _lastMilliseconds && ++_counter > 0xFFF)
            {
                milliseconds++;
                _counter = 0;
            }
            else if (milliseconds != _lastMilliseconds)
            {
                _counter = 0;
            }

            _lastMilliseconds = milliseconds;
            counter = _counter;
        }

        Span<byte> bytes = stackalloc byte[16];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes[8..]);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes, milliseconds << 16);
        bytes[6] = (byte)(0x70 | (counter >> 8));
        bytes[7] = (byte)counter;
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return Format(prefix, bytes);
    }

    private static string Format(string prefix, ReadOnlySpan<byte> uuid) => $"{prefix}_{Base32.Crockford.Encode(uuid).ToLowerInvariant()}";

    /// <summary>
    /// The 16 bytes an id of this kind is made of, for keeping many ids in little memory (the verification cache): 16
    /// bytes instead of an 88-byte string. False when <see cref="Unpack"/> would not give back exactly the same id (an id
    /// not made by <see cref="New"/>): keep the string then.
    /// </summary>
    public static bool TryPack(string id, string prefix, out UInt128 packed)
    {
        packed = default;
        Span<byte> bytes = stackalloc byte[16];
        if (!HasPrefix(id, prefix) || id.Length != prefix.Length + 1 + 26
            || !Base32.Crockford.TryDecode(id.AsSpan(prefix.Length + 1), bytes, out var written) || written != 16)
        {
            return false;
        }

        packed = System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return Unpack(prefix, packed) == id;
    }

    /// <summary>The id <see cref="TryPack"/> packed: one string, formatted in place.</summary>
    public static string Unpack(string prefix, UInt128 packed) => string.Create(prefix.Length + 1 + 26, (prefix, packed), static (text, state) =>
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, state.packed);
        state.prefix.CopyTo(text);
        text[state.prefix.Length] = '_';
        var body = text[(state.prefix.Length + 1)..];
        Base32.Crockford.TryEncode(bytes, body, out _);
        for (var i = 0; i < body.Length; i++)
        {
            body[i] = char.ToLowerInvariant(body[i]);
        }
    });

    /// <summary>True when <paramref name="value"/> looks like an id of this kind (cheap shape check, no lookup).</summary>
    public static bool HasPrefix(string value, string prefix) =>
        value.Length > prefix.Length + 1 && value.StartsWith(prefix, StringComparison.Ordinal) && value[prefix.Length] == '_';
}

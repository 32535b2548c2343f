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

    public static string New(string prefix, TimeProvider time)
    {
        var uuid = Guid.CreateVersion7(time.GetUtcNow());
        Span<byte> bytes = stackalloc byte[16];
        uuid.TryWriteBytes(bytes, bigEndian: true, out _);
        return $"{prefix}_{Base32.Crockford.Encode(bytes).ToLowerInvariant()}";
    }

    /// <summary>True when <paramref name="value"/> looks like an id of this kind (cheap shape check, no lookup).</summary>
    public static bool HasPrefix(string value, string prefix) =>
        value.Length > prefix.Length + 1 && value.StartsWith(prefix, StringComparison.Ordinal) && value[prefix.Length] == '_';
}

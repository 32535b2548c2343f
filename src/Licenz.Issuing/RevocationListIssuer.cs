using System.Text;
using System.Text.Json;
using Licenz.Internal;

namespace Licenz;

/// <summary>
/// Signs an account's revocation list (the server's side of <see cref="RevocationList"/>): a compact JWS of type
/// <c>licenz-revocations+jwt</c>, its members sorted so that the same list always reads the same.
/// </summary>
public static class RevocationListIssuer
{
    /// <summary>Signs the list of <paramref name="issuer"/> at <paramref name="version"/>.</summary>
    /// <param name="issuer">The account, <c>acct_…</c>.</param>
    /// <param name="version">The list's version.</param>
    /// <param name="issuedAt">When it is signed.</param>
    /// <param name="licenses">The listed licenses and their state (<c>revoked</c>, <c>suspended</c>, <c>deleted</c>), by id.</param>
    /// <param name="machines">The deactivated machines.</param>
    /// <param name="key">The account's current signing key.</param>
    public static string Issue(
        string issuer, long version, DateTimeOffset issuedAt, IReadOnlyDictionary<string, string> licenses, IEnumerable<string> machines, SigningKey key)
    {
        ArgumentNullException.ThrowIfNull(licenses);
        ArgumentNullException.ThrowIfNull(machines);
        ArgumentNullException.ThrowIfNull(key);
        var payload = new RevocationListPayload(
            issuer,
            issuedAt.ToUnixTimeSeconds(),
            version,
            [.. licenses.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => new RevokedLicensePayload(l.Key, l.Value))],
            [.. machines.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);
        var header = Base64UrlStrict.Encode(JsonSerializer.SerializeToUtf8Bytes(new JwsHeader("EdDSA", RevocationList.JwsType, key.KeyId), SdkJson.Jose.JwsHeader));
        var body = Base64UrlStrict.Encode(JsonSerializer.SerializeToUtf8Bytes(payload, SdkJson.Jose.RevocationListPayload));
        var signingInput = header + "." + body;
        return signingInput + "." + Base64UrlStrict.Encode(key.Sign(Encoding.ASCII.GetBytes(signingInput)));
    }
}

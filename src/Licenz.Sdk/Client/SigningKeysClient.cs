using Licenz.Internal;

namespace Licenz;

/// <summary>
/// The account's Ed25519 signing keys (<c>/signing-keys</c>) and the public JWKS. Reached through
/// <see cref="LicenzClient.SigningKeys"/>.
/// </summary>
public sealed class SigningKeysClient
{
    private readonly ApiConnection _api;
    private readonly VerificationKeys _keys;

    internal SigningKeysClient(ApiConnection api, VerificationKeys keys)
    {
        _api = api;
        _keys = keys;
    }

    /// <summary>The account's signing keys, newest first.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<ResultList<SigningKeyInfo>> ListAsync(CancellationToken cancellationToken = default) =>
        _api.GetListAsync("signing-keys", ClientJson.Default.DataEnvelopeListSigningKeyInfo, cancellationToken);

    /// <summary>Creates a new signing key; it signs from now on. The previous key stays in the JWKS until retired.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<SigningKeyInfo> RotateAsync(CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Post, "signing-keys/rotate", null, ClientJson.Default.DataEnvelopeSigningKeyInfo, cancellationToken);

    /// <summary>Removes a replaced key from the JWKS: what it signed no longer verifies.</summary>
    /// <param name="id">The key id (<c>kid</c>).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<SigningKeyInfo> RetireAsync(string id, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Post, $"signing-keys/{Paths.Id(id, nameof(id))}/retire", null, ClientJson.Default.DataEnvelopeSigningKeyInfo, cancellationToken);

    /// <summary>
    /// The public keys from the server's JWKS (<c>/.well-known/jwks.json</c> on the base URL, of
    /// <see cref="LicenzClientOptions.AccountId"/> when set), fetched now without authentication. Save
    /// <see cref="PublicKeySet.ToJwks"/> into the application to verify license files and responses offline.
    /// </summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<PublicKeySet> GetJwksAsync(CancellationToken cancellationToken = default) => _keys.FetchAsync(cancellationToken);
}

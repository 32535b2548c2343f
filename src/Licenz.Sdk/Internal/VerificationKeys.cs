using System.Text;

namespace Licenz.Internal;

/// <summary>Keys fetched from the server's JWKS, shared by the clients of one registration.</summary>
internal sealed class JwksCache
{
    private PublicKeySet? _keys;

    public PublicKeySet? Keys
    {
        get => Volatile.Read(ref _keys);
        set => Volatile.Write(ref _keys, value);
    }
}

/// <summary>
/// Checks signed verification responses: with the keys the application ships (<see cref="LicenzClientOptions.VerificationKeys"/>),
/// or else with the server's JWKS, fetched once and again when a response names a key not yet known (a rotation).
/// </summary>
internal sealed class VerificationKeys(ApiConnection api, JwksCache cache)
{
    public async Task<ResponseSignatureResult> CheckAsync(ApiResponse response, string nonce, CancellationToken cancellationToken)
    {
        if (api.Settings.VerificationKeys is { } shipped)
        {
            return Check(response, nonce, shipped);
        }

        var keys = cache.Keys;
        var fresh = keys is null;
        keys ??= await RefreshAsync(cancellationToken).ConfigureAwait(false);
        var result = Check(response, nonce, keys);
        if (result.Code == ResponseSignatureCodes.UnknownKey && !fresh)
        {
            result = Check(response, nonce, await RefreshAsync(cancellationToken).ConfigureAwait(false));
        }

        return result;
    }

    /// <summary>The JWKS at <c>{base}/.well-known/jwks.json</c> (of <see cref="LicenzClientOptions.AccountId"/> when set).</summary>
    public async Task<PublicKeySet> FetchAsync(CancellationToken cancellationToken)
    {
        var path = Paths.WithQuery(".well-known/jwks.json", ("account", api.Settings.AccountId));
        using var response = await api.SendAsync(HttpMethod.Get, path, body: null, authenticate: false, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccess)
        {
            throw response.ToException();
        }

        return PublicKeySet.TryFromJwks(Encoding.UTF8.GetString(response.Body), out var keys, out var problem)
            ? keys
            : throw new LicenzException(LicenzErrorCodes.InvalidResponse, $"The server's JWKS could not be read: {problem}", response.Status, rateLimit: response.RateLimit);
    }

    private async Task<PublicKeySet> RefreshAsync(CancellationToken cancellationToken)
    {
        var keys = await FetchAsync(cancellationToken).ConfigureAwait(false);
        cache.Keys = keys;
        return keys;
    }

    private static ResponseSignatureResult Check(ApiResponse response, string nonce, PublicKeySet keys) =>
        ResponseSignature.Verify(
            response.Status,
            response.Header("Content-Digest"),
            response.Header("Date"),
            response.Header("Signature-Input"),
            response.Header("Signature"),
            response.Body,
            nonce,
            keys);
}

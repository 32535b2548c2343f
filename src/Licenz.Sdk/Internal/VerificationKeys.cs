using System.Text;

namespace Licenz.Internal;

/// <summary>Keys fetched from the server's JWKS, shared by the clients of one registration: the set, when it was fetched, and when a fetch for an unknown key last went out.</summary>
internal sealed class JwksCache
{
    private Fetched? _fetched;
    private long _lastUnknownKeyFetch = long.MinValue;

    public Fetched? Current
    {
        get => Volatile.Read(ref _fetched);
        set => Volatile.Write(ref _fetched, value);
    }

    /// <summary>
    /// Claims the right to fetch for an unknown key at <paramref name="now"/>: true for one caller per
    /// <paramref name="cooldown"/>, so that concurrent responses with a new key cause one fetch, and forged ones not many.
    /// </summary>
    public bool TryClaimUnknownKeyFetch(DateTimeOffset now, TimeSpan cooldown)
    {
        var last = Interlocked.Read(ref _lastUnknownKeyFetch);
        return (last == long.MinValue || now.UtcTicks - last >= cooldown.Ticks)
               && Interlocked.CompareExchange(ref _lastUnknownKeyFetch, now.UtcTicks, last) == last;
    }

    public sealed record Fetched(PublicKeySet Keys, DateTimeOffset At);
}

/// <summary>
/// Checks signed verification responses: with the keys the application ships (<see cref="LicenzClientOptions.VerificationKeys"/>),
/// or else with the server's JWKS: fetched when the kept one is older than <see cref="LicenzClientOptions.JwksMaxAge"/>
/// (so a retired key stops being trusted), and when a response names a key not yet known (a rotation), at most once per
/// <see cref="LicenzClientOptions.JwksRefetchCooldown"/>.
/// </summary>
internal sealed class VerificationKeys(ApiConnection api, JwksCache cache)
{
    public async Task<ResponseSignatureResult> CheckAsync(ApiResponse response, string nonce, CancellationToken cancellationToken)
    {
        if (api.Settings.VerificationKeys is { } shipped)
        {
            return Check(response, nonce, shipped);
        }

        var settings = api.Settings;
        var now = settings.Time.GetUtcNow();
        var kept = cache.Current;
        var fresh = kept is null || now - kept.At >= settings.JwksMaxAge;
        var keys = fresh ? await RefreshAsync(now, cancellationToken).ConfigureAwait(false) : kept!.Keys;
        var result = Check(response, nonce, keys);
        if (result.Code == ResponseSignatureCodes.UnknownKey && !fresh && cache.TryClaimUnknownKeyFetch(now, settings.JwksRefetchCooldown))
        {
            result = Check(response, nonce, await RefreshAsync(now, cancellationToken).ConfigureAwait(false));
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

    private async Task<PublicKeySet> RefreshAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var keys = await FetchAsync(cancellationToken).ConfigureAwait(false);
        cache.Current = new JwksCache.Fetched(keys, now);
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

using Licenz.Internal;

namespace Licenz;

/// <summary>API keys: <c>/api-keys</c> (admin keys only). Reached through <see cref="LicenzClient.ApiKeys"/>.</summary>
public sealed class ApiKeysClient
{
    private readonly ApiConnection _api;

    internal ApiKeysClient(ApiConnection api) => _api = api;

    /// <summary>One page of the account's API keys, newest first (never their secrets).</summary>
    /// <param name="options">Page size and cursor; the first page when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<Page<ApiKeyInfo>> ListAsync(PageOptions? options = null, CancellationToken cancellationToken = default) =>
        _api.GetPageAsync(
            Paths.WithQuery("api-keys", ("limit", Paths.Number(options?.Limit)), ("cursor", options?.Cursor)),
            ClientJson.Default.ListEnvelopeApiKeyInfo,
            cancellationToken);

    /// <summary>Every API key of the account, newest first, fetching page after page as the enumeration goes.</summary>
    /// <param name="options">Page size (and a cursor to start from).</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    public IAsyncEnumerable<ApiKeyInfo> ListAllAsync(PageOptions? options = null, CancellationToken cancellationToken = default) =>
        Pages.AllAsync((cursor, token) => ListAsync(new PageOptions { Limit = options?.Limit, Cursor = cursor }, token), options?.Cursor, cancellationToken);

    /// <summary>Creates an API key. Its secret (<see cref="CreatedApiKey.Key"/>) is in this answer only.</summary>
    /// <param name="options">Its type, name and optional expiry.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<CreatedApiKey> CreateAsync(ApiKeyCreateOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var body = ClientJson.Serialize(new ApiKeyCreateBody(options.Type, options.Name, options.ExpiresAt), ClientJson.Default.ApiKeyCreateBody);
        return _api.SendAsync(HttpMethod.Post, "api-keys", body, ClientJson.Default.DataEnvelopeCreatedApiKey, cancellationToken);
    }

    /// <summary>Revokes an API key: it stops working on the next request.</summary>
    /// <param name="id">The key's id, <c>key_…</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<ApiKeyInfo> RevokeAsync(string id, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Delete, "api-keys/" + Paths.Id(id, nameof(id)), null, ClientJson.Default.DataEnvelopeApiKeyInfo, cancellationToken);
}

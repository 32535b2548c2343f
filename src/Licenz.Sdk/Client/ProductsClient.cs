using Licenz.Internal;

namespace Licenz;

/// <summary>Products: <c>/products</c>. Reached through <see cref="LicenzClient.Products"/>.</summary>
public sealed class ProductsClient
{
    private readonly ApiConnection _api;

    internal ProductsClient(ApiConnection api) => _api = api;

    /// <summary>One page of products, newest first.</summary>
    /// <param name="options">Page size and cursor; the first page when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<Page<ProductInfo>> ListAsync(PageOptions? options = null, CancellationToken cancellationToken = default) =>
        _api.GetPageAsync(
            Paths.WithQuery("products", ("limit", Paths.Number(options?.Limit)), ("cursor", options?.Cursor)),
            ClientJson.Default.ListEnvelopeProductInfo,
            cancellationToken);

    /// <summary>Every product, newest first, fetching page after page as the enumeration goes.</summary>
    /// <param name="options">Page size (and a cursor to start from).</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    public IAsyncEnumerable<ProductInfo> ListAllAsync(PageOptions? options = null, CancellationToken cancellationToken = default) =>
        Pages.AllAsync((cursor, token) => ListAsync(new PageOptions { Limit = options?.Limit, Cursor = cursor }, token), options?.Cursor, cancellationToken);

    /// <summary>A product by id.</summary>
    /// <param name="id">The product id, <c>prod_…</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<ProductInfo> GetAsync(string id, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Get, "products/" + Paths.Id(id, nameof(id)), null, ClientJson.Default.DataEnvelopeProductInfo, cancellationToken);

    /// <summary>Creates a product.</summary>
    /// <param name="options">Its name and, optionally, code, metadata and license lengths.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<ProductInfo> CreateAsync(ProductCreateOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var body = ClientJson.Serialize(
            new ProductBody(options.Name, options.Code, options.Metadata, options.SubscriptionDays, options.TrialDays), ClientJson.Default.ProductBody);
        return _api.SendAsync(HttpMethod.Post, "products", body, ClientJson.Default.DataEnvelopeProductInfo, cancellationToken);
    }

    /// <summary>Changes a product; what is left null stays as it is.</summary>
    /// <param name="id">The product id.</param>
    /// <param name="options">The changes.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<ProductInfo> UpdateAsync(string id, ProductUpdateOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = "products/" + Paths.Id(id, nameof(id));
        var body = ClientJson.Serialize(
            new ProductBody(options.Name, options.Code, options.Metadata, options.SubscriptionDays, options.TrialDays), ClientJson.Default.ProductBody);
        return _api.SendAsync(Compat.Patch, path, body, ClientJson.Default.DataEnvelopeProductInfo, cancellationToken);
    }

    /// <summary>Deletes a product that has no licenses.</summary>
    /// <param name="id">The product id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<DeleteResult> DeleteAsync(string id, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Delete, "products/" + Paths.Id(id, nameof(id)), null, ClientJson.Default.DataEnvelopeDeleteResult, cancellationToken);
}

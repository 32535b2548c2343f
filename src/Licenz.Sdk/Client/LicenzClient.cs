using Licenz.Internal;

namespace Licenz;

/// <summary>
/// The typed client of the Licenz API. One instance is meant to live as long as the application and be shared:
/// it is safe for concurrent use and keeps its connections open for reuse.
/// </summary>
/// <example>
/// <code>
/// var client = new LicenzClient("YOUR_API_KEY");
/// var licenses = await client.Licenses.ListAsync();
/// </code>
/// In an application with dependency injection, register it with
/// <c>services.AddLicenz(options => options.ApiKey = …)</c> and take <see cref="LicenzClient"/> in a constructor.
/// </example>
public sealed class LicenzClient : IDisposable
{
    private readonly ApiConnection _api;

    /// <summary>A client of the hosted API (<see cref="LicenzClientOptions.DefaultBaseUrl"/>) with this API key.</summary>
    /// <param name="apiKey">The API key.</param>
    /// <exception cref="ArgumentException">The key is missing or malformed.</exception>
    public LicenzClient(string apiKey)
        : this(new LicenzClientOptions { ApiKey = apiKey })
    {
    }

    /// <summary>A client with its own pooled connections, as <paramref name="options"/> say.</summary>
    /// <param name="options">API key, base URL (self-hosted servers) and the rest; read once, now.</param>
    /// <exception cref="ArgumentException">A setting is missing or wrong; the message names it.</exception>
    public LicenzClient(LicenzClientOptions options)
        : this(ClientSettings.From(options), httpClient: null, new JwksCache())
    {
    }

    /// <summary>
    /// A client over a caller's <see cref="HttpClient"/> (its handlers, proxy and TLS settings apply; the client does
    /// not dispose it). Requests use absolute URLs from <see cref="LicenzClientOptions.BaseUrl"/>.
    /// </summary>
    /// <param name="httpClient">The HTTP client to send requests with.</param>
    /// <param name="options">API key, base URL and the rest; read once, now.</param>
    /// <exception cref="ArgumentException">A setting is missing or wrong; the message names it.</exception>
    public LicenzClient(HttpClient httpClient, LicenzClientOptions options)
        : this(ClientSettings.From(options), httpClient ?? throw new ArgumentNullException(nameof(httpClient)), new JwksCache())
    {
    }

    internal LicenzClient(HttpClient httpClient, LicenzClientOptions options, JwksCache cache)
        : this(ClientSettings.From(options), httpClient, cache)
    {
    }

    private LicenzClient(ClientSettings settings, HttpClient? httpClient, JwksCache cache)
    {
        _api = new ApiConnection(settings, httpClient);
        var keys = new VerificationKeys(_api, cache);
        Licenses = new LicensesClient(_api, keys);
        Products = new ProductsClient(_api);
        ApiKeys = new ApiKeysClient(_api);
        SigningKeys = new SigningKeysClient(_api, keys);
        Machines = new MachinesClient(_api);
    }

    /// <summary>Licenses: list, get, create, update, delete, lifecycle actions, online verification, license files.</summary>
    public LicensesClient Licenses { get; }

    /// <summary>Products: list, get, create, update, delete.</summary>
    public ProductsClient Products { get; }

    /// <summary>API keys: list, create, revoke (admin keys only).</summary>
    public ApiKeysClient ApiKeys { get; }

    /// <summary>Signing keys: list, rotate, retire, and the public JWKS.</summary>
    public SigningKeysClient SigningKeys { get; }

    /// <summary>Machines: activate and deactivate, online or from an offline machine's request and proof.</summary>
    public MachinesClient Machines { get; }

    /// <summary>The API's base URL requests go to.</summary>
    public Uri BaseUrl => _api.Settings.BaseUrl;

    /// <summary>Closes the client's own connections (not those of a caller's <see cref="HttpClient"/>).</summary>
    public void Dispose() => _api.Dispose();
}

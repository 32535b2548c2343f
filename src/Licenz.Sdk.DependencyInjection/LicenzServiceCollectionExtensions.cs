using Licenz;
using Licenz.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="LicenzClient"/> with dependency injection.</summary>
public static class LicenzServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="LicenzClient"/> as a typed client of <c>IHttpClientFactory</c>: its connections are pooled
    /// and renewed by the factory, and keys fetched from the server's JWKS are shared by every client it creates.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the API key, base URL and the rest (bind them from configuration here if you like).</param>
    /// <returns>The client's builder, to add message handlers or change its <see cref="HttpClient"/>.</returns>
    /// <example>
    /// <code>
    /// services.AddLicenz(options =>
    /// {
    ///     options.ApiKey = configuration["Licenz:ApiKey"];
    ///     options.BaseUrl = new Uri("https://your-domain.com/api/v1");
    /// });
    /// </code>
    /// </example>
    public static IHttpClientBuilder AddLicenz(this IServiceCollection services, Action<LicenzClientOptions> configure)
    {
        // Spelled out rather than ThrowIfNull, which .NET Standard 2.0 lacks: two checks are not worth a polyfill library.
        if (services is null)
        {
            throw new ArgumentNullException(nameof(services));
        }

        if (configure is null)
        {
            throw new ArgumentNullException(nameof(configure));
        }

        services.AddOptions<LicenzClientOptions>().Configure(configure);
        services.TryAddSingleton<JwksCache>();
        var builder = services.AddHttpClient(nameof(LicenzClient))
            .ConfigureHttpClient((provider, http) => http.Timeout = Options(provider).Timeout)
            .ConfigurePrimaryHttpMessageHandler(provider => ClientHandler.Create(ClientSettings.From(Options(provider))));
        builder.AddTypedClient((http, provider) => new LicenzClient(http, Options(provider), provider.GetRequiredService<JwksCache>()));
        return builder;
    }

    private static LicenzClientOptions Options(IServiceProvider provider) =>
        provider.GetRequiredService<IOptions<LicenzClientOptions>>().Value;
}

using System.Security.Cryptography.X509Certificates;

namespace Licenz;

/// <summary>Settings of a <see cref="LicenzClient"/>.</summary>
/// <example>
/// A self-hosted server with its generated, self-signed certificate:
/// <code>
/// var client = new LicenzClient(new LicenzClientOptions
/// {
///     ApiKey = Environment.GetEnvironmentVariable("LICENZ_API_KEY"),
///     BaseUrl = new Uri("https://your-domain.com/api/v1"),
///     TrustedCertificatePath = "licenz-data/tls/licenz-localhost.crt",
/// });
/// </code>
/// </example>
public sealed class LicenzClientOptions
{
    /// <summary>The hosted service's API: <c>https://api.licenz.io/v1</c>.</summary>
    public static Uri DefaultBaseUrl { get; } = new("https://api.licenz.io/v1");

    /// <summary>
    /// The API key, sent as <c>Authorization: Bearer …</c>. Required. Applications shipped to customers should
    /// carry a verify-only key; keep admin keys out of source control (environment variables, secret stores).
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// The API's base URL: <see cref="DefaultBaseUrl"/>, or a self-hosted server's <c>https://your-domain.com/api/v1</c>.
    /// Must be <c>https://</c>: the API refuses plain HTTP, and the key must not travel in clear.
    /// </summary>
    public Uri BaseUrl { get; set; } = DefaultBaseUrl;

    /// <summary>
    /// A certificate to trust for the server instead of the system's certificate authorities: the server's own
    /// self-signed certificate, or the private CA that issued it. The server's name is still checked, and
    /// validation is never switched off. Used when the client makes its own connections (not with a caller's
    /// <see cref="HttpClient"/>).
    /// </summary>
    public X509Certificate2? TrustedCertificate { get; set; }

    /// <summary>
    /// As <see cref="TrustedCertificate"/>, from a PEM or DER file: a self-hosted server writes its generated
    /// certificate to <c>licenz-data/tls/licenz-localhost.crt</c>.
    /// </summary>
    public string? TrustedCertificatePath { get; set; }

    /// <summary>
    /// The public keys that sign verification responses. Recommended: save the server's JWKS
    /// (<c>/.well-known/jwks.json</c>) into the application at build time and load it with
    /// <see cref="PublicKeySet.FromJwks"/>, so that nothing on the network can substitute keys. When null, the
    /// client fetches the JWKS from the server, keeps it for <see cref="JwksMaxAge"/>, and fetches it again sooner when a
    /// response names a key it does not know (after a rotation), at most once per <see cref="JwksRefetchCooldown"/>.
    /// </summary>
    public PublicKeySet? VerificationKeys { get; set; }

    /// <summary>
    /// How long a fetched JWKS is trusted before it is fetched again (default 1 hour): a key the server retired stops
    /// being trusted by a long-running client within this time.
    /// </summary>
    public TimeSpan JwksMaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The shortest time between two fetches of the JWKS for a key it did not hold (default 1 minute): responses naming
    /// unknown keys, forged or not, cannot make the client fetch without end.
    /// </summary>
    public TimeSpan JwksRefetchCooldown { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The account (<c>acct_…</c>) whose public keys are fetched from the JWKS when <see cref="VerificationKeys"/> is
    /// null; null for the server's default account (the only one of a typical self-hosted server).
    /// </summary>
    public string? AccountId { get; set; }

    /// <summary>
    /// How many times a request answered 429 (rate limited) is sent again, each after the wait the server asks for
    /// (<c>Retry-After</c>, else <c>X-RateLimit-Reset</c>). Default 2; 0 never retries.
    /// </summary>
    public int MaxRateLimitRetries { get; set; } = 2;

    /// <summary>
    /// The longest wait for a rate-limit retry (default 30 seconds): when the server asks for a longer one, the
    /// 429 surfaces at once as <see cref="LicenzErrorCodes.RateLimited"/>.
    /// </summary>
    public TimeSpan MaxRateLimitWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one request may take before it fails as <see cref="LicenzErrorCodes.Timeout"/> (default 100 seconds).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>The clock for rate-limit waits (tests substitute a fake one).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}

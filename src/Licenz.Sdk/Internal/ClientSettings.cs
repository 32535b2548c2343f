using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Licenz.Internal;

/// <summary>
/// A validated copy of <see cref="LicenzClientOptions"/>, taken when the client is created, so that a wrong setting
/// fails there (naming it) and later changes to the options object do not reach a client in use.
/// </summary>
internal sealed record ClientSettings(
    AuthenticationHeaderValue Authorization,
    Uri BaseUrl,
    X509Certificate2? TrustedCertificate,
    PublicKeySet? VerificationKeys,
    string? AccountId,
    int MaxRateLimitRetries,
    TimeSpan MaxRateLimitWait,
    TimeSpan Timeout,
    TimeProvider Time,
    TimeSpan JwksMaxAge,
    TimeSpan JwksRefetchCooldown)
{
    public static ClientSettings From(LicenzClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var apiKey = options.ApiKey?.Trim();
        if (string.IsNullOrEmpty(apiKey))
        {
            throw new ArgumentException("LicenzClientOptions.ApiKey is required: the API key from Dashboard → Settings → API Keys.", nameof(options));
        }

        if (apiKey.Any(c => c is < '!' or > '~'))
        {
            throw new ArgumentException("LicenzClientOptions.ApiKey contains characters an API key never has (spaces, line breaks, non-ASCII).", nameof(options));
        }

        var baseUrl = options.BaseUrl ?? throw new ArgumentException("LicenzClientOptions.BaseUrl is required.", nameof(options));
        if (!baseUrl.IsAbsoluteUri || baseUrl.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException(
                $"LicenzClientOptions.BaseUrl must be an absolute https:// URL (the API refuses plain HTTP); got '{baseUrl}'.", nameof(options));
        }

        if (options.TrustedCertificate is not null && options.TrustedCertificatePath is not null)
        {
            throw new ArgumentException("Set LicenzClientOptions.TrustedCertificate or TrustedCertificatePath, not both.", nameof(options));
        }

        if (options.MaxRateLimitRetries < 0)
        {
            throw new ArgumentException("LicenzClientOptions.MaxRateLimitRetries must be 0 or more.", nameof(options));
        }

        if (options.MaxRateLimitWait < TimeSpan.Zero)
        {
            throw new ArgumentException("LicenzClientOptions.MaxRateLimitWait must not be negative.", nameof(options));
        }

        if (options.Timeout <= TimeSpan.Zero && options.Timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException("LicenzClientOptions.Timeout must be positive (or Timeout.InfiniteTimeSpan).", nameof(options));
        }

        if (options.JwksMaxAge <= TimeSpan.Zero || options.JwksRefetchCooldown < TimeSpan.Zero)
        {
            throw new ArgumentException("LicenzClientOptions.JwksMaxAge must be positive and JwksRefetchCooldown not negative.", nameof(options));
        }

        var path = baseUrl.GetLeftPart(UriPartial.Path);
        return new ClientSettings(
            new AuthenticationHeaderValue("Bearer", apiKey),
            new Uri(path.EndsWith('/') ? path : path + "/"),
            options.TrustedCertificate ?? (options.TrustedCertificatePath is { } file ? LoadCertificate(file) : null),
            options.VerificationKeys,
            options.AccountId is { } accountId && !string.IsNullOrWhiteSpace(accountId) ? accountId.Trim() : null,
            options.MaxRateLimitRetries,
            options.MaxRateLimitWait,
            options.Timeout,
            options.TimeProvider ?? throw new ArgumentException("LicenzClientOptions.TimeProvider is required.", nameof(options)),
            options.JwksMaxAge,
            options.JwksRefetchCooldown);
    }

    private static X509Certificate2 LoadCertificate(string file)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ArgumentException($"LicenzClientOptions.TrustedCertificatePath: cannot read '{file}': {exception.Message}", nameof(file), exception);
        }

        try
        {
            var text = Encoding.ASCII.GetString(bytes);
            return text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)
                ? FromPem(text)
#if NET9_0_OR_GREATER
                : X509CertificateLoader.LoadCertificate(bytes);
#else
                : new X509Certificate2(bytes);
#endif
        }
        catch (System.Security.Cryptography.CryptographicException exception)
        {
            throw new ArgumentException($"LicenzClientOptions.TrustedCertificatePath: '{file}' is not a PEM or DER certificate.", nameof(file), exception);
        }
    }

    private static X509Certificate2 FromPem(string text)
    {
#if NET
        return X509Certificate2.CreateFromPem(text);
#else
        using var reader = new Org.BouncyCastle.Utilities.IO.Pem.PemReader(new StringReader(text));
        return reader.ReadPemObject() is { Type: "CERTIFICATE" } pem
            ? new X509Certificate2(pem.Content)
            : throw new System.Security.Cryptography.CryptographicException("No CERTIFICATE block.");
#endif
    }
}

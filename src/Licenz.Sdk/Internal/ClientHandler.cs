using System.Security.Cryptography.X509Certificates;
#if !NET
using System.Net.Security;
#endif

namespace Licenz.Internal;

/// <summary>The connection handler of a client: pooled connections, and the trusted certificate when one is set.</summary>
internal static class ClientHandler
{
#if NET
    public static HttpMessageHandler Create(ClientSettings settings)
    {
        var handler = new SocketsHttpHandler
        {
            // Reused connections, renewed now and then so DNS changes are seen.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        if (settings.TrustedCertificate is { } trusted)
        {
            // Trust exactly this certificate (or what it issued) instead of the system's roots; names are still checked.
            handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
                CustomTrustStore = { trusted },
            };
        }

        return handler;
    }
#else
    public static HttpMessageHandler Create(ClientSettings settings)
    {
        var handler = new HttpClientHandler();
        if (settings.TrustedCertificate is { } trusted)
        {
            // .NET Standard has no custom root store: the chain is built with the trusted certificate as its only extra
            // authority, and must end in it; names are still checked (a name mismatch fails whatever the chain).
            handler.ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
                certificate is not null && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None
                && EndsIn(certificate, trusted);
        }

        return handler;
    }

    private static bool EndsIn(X509Certificate2 certificate, X509Certificate2 trusted)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
        chain.ChainPolicy.ExtraStore.Add(trusted);
        if (!chain.Build(certificate) || chain.ChainElements.Count == 0)
        {
            return false;
        }

        var root = chain.ChainElements[chain.ChainElements.Count - 1].Certificate;
        return root.RawData.AsSpan().SequenceEqual(trusted.RawData);
    }
#endif
}

using System.Security.Cryptography.X509Certificates;

namespace Licenz.Internal;

/// <summary>The connection handler of a client: pooled connections, and the trusted certificate when one is set.</summary>
internal static class ClientHandler
{
    public static SocketsHttpHandler Create(ClientSettings settings)
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
}

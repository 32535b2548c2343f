using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Hosting;

/// <summary>
/// The certificate Kestrel uses when none is configured (<c>Kestrel:Certificates:Default</c> or per endpoint):
/// a self-signed ECDSA certificate for the names clients use to reach this server (<see cref="CertificateNames"/>),
/// generated into the data folder on first start and made again when it nears expiry or no longer covers those names
/// (one made for localhost only by an earlier version, or a new address): clients then trust the new PEM file, which
/// the start says. Its public part is saved as PEM so clients can trust it (<c>curl --cacert</c>).
/// </summary>
public sealed class TlsCertificate(IOptions<LicenzOptions> options, IConfiguration configuration, ILogger<TlsCertificate> logger)
{
    // Deliberately the wall clock, not the application's TimeProvider: TLS clients judge the certificate's
    // validity by their own real clocks, whatever time the server is told it is.
    private readonly Lazy<X509Certificate2> _certificate = new(() =>
        LoadOrCreate(options.Value, CertificateNames.For(configuration), TimeProvider.System.GetUtcNow(), logger));

    /// <summary>True when the operator configured a default certificate through Kestrel's settings.</summary>
    public bool IsConfiguredByOperator => configuration.GetSection("Kestrel:Certificates:Default").Exists();

    public X509Certificate2 Certificate => _certificate.Value;

    /// <summary>The names the generated certificate covers.</summary>
    public CertificateNames Names => CertificateNames.For(configuration);

    public static string PemPath(LicenzOptions options) => Path.Combine(options.DataDirectoryFullPath, "tls", "licenz-localhost.crt");

    private static string PfxPath(LicenzOptions options) => Path.Combine(options.DataDirectoryFullPath, "tls", "licenz-localhost.pfx");

    private static X509Certificate2 LoadOrCreate(LicenzOptions options, CertificateNames names, DateTimeOffset now, ILogger logger)
    {
        var pfx = PfxPath(options);
        if (File.Exists(pfx))
        {
            var existing = X509CertificateLoader.LoadPkcs12FromFile(pfx, password: null);
            var fresh = existing.NotAfter.ToUniversalTime() > now.UtcDateTime.AddDays(30);
            if (fresh && names.AreCoveredBy(existing))
            {
                return existing;
            }

            if (fresh)
            {
                logger.LogWarning(
                    "The self-signed TLS certificate does not cover every name this server is reached by ({Names}); creating a new one. " +
                    "Clients that trusted the old one must trust {Path} again (or configure Kestrel:Certificates:Default).",
                    names, PemPath(options));
            }
            else
            {
                logger.LogInformation("The self-signed TLS certificate expires on {NotAfter:u}; creating a new one", existing.NotAfter);
            }

            existing.Dispose();
        }

        DataDirectory.Ensure(Path.GetDirectoryName(pfx)!);
        var certificate = Create(names, now);
        File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pkcs12));
        DataDirectory.RestrictToOwner(pfx);
        File.WriteAllText(PemPath(options), certificate.ExportCertificatePem() + "\n");
        logger.LogInformation("Created a self-signed TLS certificate for {Names}: {Path}", names, PemPath(options));
        return X509CertificateLoader.LoadPkcs12FromFile(pfx, password: null);
    }

    private static X509Certificate2 Create(CertificateNames names, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Licenz (localhost)", key, HashAlgorithmName.SHA256);
        var alternative = new SubjectAlternativeNameBuilder();
        foreach (var dns in names.DnsNames)
        {
            alternative.AddDnsName(dns);
        }

        foreach (var address in names.Addresses)
        {
            alternative.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(alternative.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));
    }
}

using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Hosting;

/// <summary>
/// The certificate Kestrel uses when none is configured (<c>Kestrel:Certificates:Default</c> or per endpoint):
/// a self-signed ECDSA certificate for localhost, generated into the data folder on first start and renewed
/// when it nears expiry. Its public part is saved as PEM so clients can trust it (<c>curl --cacert</c>).
/// </summary>
public sealed class TlsCertificate(IOptions<LicenzOptions> options, IConfiguration configuration, ILogger<TlsCertificate> logger)
{
    // Deliberately the wall clock, not the application's TimeProvider: TLS clients judge the certificate's
    // validity by their own real clocks, whatever time the server is told it is.
    private readonly Lazy<X509Certificate2> _certificate = new(() => LoadOrCreate(options.Value, TimeProvider.System.GetUtcNow(), logger));

    /// <summary>True when the operator configured a default certificate through Kestrel's settings.</summary>
    public bool IsConfiguredByOperator => configuration.GetSection("Kestrel:Certificates:Default").Exists();

    public X509Certificate2 Certificate => _certificate.Value;

    public static string PemPath(LicenzOptions options) => Path.Combine(options.DataDirectoryFullPath, "tls", "licenz-localhost.crt");

    private static string PfxPath(LicenzOptions options) => Path.Combine(options.DataDirectoryFullPath, "tls", "licenz-localhost.pfx");

    private static X509Certificate2 LoadOrCreate(LicenzOptions options, DateTimeOffset now, ILogger logger)
    {
        var pfx = PfxPath(options);
        if (File.Exists(pfx))
        {
            var existing = X509CertificateLoader.LoadPkcs12FromFile(pfx, password: null);
            if (existing.NotAfter.ToUniversalTime() > now.UtcDateTime.AddDays(30))
            {
                return existing;
            }

            logger.LogInformation("The self-signed TLS certificate expires on {NotAfter:u}; creating a new one", existing.NotAfter);
        }

        DataDirectory.Ensure(Path.GetDirectoryName(pfx)!);
        var certificate = Create(now);
        File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pkcs12));
        DataDirectory.RestrictToOwner(pfx);
        File.WriteAllText(PemPath(options), certificate.ExportCertificatePem() + "\n");
        logger.LogInformation("Created a self-signed TLS certificate for localhost: {Path}", PemPath(options));
        return X509CertificateLoader.LoadPkcs12FromFile(pfx, password: null);
    }

    private static X509Certificate2 Create(DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Licenz (localhost)", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        var host = Dns.GetHostName();
        if (!string.IsNullOrWhiteSpace(host) && !host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            names.AddDnsName(host);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));
    }
}

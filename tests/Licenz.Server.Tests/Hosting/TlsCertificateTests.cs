using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Licenz.Server.Hosting;
using Licenz.Server.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Tests.Hosting;

/// <summary>
/// The generated certificate covers the names clients reach the server by: localhost, the loopback addresses, the
/// machine's host name and the configured addresses. One that does not (an earlier version's, for localhost only) is
/// made again; one that does is kept.
/// </summary>
public sealed class TlsCertificateTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "licenz-tests", "tls-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void TheCertificateCoversLocalhostTheLoopbackAddressesAndTheHostName()
    {
        using var certificate = Generate(new Dictionary<string, string?>());

        var (dns, addresses) = Names(certificate);
        Assert.Contains("localhost", dns);
        Assert.Contains(Dns.GetHostName(), dns, StringComparer.OrdinalIgnoreCase);
        Assert.Contains(IPAddress.Loopback, addresses);
        Assert.Contains(IPAddress.IPv6Loopback, addresses);
    }

    [Fact]
    public void TheCertificateCoversTheConfiguredAddresses()
    {
        using var certificate = Generate(new Dictionary<string, string?>
        {
            ["urls"] = "https://licenz.internal:8443;https://10.20.30.40:8443",
            ["Kestrel:Endpoints:Other:Url"] = "https://[fd00::7]:9443",
        });

        var (dns, addresses) = Names(certificate);
        Assert.Contains("licenz.internal", dns);
        Assert.Contains(IPAddress.Parse("10.20.30.40"), addresses);
        Assert.Contains(IPAddress.Parse("fd00::7"), addresses);
    }

    [Fact]
    public void ListeningOnEveryInterfaceCoversTheMachinesAddresses()
    {
        using var certificate = Generate(new Dictionary<string, string?> { ["urls"] = "https://0.0.0.0:8443" });

        var (_, addresses) = Names(certificate);
        var own = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(u => u.Address)
            .Where(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);
        Assert.All(own, address => Assert.Contains(address, addresses));
    }

    [Fact]
    public void ACertificateOfAnEarlierVersionForLocalhostOnlyIsMadeAgainAndTheNewOneIsKept()
    {
        var tls = Directory.CreateDirectory(Path.Combine(_data, "tls")).FullName;
        using var old = LocalhostOnly();
        File.WriteAllBytes(Path.Combine(tls, "licenz-localhost.pfx"), old.Export(X509ContentType.Pkcs12));
        File.WriteAllText(Path.Combine(tls, "licenz-localhost.crt"), old.ExportCertificatePem() + "\n");

        using var renewed = Generate(new Dictionary<string, string?>());

        Assert.NotEqual(old.Thumbprint, renewed.Thumbprint);
        Assert.Contains(Dns.GetHostName(), Names(renewed).Dns, StringComparer.OrdinalIgnoreCase);
        using var pem = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(tls, "licenz-localhost.crt"));
        Assert.Equal(renewed.Thumbprint, pem.Thumbprint);

        // Started again with the same names: the same certificate, so clients' trust holds.
        using var again = Generate(new Dictionary<string, string?>());
        Assert.Equal(renewed.Thumbprint, again.Thumbprint);

        // A new configured address is not covered: made again.
        using var moved = Generate(new Dictionary<string, string?> { ["urls"] = "https://licenz.example:8443" });
        Assert.NotEqual(renewed.Thumbprint, moved.Thumbprint);
        Assert.Contains("licenz.example", Names(moved).Dns);
    }

    [Fact]
    public async Task TheStartLineNamesTheCoveredNamesAndTheSettingForOthers()
    {
        await using var app = new LicenzApplication();
        app.StartServer();

        var line = Assert.Single(app.Output.Lines, l => l.StartsWith("TLS certificate (self-signed, for ", StringComparison.Ordinal));
        Assert.Contains("localhost", line, StringComparison.Ordinal);
        Assert.Contains(Dns.GetHostName(), line, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("127.0.0.1", line, StringComparison.Ordinal);
        Assert.Contains(app.Output.Lines, l => l.Contains("Kestrel:Certificates:Default", StringComparison.Ordinal));
    }

    public void Dispose() => LicenzApplication.TryDelete(_data);

    private X509Certificate2 Generate(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var options = Options.Create(new LicenzOptions { DataDirectory = _data });
        var tls = new TlsCertificate(options, configuration, NullLogger<TlsCertificate>.Instance);
        return X509CertificateLoader.LoadCertificate(tls.Certificate.RawData);
    }

    private static (List<string> Dns, List<IPAddress> Addresses) Names(X509Certificate2 certificate)
    {
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        return (names.EnumerateDnsNames().ToList(), names.EnumerateIPAddresses().ToList());
    }

    /// <summary>What earlier versions generated: localhost and the loopback addresses only.</summary>
    private static X509Certificate2 LocalhostOnly()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Licenz (localhost)", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));
    }
}

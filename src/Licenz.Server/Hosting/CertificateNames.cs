using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Licenz.Server.Hosting;

/// <summary>
/// The names a client may use to reach this server, which the generated certificate must cover: localhost and the
/// loopback addresses, the machine's host name, and the hosts of the configured addresses (<c>urls</c>,
/// <c>Kestrel:Endpoints</c>); an address on every interface (<c>0.0.0.0</c>, <c>[::]</c>, <c>*</c>, <c>+</c>) stands for
/// the machine's own addresses.
/// </summary>
public sealed record CertificateNames(IReadOnlyList<string> DnsNames, IReadOnlyList<IPAddress> Addresses)
{
    public static CertificateNames For(IConfiguration configuration)
    {
        var dns = new List<string> { "localhost" };
        var addresses = new List<IPAddress> { IPAddress.Loopback, IPAddress.IPv6Loopback };
        AddDns(dns, Dns.GetHostName());

        var urls = (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Concat(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>());
        foreach (var url in urls)
        {
            var host = Host(url);
            if (host is "*" or "+" || (IPAddress.TryParse(host, out var any) && (any.Equals(IPAddress.Any) || any.Equals(IPAddress.IPv6Any))))
            {
                addresses.AddRange(MachineAddresses());
            }
            else if (IPAddress.TryParse(host, out var address))
            {
                addresses.Add(address);
            }
            else if (host is not null)
            {
                AddDns(dns, host);
            }
        }

        return new(
            dns.Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
            addresses.Select(a => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).Distinct().ToList());
    }

    /// <summary>Whether a certificate's subject alternative names cover every one of these names.</summary>
    public bool AreCoveredBy(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        var extension = certificate.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (extension is null)
        {
            return false;
        }

        var dns = extension.EnumerateDnsNames().ToHashSet(StringComparer.OrdinalIgnoreCase);
        var addresses = extension.EnumerateIPAddresses().ToHashSet();
        return DnsNames.All(dns.Contains) && Addresses.All(addresses.Contains);
    }

    public override string ToString() => string.Join(", ", DnsNames.Concat(Addresses.Select(a => a.ToString())));

    // "https://host:port/path" → host; "[::1]" → ::1. Kestrel's wildcards ("*", "+") are not valid URIs, so they are read by hand.
    private static string? Host(string url)
    {
        var afterScheme = url.IndexOf("://", StringComparison.Ordinal) is var i and >= 0 ? url[(i + 3)..] : url;
        var authority = afterScheme.Split('/')[0];
        if (authority.StartsWith('['))
        {
            return authority.IndexOf(']') is var end and > 0 ? authority[1..end] : null;
        }

        var host = authority.Split(':')[0];
        return host.Length == 0 ? null : host;
    }

    private static void AddDns(List<string> names, string? host)
    {
        if (!string.IsNullOrWhiteSpace(host) && Uri.CheckHostName(host) == UriHostNameType.Dns)
        {
            names.Add(host.TrimEnd('.'));
        }
    }

    private static IEnumerable<IPAddress> MachineAddresses()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .Where(n => n.OperationalStatus == OperationalStatus.Up)
                .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                .Select(u => u.Address)
                .Where(a => a.AddressFamily is AddressFamily.InterNetwork || (a.AddressFamily is AddressFamily.InterNetworkV6 && !a.IsIPv6LinkLocal))
                .ToList();
        }
        catch (NetworkInformationException)
        {
            return [];
        }
    }
}

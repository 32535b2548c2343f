using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Metrics;

/// <summary>Settings under <c>Licenz:Metrics</c>.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Licenz:Metrics";

    /// <summary>Serve <c>/metrics</c> and collect what it shows. Off, the path is an unknown one and nothing is measured.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Client addresses or networks (CIDR) that may read <c>/metrics</c>; others are refused (403). Empty (the default)
    /// means loopback and the private networks, where a Prometheus server usually scrapes from. Behind a proxy the client
    /// is the address the trusted proxy forwards (<c>Licenz:TrustedProxies</c>). <c>0.0.0.0/0</c> and <c>::/0</c> allow
    /// everyone.
    /// </summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>Loopback, RFC 1918 and IPv6 unique local addresses.</summary>
    private static readonly IPNetwork[] Internal =
    [
        IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128"),
        IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("fc00::/7"),
    ];

    /// <summary>The networks that may read the metrics, parsed (the options are validated at start).</summary>
    internal IReadOnlyList<IPNetwork> Networks() =>
        AllowedNetworks.Count == 0 ? Internal : AllowedNetworks.Select(entry => TryParse(entry)!.Value).ToArray();

    /// <summary>A network in CIDR form, or one address as a network of itself.</summary>
    internal static IPNetwork? TryParse(string entry) =>
        IPNetwork.TryParse(entry, out var network) ? network
        : IPAddress.TryParse(entry, out var address) ? new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128)
        : null;
}

/// <summary>Refuses an allowed network that is neither an address nor a network in CIDR form.</summary>
public sealed class MetricsOptionsValidator : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options)
    {
        var errors = options.AllowedNetworks
            .Select((entry, i) => MetricsOptions.TryParse(entry) is null
                ? $"{MetricsOptions.Section}:{nameof(options.AllowedNetworks)}:{i}: '{entry}' is neither an IP address nor a network in CIDR form (10.0.0.0/8)."
                : null)
            .OfType<string>()
            .ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

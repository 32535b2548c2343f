namespace Licenz.Server.Hosting;

/// <summary>
/// Licenz answers API requests only over HTTPS, so a server configured with plain-HTTP addresses alone would refuse
/// every request it gets. That is a wrong setting, reported by name before anything is written — unless a trusted
/// TLS-terminating proxy (<c>Licenz:TrustedProxies</c>) forwards to it, the one setup where HTTP alone is right.
/// </summary>
public static class HttpsAddressCheck
{
    private const string Advice =
        "Licenz answers only over HTTPS: add an https:// address (for example --urls https://0.0.0.0:8443), " +
        "or, behind a TLS-terminating proxy, list the proxy in Licenz:TrustedProxies.";

    /// <summary>The reason the configured addresses cannot serve the API, or null when they can (or none are configured: the default is HTTPS).</summary>
    public static string? Problem(IConfiguration configuration)
    {
        if (configuration.GetSection("Licenz:TrustedProxies").GetChildren().Any())
        {
            return null;
        }

        var urls = Split(configuration["urls"]);
        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren()
            .Select(e => (Name: e.Key, Url: e["Url"] ?? ""))
            .ToList();
        var httpsPorts = configuration["https_ports"];
        var configured = urls.Count > 0 || endpoints.Count > 0 || !string.IsNullOrEmpty(configuration["http_ports"]) || !string.IsNullOrEmpty(httpsPorts);
        if (!configured || !string.IsNullOrEmpty(httpsPorts) || urls.Any(IsHttps) || endpoints.Any(e => IsHttps(e.Url)))
        {
            return null;
        }

        var where = new List<string>();
        if (endpoints.Count > 0)
        {
            where.AddRange(endpoints.Select(e => $"Kestrel:Endpoints:{e.Name}:Url is '{e.Url}'"));
        }
        else if (urls.Count > 0)
        {
            where.Add($"urls (--urls or ASPNETCORE_URLS) is '{configuration["urls"]}'");
        }
        else
        {
            where.Add($"http_ports (ASPNETCORE_HTTP_PORTS) is '{configuration["http_ports"]}'");
        }

        return $"no HTTPS address is configured: {string.Join("; ", where)}. {Advice}";
    }

    /// <summary>For a server whose listeners were given in code: the same refusal once it listens.</summary>
    public static string NoHttpsListener(IEnumerable<string> addresses) =>
        $"no HTTPS address is configured: the server listens only on {string.Join(", ", addresses)}. {Advice}";

    private static List<string> Split(string? urls) =>
        (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static bool IsHttps(string url) => url.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
}

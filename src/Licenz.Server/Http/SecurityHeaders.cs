namespace Licenz.Server.Http;

/// <summary>Endpoint metadata: response headers that harden what a client or browser does with the answer.</summary>
public sealed class SecurityHeaders
{
    private readonly KeyValuePair<string, string>[] _headers;

    private SecurityHeaders(params KeyValuePair<string, string>[] headers) => _headers = headers;

    /// <summary>
    /// API answers: HTTPS only from now on for this host (HSTS, a year; answers over plain HTTP never carry it), and
    /// no content sniffing of JSON.
    /// </summary>
    public static readonly SecurityHeaders Api = new(
        new("Strict-Transport-Security", "max-age=31536000"),
        new("X-Content-Type-Options", "nosniff"));

    /// <summary>
    /// The dashboard's pages: its own stylesheet and script only (no inline script or style), images of its own or
    /// made in the page (the authenticator's QR code), no framing, no third-party anything.
    /// </summary>
    public static readonly SecurityHeaders Dashboard = new(
        new("Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; " +
            "frame-ancestors 'none'; base-uri 'none'"),
        new("X-Frame-Options", "DENY"),
        new("X-Content-Type-Options", "nosniff"),
        new("Referrer-Policy", "no-referrer"));

    internal void Apply(HttpContext context)
    {
        var headers = context.Response.Headers;
        foreach (var (name, value) in _headers)
        {
            // RFC 6797: HSTS is only meaningful, and only sent, over a secure connection.
            if (name == "Strict-Transport-Security" && !context.Request.IsHttps)
            {
                continue;
            }

            headers[name] = value;
        }
    }
}

public static class SecurityHeadersExtensions
{
    /// <summary>Sends <paramref name="headers"/> on every answer of the endpoint, errors included.</summary>
    public static TBuilder WithSecurityHeaders<TBuilder>(this TBuilder builder, SecurityHeaders headers) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(headers);
}

namespace Licenz.Server.Tests.Contract;

/// <summary>What the checker sees of one request and its response, independent of how it was sent.</summary>
/// <param name="RequestBody">The bytes sent, or null when there was no body or it was too large to keep.</param>
/// <param name="ResponseHeaders">The names of the response's headers (content headers included).</param>
/// <param name="ResponseBody">The bytes received (empty when there was no body).</param>
public sealed record HttpExchange(
    string Method,
    Uri Uri,
    string? RequestContentType,
    byte[]? RequestBody,
    int Status,
    IReadOnlyCollection<string> ResponseHeaders,
    string? ResponseContentType,
    byte[] ResponseBody);

using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Licenz.Server.Api;

/// <summary>The API's rules for request bodies: JSON only, bounded in size.</summary>
public static class RequestBodies
{
    public static bool HasBody(HttpRequest request)
    {
        if (request.ContentLength is { } length)
        {
            return length > 0;
        }

        return request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? false;
    }

    public static bool IsJson(string? contentType)
    {
        // What nearly every client sends, decided without parsing.
        if (string.Equals(contentType, "application/json", StringComparison.OrdinalIgnoreCase)
            || string.Equals(contentType, "application/json; charset=utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            return false;
        }

        var isJson = mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase);
        var charset = mediaType.Charset;
        return isJson && (!charset.HasValue || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Refuses a body that is not declared as UTF-8 JSON or is larger than the configured limit.</summary>
    public static void EnsureAcceptable(HttpRequest request, long maxBytes)
    {
        if (!HasBody(request))
        {
            return;
        }

        if (!IsJson(request.ContentType))
        {
            var got = string.IsNullOrEmpty(request.ContentType) ? "no Content-Type" : $"Content-Type '{request.ContentType}'";
            throw ApiException.BadRequest(
                $"Request bodies must be JSON sent with 'Content-Type: application/json'; this request had {got}.");
        }

        if (request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
        }
    }

    public static ApiException TooLarge(long maxBytes) =>
        ApiException.BadRequest($"The request body is larger than the limit of {maxBytes} bytes.");
}

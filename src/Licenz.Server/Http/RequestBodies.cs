using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Licenz.Server.Http;

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

    /// <summary>Why a body that is there cannot be accepted before reading it: not declared as UTF-8 JSON, or declared too large.</summary>
    public static ApiError? Refusal(HttpRequest request, long maxBytes)
    {
        if (!IsJson(request.ContentType))
        {
            var got = string.IsNullOrEmpty(request.ContentType) ? "no Content-Type" : $"Content-Type '{request.ContentType}'";
            return new(ErrorCodes.BadRequest,
                $"Request bodies must be JSON sent with 'Content-Type: application/json'; this request had {got}.", StatusCodes.Status400BadRequest);
        }

        return request.ContentLength > maxBytes ? TooLarge(maxBytes) : null;
    }

    public static ApiError TooLarge(long maxBytes) =>
        new(ErrorCodes.BadRequest, $"The request body is larger than the limit of {maxBytes} bytes.", StatusCodes.Status400BadRequest);
}

/// <summary>
/// The JSON body of this request, read whole (and counted exactly against the limit) before the endpoint binds it,
/// so that a refused body can be read again to say what was wrong with it.
/// </summary>
public sealed class JsonRequestBody(byte[] bytes)
{
    public ReadOnlyMemory<byte> Bytes => bytes;

    /// <summary>The body for the framework's binding to read.</summary>
    public Stream OpenRead() => new MemoryStream(bytes, writable: false);

    /// <summary>The whole body, or null when it is larger than <paramref name="maxBytes"/>.</summary>
    public static async ValueTask<JsonRequestBody?> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        var reader = request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (buffer.Length > maxBytes)
            {
                reader.AdvanceTo(buffer.End);
                return null;
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                var bytes = buffer.IsSingleSegment ? buffer.First.ToArray() : System.Buffers.BuffersExtensions.ToArray(buffer);
                reader.AdvanceTo(buffer.End);
                return new JsonRequestBody(bytes);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}

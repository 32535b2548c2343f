using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Licenz.Server.Http;

/// <summary>The largest request body the API reads (the server's <c>Licenz:MaxRequestBodyBytes</c>).</summary>
public sealed class RequestBodyOptions
{
    public long MaxBytes { get; set; } = 1024 * 1024;
}

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

    /// <summary>Bodies up to this size, with a declared length, are peeked at rather than taken (see <see cref="TryPeek"/>).</summary>
    public const int PeekLimit = 16 * 1024;

    /// <summary>
    /// A copy of a small body with a declared length that the connection already holds in full (the usual case), left in
    /// the connection's pipe for the framework's binding to read as it is. Kept for the error path only (naming the field).
    /// </summary>
    /// <remarks>
    /// Handing the binding a copied stream instead cost 4 % more CPU per verification (<c>bench/compare.sh</c>, 4 of 4
    /// paired rounds): it then reads through a stream adapter rather than the pipe. Larger or chunked bodies still go
    /// through <see cref="ReadAsync"/>, which counts their length exactly.
    /// </remarks>
    public static JsonRequestBody? TryPeek(HttpRequest request)
    {
        if (request.ContentLength is not (> 0 and <= PeekLimit and var length) || !request.BodyReader.TryRead(out var result))
        {
            return null;
        }

        var buffer = result.Buffer;
        var whole = buffer.Length >= length || result.IsCompleted;
        var copy = whole ? new JsonRequestBody(System.Buffers.BuffersExtensions.ToArray(buffer)) : null;

        // Examined, not consumed: the same bytes are read again by the binding (or, when incomplete, by ReadAsync).
        request.BodyReader.AdvanceTo(buffer.Start, whole ? buffer.Start : buffer.End);
        return copy;
    }

    /// <summary>Kept as the request's body when it was over the limit (read, and so spent): the request rules refuse it.</summary>
    private static readonly JsonRequestBody OverLimit = new([]);

    /// <summary>
    /// The JSON body of a request whose endpoint binds one, taken once and kept as a request feature: peeked at when
    /// small and already there (<see cref="TryPeek"/>), else read whole and handed to the binding as a stream. Whichever
    /// step needs it first takes it — the rate limit, for a license key's share, or the request rules — and the other
    /// finds it. Null when the body is over <paramref name="maxBytes"/>. The caller has checked
    /// <see cref="RequestBodies.Refusal"/> first.
    /// </summary>
    public static ValueTask<JsonRequestBody?> TakeAsync(HttpContext context, long maxBytes)
    {
        if (context.Features.Get<JsonRequestBody>() is { } taken)
        {
            return ValueTask.FromResult(ReferenceEquals(taken, OverLimit) ? null : taken);
        }

        if (TryPeek(context.Request) is { } peeked)
        {
            context.Features.Set(peeked);
            return ValueTask.FromResult<JsonRequestBody?>(peeked);
        }

        return ReadAndKeepAsync(context, maxBytes);
    }

    private static async ValueTask<JsonRequestBody?> ReadAndKeepAsync(HttpContext context, long maxBytes)
    {
        var body = await ReadAsync(context.Request, maxBytes, context.RequestAborted);
        context.Features.Set(body ?? OverLimit);
        if (body is not null)
        {
            context.Request.Body = body.OpenRead();
        }

        return body;
    }

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

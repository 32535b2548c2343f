using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Licenz.Internal;

/// <summary>An answer of the API with its body read: raw headers for signature checks, typed data, or the error.</summary>
internal sealed class ApiResponse : IDisposable
{
    private readonly HttpResponseMessage _message;
    private readonly TimeProvider _time;

    public ApiResponse(HttpResponseMessage message, byte[] body, TimeProvider time)
    {
        _message = message;
        _time = time;
        Body = body;
        RateLimit = RateLimit.Parse(Header("X-RateLimit-Limit"), Header("X-RateLimit-Remaining"), Header("X-RateLimit-Reset"));
    }

    public int Status => (int)_message.StatusCode;

    public bool IsSuccess => _message.IsSuccessStatusCode;

    public byte[] Body { get; }

    public RateLimit? RateLimit { get; }

    /// <summary>A header exactly as received (several lines joined by ", "): HttpClient's parsing would reformat some.</summary>
    public string? Header(string name)
    {
        if ((Compat.RawHeader(_message.Headers, name) ?? Compat.RawHeader(_message.Content.Headers, name)) is { } value)
        {
            return value;
        }

        return null;
    }

    public T Read<T>(JsonTypeInfo<DataEnvelope<T>> typeInfo) where T : class
    {
        var data = Deserialize(typeInfo)?.Data ?? throw InvalidResponse("its body has no \"data\"");
        if (data is LicenzResult result)
        {
            result.RateLimit = RateLimit;
        }

        return data;
    }

    public Page<T> ReadPage<T>(JsonTypeInfo<ListEnvelope<T>> typeInfo) where T : LicenzResult
    {
        var envelope = Deserialize(typeInfo);
        if (envelope is not { Data: { } items, Pagination: { } pagination } || items.Any(i => i is null))
        {
            throw InvalidResponse("its body is not a list with \"data\" and \"pagination\"");
        }

        foreach (var item in items)
        {
            item.RateLimit = RateLimit;
        }

        return new Page<T> { Data = items.AsReadOnly(), Pagination = pagination, RateLimit = RateLimit };
    }

    public ResultList<T> ReadList<T>(JsonTypeInfo<DataEnvelope<List<T>>> typeInfo) where T : LicenzResult
    {
        var items = Read(typeInfo);
        if (items.Any(i => i is null))
        {
            throw InvalidResponse("its \"data\" list holds a null");
        }

        foreach (var item in items)
        {
            item.RateLimit = RateLimit;
        }

        return new ResultList<T> { Data = items.AsReadOnly(), RateLimit = RateLimit };
    }

    /// <summary>The error envelope as an exception; an answer without one (a proxy's page, say) is <c>invalid_response</c>.</summary>
    public LicenzException ToException()
    {
        ErrorBody? error = null;
        try
        {
            error = JsonSerializer.Deserialize(Body, ClientJson.Default.ErrorEnvelope)?.Error;
        }
        catch (JsonException)
        {
            // Not the API's envelope: described below.
        }

        var retryAfter = Status == 429 ? RateLimitRetry.Wait(_message, _time) : null;
        if (error is { Code: { Length: > 0 } code, Message: { } message })
        {
            return new LicenzException(code, message + BaseUrlHint(), Status, error.Field, RateLimit, retryAfter);
        }

        return new LicenzException(LicenzErrorCodes.InvalidResponse,
            $"The server answered HTTP {Status} {_message.ReasonPhrase} without the Licenz error envelope{Described()}: is the base URL the API's?{BaseUrlHint()}",
            Status, rateLimit: RateLimit, retryAfter: retryAfter);
    }

    /// <summary>
    /// For a 404 to a request outside any <c>/v1/</c> path: the most common first mistake, a self-hosted server's address
    /// given as the base URL without its API path.
    /// </summary>
    private string BaseUrlHint() =>
        Status == 404 && _message.RequestMessage?.RequestUri is { } uri && uri.AbsolutePath.IndexOf("/v1/", StringComparison.Ordinal) < 0
            ? $" The request went to {uri.GetLeftPart(UriPartial.Path)}: the base URL (LicenzClientOptions.BaseUrl) lacks the API's path. " +
              $"A self-hosted server's API is at {uri.GetLeftPart(UriPartial.Authority)}/api/v1."
            : "";

    /// <summary>A verification response that fails its checks: never a result.</summary>
    public LicenzException SignatureFailure(string signatureCode, string detail) =>
        new(LicenzErrorCodes.InvalidResponseSignature,
            $"The verification response failed its signature check ({signatureCode}): {detail} It was not trusted.",
            Status, rateLimit: RateLimit);

    public void Dispose() => _message.Dispose();

    private T? Deserialize<T>(JsonTypeInfo<T> typeInfo)
    {
        try
        {
            return JsonSerializer.Deserialize(Body, typeInfo);
        }
        catch (JsonException exception)
        {
            throw InvalidResponse(exception.Path is { Length: > 1 } path ? $"it is not the JSON the API sends (at {path})" : "it is not the JSON the API sends",
                exception);
        }
    }

    private LicenzException InvalidResponse(string problem, Exception? inner = null) =>
        new(LicenzErrorCodes.InvalidResponse,
            $"The server answered HTTP {Status}, but {problem}{Described()}.",
            Status, rateLimit: RateLimit, innerException: inner);

    private string Described() =>
        _message.Content.Headers.ContentType is { MediaType: { } type } && !type.Contains("json", StringComparison.OrdinalIgnoreCase)
            ? $" (it sent {type})"
            : "";
}

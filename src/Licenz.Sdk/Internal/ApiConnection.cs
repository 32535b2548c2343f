using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text.Json.Serialization.Metadata;
using Polly;
using Polly.Retry;

namespace Licenz.Internal;

/// <summary>
/// Sends requests to the API: the base URL, the Bearer key, JSON, the 429 retry (Polly, on the options' clock), and
/// every transport failure turned into a <see cref="LicenzException"/>.
/// </summary>
internal sealed class ApiConnection : IDisposable
{
    private static readonly MediaTypeWithQualityHeaderValue Json = new("application/json");
    private static readonly MediaTypeHeaderValue JsonContent = new("application/json");
    private static readonly ProductInfoHeaderValue UserAgent = new(
        "Licenz.Sdk", typeof(ApiConnection).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public ApiConnection(ClientSettings settings, HttpClient? http)
    {
        Settings = settings;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient(ClientHandler.Create(settings), disposeHandler: true) { Timeout = settings.Timeout };
        _pipeline = RateLimitRetry.Pipeline(settings);
    }

    public ClientSettings Settings { get; }

    /// <summary>Sends a request and returns the answer, whatever its status; the caller disposes it.</summary>
    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, byte[]? body, bool authenticate, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var uri = new Uri(Settings.BaseUrl, path);
        HttpResponseMessage response;
        try
        {
            response = await _pipeline.ExecuteAsync(
                static async (attempt, token) =>
                {
                    // A request message can be sent only once: every attempt gets its own.
                    using var request = attempt.Connection.CreateRequest(attempt.Method, attempt.Uri, attempt.Body, attempt.Authenticate);
                    return await attempt.Connection._http.SendAsync(request, HttpCompletionOption.ResponseContentRead, token).ConfigureAwait(false);
                },
                new Attempt(this, method, uri, body, authenticate),
                cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException exception)
        {
            throw NetworkError(uri, exception);
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new LicenzException(LicenzErrorCodes.Timeout,
                $"{method} {uri} got no answer within {_http.Timeout.TotalSeconds:0.###} seconds (LicenzClientOptions.Timeout).",
                innerException: exception);
        }

        try
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            return new ApiResponse(response, bytes, Settings.Time);
        }
        catch (HttpRequestException exception)
        {
            response.Dispose();
            throw NetworkError(uri, exception);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Sends a request whose answer is <c>{"data": …}</c>.</summary>
    public async Task<T> SendAsync<T>(HttpMethod method, string path, byte[]? body, JsonTypeInfo<DataEnvelope<T>> typeInfo, CancellationToken cancellationToken)
        where T : LicenzResult
    {
        using var response = await SendAsync(method, path, body, authenticate: true, cancellationToken).ConfigureAwait(false);
        return response.IsSuccess ? response.Read(typeInfo) : throw response.ToException();
    }

    /// <summary>Gets a page of a list: <c>{"data": [...], "pagination": {...}}</c>.</summary>
    public async Task<Page<T>> GetPageAsync<T>(string path, JsonTypeInfo<ListEnvelope<T>> typeInfo, CancellationToken cancellationToken)
        where T : LicenzResult
    {
        using var response = await SendAsync(HttpMethod.Get, path, body: null, authenticate: true, cancellationToken).ConfigureAwait(false);
        return response.IsSuccess ? response.ReadPage(typeInfo) : throw response.ToException();
    }

    /// <summary>Gets a whole list: <c>{"data": [...]}</c> without pagination.</summary>
    public async Task<ResultList<T>> GetListAsync<T>(string path, JsonTypeInfo<DataEnvelope<List<T>>> typeInfo, CancellationToken cancellationToken)
        where T : LicenzResult
    {
        using var response = await SendAsync(HttpMethod.Get, path, body: null, authenticate: true, cancellationToken).ConfigureAwait(false);
        return response.IsSuccess ? response.ReadList(typeInfo) : throw response.ToException();
    }

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private HttpRequestMessage CreateRequest(HttpMethod method, Uri uri, byte[]? body, bool authenticate)
    {
        var request = new HttpRequestMessage(method, uri);
        if (authenticate)
        {
            request.Headers.Authorization = Settings.Authorization;
        }

        request.Headers.Accept.Add(Json);
        request.Headers.UserAgent.Add(UserAgent);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body) { Headers = { ContentType = JsonContent } };
        }

        return request;
    }

    private LicenzException NetworkError(Uri uri, HttpRequestException exception)
    {
        var tls = Find<AuthenticationException>(exception) is not null;
        var hint = tls
            ? Settings.TrustedCertificate is null
                ? " The server's TLS certificate is not trusted; for a self-hosted server with its own certificate, set LicenzClientOptions.TrustedCertificatePath (or TrustedCertificate)."
                : " The server's TLS certificate is not the trusted one (LicenzClientOptions.TrustedCertificate) or is not valid for this host name."
            : "";
        return new LicenzException(LicenzErrorCodes.NetworkError,
            $"Could not reach the Licenz API at {uri.GetLeftPart(UriPartial.Authority)}: {exception.Message}{hint}",
            innerException: exception);
    }

    private static T? Find<T>(Exception? exception) where T : Exception
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is T found)
            {
                return found;
            }
        }

        return null;
    }

    private readonly record struct Attempt(ApiConnection Connection, HttpMethod Method, Uri Uri, byte[]? Body, bool Authenticate);
}

/// <summary>A 429 is sent again after the wait the server asks for, when that wait and the number of tries are within bounds.</summary>
internal static class RateLimitRetry
{
    public static ResiliencePipeline<HttpResponseMessage> Pipeline(ClientSettings settings)
    {
        if (settings.MaxRateLimitRetries == 0)
        {
            return ResiliencePipeline<HttpResponseMessage>.Empty;
        }

        var time = settings.Time;
        return new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                Name = "licenz-rate-limit",
                MaxRetryAttempts = settings.MaxRateLimitRetries,
                BackoffType = DelayBackoffType.Constant,
                UseJitter = false,
                ShouldHandle = args => new ValueTask<bool>(
                    args.Outcome.Result is { StatusCode: (HttpStatusCode)429 } response
                    && Wait(response, time) is { } wait
                    && wait <= settings.MaxRateLimitWait),
                DelayGenerator = args => new ValueTask<TimeSpan?>(args.Outcome.Result is { } response ? Wait(response, time) : null),
            })
            .Build();
    }

    /// <summary>
    /// How long the server asks the client to wait: <c>Retry-After</c> when given (relative, so immune to a difference
    /// between the two clocks), else until <c>X-RateLimit-Reset</c>.
    /// </summary>
    public static TimeSpan? Wait(HttpResponseMessage response, TimeProvider time)
    {
        if (response.Headers.RetryAfter is { } retryAfter)
        {
            if (retryAfter.Delta is { } delta)
            {
                return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
            }

            if (retryAfter.Date is { } date)
            {
                return NotNegative(date - time.GetUtcNow());
            }
        }

        return Compat.RawHeader(response.Headers, "X-RateLimit-Reset") is { } value
               && RateLimit.ParseReset(value) is { } reset
            ? NotNegative(reset - time.GetUtcNow())
            : null;
    }

    private static TimeSpan NotNegative(TimeSpan span) => span < TimeSpan.Zero ? TimeSpan.Zero : span;
}

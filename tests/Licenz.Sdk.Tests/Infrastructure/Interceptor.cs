using System.Text.Json;

namespace Licenz.Sdk.Tests.Infrastructure;

/// <summary>
/// Sits in a client's pipeline between the SDK and the network: it records every request and may hand the SDK a
/// different response than the server sent (a man in the middle, or a proxy's error page).
/// </summary>
public sealed class Interceptor : DelegatingHandler
{
    private readonly List<RecordedRequest> _requests = [];

    /// <summary>Replaces (or edits) the server's response; the response passes unchanged when null.</summary>
    public Func<RecordedRequest, HttpResponseMessage, CancellationToken, Task<HttpResponseMessage>>? OnResponse { get; set; }

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return _requests.ToList();
            }
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        var recorded = new RecordedRequest(request.Method.Method, request.RequestUri!, request.Headers.Authorization?.ToString(), body);
        lock (_requests)
        {
            _requests.Add(recorded);
        }

        var response = await base.SendAsync(request, cancellationToken);
        return OnResponse is { } edit ? await edit(recorded, response, cancellationToken) : response;
    }
}

public sealed record RecordedRequest(string Method, Uri Uri, string? Authorization, string? Body)
{
    public string Path => Uri.AbsolutePath;

    /// <summary>A string field of the JSON request body.</summary>
    public string? Field(string name)
    {
        using var document = JsonDocument.Parse(Body ?? "{}");
        return document.RootElement.TryGetProperty(name, out var value) ? value.GetString() : null;
    }
}

/// <summary>A response as it came off the wire, to be replayed or altered.</summary>
public sealed record CapturedResponse(int Status, IReadOnlyList<(string Name, string Value)> Headers, IReadOnlyList<(string Name, string Value)> ContentHeaders, byte[] Body)
{
    public static async Task<CapturedResponse> CaptureAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsByteArrayAsync();
        return new CapturedResponse(
            (int)response.StatusCode,
            response.Headers.NonValidated.Select(h => (h.Key, h.Value.ToString())).ToList(),
            response.Content.Headers.NonValidated.Select(h => (h.Key, h.Value.ToString())).ToList(),
            body);
    }

    public string Header(string name) => Headers.Single(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    public CapturedResponse WithHeader(string name, string? value) => this with
    {
        Headers = Headers.Where(h => !h.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            .Concat(value is null ? [] : [(name, value)]).ToList(),
    };

    /// <summary>A fresh message with exactly these headers, unparsed, as HttpClient would have received them.</summary>
    public HttpResponseMessage ToMessage()
    {
        var message = new HttpResponseMessage((System.Net.HttpStatusCode)Status) { Content = new ByteArrayContent(Body) };
        foreach (var (name, value) in Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        foreach (var (name, value) in ContentHeaders.Where(h => !h.Name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)))
        {
            message.Content.Headers.TryAddWithoutValidation(name, value);
        }

        return message;
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.Hosting;

/// <summary>
/// <c>http://</c> sent to the HTTPS port (a user who typed the wrong scheme) gets a plain HTTP/1.1 answer with the
/// <c>forbidden</c> envelope naming the <c>https://</c> address, then the connection closes; HTTPS on the same port
/// is unaffected.
/// </summary>
public sealed class PlainHttpOnTlsPortTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ARawHttpRequestGetsTheEnvelopeNamingTheHttpsAddressAndTheConnectionCloses()
    {
        var port = app.HttpsAddress.Port;

        var (head, body) = await SendRawAsync(port, $"GET /api/v1/licenses?limit=5 HTTP/1.1\r\nHost: localhost:{port}\r\nAccept: */*\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 403 ", head, StringComparison.Ordinal);
        Assert.Contains("\r\nConnection: close", head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\r\nContent-Type: application/json; charset=utf-8", head, StringComparison.OrdinalIgnoreCase);
        var error = Envelope(body);
        Assert.Equal("forbidden", error.Str("code"));
        Assert.Equal(403, error.GetProperty("status").GetInt32());
        Assert.Contains($"https://localhost:{port}/api/v1/licenses?limit=5", error.Str("message"), StringComparison.Ordinal);
        Assert.Contains("HTTPS is required", error.Str("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutAHostHeaderTheAnswerNamesTheAddressTheClientReached()
    {
        var port = app.HttpsAddress.Port;

        var (head, body) = await SendRawAsync(port, "GET /api/v1/licenses HTTP/1.1\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 403 ", head, StringComparison.Ordinal);
        Assert.Contains($"https://127.0.0.1:{port}/api/v1/licenses", Envelope(body).Str("message"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("evil.example/path")]
    [InlineData("user@evil.example")]
    [InlineData("bad host")]
    public async Task AMalformedHostHeaderIsNotRepeated(string host)
    {
        var port = app.HttpsAddress.Port;

        var (_, body) = await SendRawAsync(port, $"GET /dashboard HTTP/1.1\r\nHost: {host}\r\n\r\n");

        var message = Envelope(body).Str("message");
        Assert.Contains($"https://127.0.0.1:{port}/dashboard", message, StringComparison.Ordinal);
        Assert.DoesNotContain("evil", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APostWithABodyStillGetsTheAnswer()
    {
        var port = app.HttpsAddress.Port;
        var json = JsonSerializer.Serialize(new { name = new string('x', 50_000) });

        var (head, body) = await SendRawAsync(port,
            $"POST /api/v1/products HTTP/1.1\r\nHost: localhost:{port}\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(json)}\r\n\r\n{json}");

        Assert.StartsWith("HTTP/1.1 403 ", head, StringComparison.Ordinal);
        Assert.Equal("forbidden", Envelope(body).Str("code"));
    }

    [Fact]
    public async Task AnHttpClientUsingTheWrongSchemeReadsTheEnvelopeAndHttpsOnTheSamePortStillWorks()
    {
        using var plain = new HttpClient();
        var wrong = new UriBuilder(app.HttpsAddress) { Scheme = "http", Host = "localhost", Path = "/api/v1/products" }.Uri;

        using var refused = await plain.GetAsync(wrong, Cancel);

        var error = await refused.ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Contains($"https://localhost:{app.HttpsAddress.Port}/api/v1/products", error.Str("message"), StringComparison.Ordinal);

        // Many HTTPS requests and plain ones at once on the same port: each gets its own answer.
        using var https = app.CreateAdminClient();
        var tasks = Enumerable.Range(0, 20).Select(async i =>
        {
            if (i % 2 == 0)
            {
                await (await https.GetAsync("products", Cancel)).DataAsync();
            }
            else
            {
                var (head, _) = await SendRawAsync(app.HttpsAddress.Port, "GET /api/v1/products HTTP/1.1\r\n\r\n");
                Assert.StartsWith("HTTP/1.1 403 ", head, StringComparison.Ordinal);
            }
        });
        await Task.WhenAll(tasks);
    }

    /// <summary>Writes the bytes to a plain TCP connection and reads until the server closes it.</summary>
    internal static async Task<(string Head, string Body)> SendRawAsync(int port, string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port, Cancel);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request), Cancel);
        using var read = new MemoryStream();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        await stream.CopyToAsync(read, timeout.Token);
        var text = Encoding.UTF8.GetString(read.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, $"Not an HTTP response: '{text}'");
        return (text[..split], text[(split + 4)..]);
    }

    internal static JsonElement Envelope(string body)
    {
        using var document = JsonDocument.Parse(body);
        Assert.Equal(["error"], document.RootElement.EnumerateObject().Select(p => p.Name));
        return document.RootElement.GetProperty("error").Clone();
    }
}

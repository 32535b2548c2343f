using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using Licenz.Server.Http;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Licenz.Server.Hosting;

/// <summary>
/// <c>http://</c> sent to an HTTPS port: instead of the empty reply Kestrel gives (its TLS handshake fails on the first
/// byte), the client gets a plain HTTP/1.1 answer with the <c>forbidden</c> envelope that names the <c>https://</c>
/// address to use, and the connection closes. It runs before the TLS handshake on every HTTPS endpoint and only peeks
/// at the first byte: a TLS connection (a handshake record starts with 0x16) goes on untouched and uncopied.
/// </summary>
public static class PlainHttpOnTlsPort
{
    private const byte TlsHandshakeRecord = 0x16;
    private const int MaxRequestHeadBytes = 8 * 1024;

    // Kestrel's own TLS handshake timeout starts only after this peek, so the peek has its own.
    private static readonly TimeSpan FirstByteTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RequestHeadTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Added to every endpoint (code, <c>urls</c> or <c>Kestrel:Endpoints</c>) before its TLS middleware.</summary>
    public static void Apply(ListenOptions listen) =>
        // The factory runs once the endpoint is fully configured, when Kestrel binds it: only then is it known whether
        // it speaks TLS (its display name is "https://…"). Plain HTTP endpoints get nothing added.
        listen.Use(next => listen.ToString()?.StartsWith("https://", StringComparison.Ordinal) == true
            ? connection => HandleAsync(connection, next)
            : next);

    private static async Task HandleAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var input = connection.Transport.Input;
        if (!input.TryRead(out var result))
        {
            using var timeout = new CancellationTokenSource(FirstByteTimeout);
            try
            {
                result = await input.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        var buffer = result.Buffer;
        if (buffer.IsEmpty)
        {
            input.AdvanceTo(buffer.Start);
            return;
        }

        var first = buffer.FirstSpan[0];
        // Nothing consumed nor examined: the TLS middleware reads the same bytes again, at once.
        input.AdvanceTo(buffer.Start);
        if (first == TlsHandshakeRecord)
        {
            await next(connection);
            return;
        }

        await AnswerPlainHttpAsync(connection);
    }

    private static async Task AnswerPlainHttpAsync(ConnectionContext connection)
    {
        var head = await ReadRequestHeadAsync(connection);
        var address = HttpsAddress(head, connection.LocalEndPoint);
        var error = new ApiError(ErrorCodes.Forbidden,
            $"HTTPS is required: this port speaks only HTTPS (TLS), and the request was sent as plain HTTP. Send it to {address}.",
            StatusCodes.Status403Forbidden);
        var body = JsonSerializer.SerializeToUtf8Bytes(new ErrorEnvelope(error), HttpJsonContext.Default.ErrorEnvelope);
        var response = Encoding.ASCII.GetBytes(
            "HTTP/1.1 403 Forbidden\r\n" +
            "Content-Type: application/json; charset=utf-8\r\n" +
            $"Content-Length: {body.Length}\r\n" +
            "Cache-Control: no-store\r\n" +
            "Connection: close\r\n" +
            "\r\n");
        var output = connection.Transport.Output;
        try
        {
            await output.WriteAsync(response);
            await output.WriteAsync(body);
            await output.CompleteAsync();
            await DrainAsync(connection);
        }
        catch (Exception exception) when (exception is IOException or ConnectionResetException or OperationCanceledException or InvalidOperationException)
        {
            // The client went away first: there is no one left to tell.
        }
    }

    /// <summary>The request line and headers (up to 8 KiB, for a few seconds): enough to name the page it asked for.</summary>
    private static async Task<string> ReadRequestHeadAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        using var timeout = new CancellationTokenSource(RequestHeadTimeout);
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(timeout.Token);
                var buffer = result.Buffer;
                var text = Encoding.Latin1.GetString(buffer.Slice(0, Math.Min(buffer.Length, MaxRequestHeadBytes)));
                var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end >= 0 || result.IsCompleted || buffer.Length >= MaxRequestHeadBytes)
                {
                    // What follows the head (a body) is left unread and drained after the answer.
                    input.AdvanceTo(end >= 0 ? buffer.GetPosition(end + 4) : buffer.End);
                    return end >= 0 ? text[..end] : text;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (OperationCanceledException)
        {
            return "";
        }
    }

    /// <summary>
    /// <c>https://</c> + the Host the client named (or the address it reached) + the path it asked for. Only a well-formed
    /// host and an origin-form path are repeated; anything else falls back to the address and <c>/</c>.
    /// </summary>
    internal static string HttpsAddress(string head, EndPoint? local)
    {
        var lines = head.Split("\r\n");
        var target = lines[0].Split(' ') is [_, var path, _] && path.StartsWith('/') ? path : "/";
        var host = lines.Skip(1)
            .Select(l => l.Split(':', 2))
            .Where(p => p.Length == 2 && p[0].Trim().Equals("Host", StringComparison.OrdinalIgnoreCase))
            .Select(p => p[1].Trim())
            .FirstOrDefault();
        if (host is null || !Uri.TryCreate($"https://{host}/", UriKind.Absolute, out var hostUri)
            || hostUri.Authority.Length == 0 || hostUri.PathAndQuery != "/" || hostUri.UserInfo.Length > 0)
        {
            host = local switch
            {
                IPEndPoint { Address.AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } ip => $"[{ip.Address}]:{ip.Port}",
                IPEndPoint ip => $"{ip.Address}:{ip.Port}",
                _ => "localhost",
            };
        }

        return Uri.TryCreate($"https://{host}{target}", UriKind.Absolute, out var uri) ? uri.AbsoluteUri : $"https://{host}/";
    }

    /// <summary>Reads what the client still sends (a request body) until it closes, so closing does not reset the answer away.</summary>
    private static async Task DrainAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        long drained = 0;
        while (drained < 1024 * 1024)
        {
            var result = await input.ReadAsync(timeout.Token);
            drained += result.Buffer.Length;
            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }
}

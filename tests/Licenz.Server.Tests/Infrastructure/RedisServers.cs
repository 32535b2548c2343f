using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Licenz.Server.Tests.Infrastructure;

/// <summary>
/// Redis for the tests of several nodes: the one at 127.0.0.1:6379 (which .ci/run starts), and servers a test starts on
/// a spare port of its own, to stop and start again. Where Redis is missing those tests skip and say why — unless
/// LICENZ_REQUIRE_REDIS is set, as .ci/run does after installing and starting it, in which case its absence is a failure.
/// </summary>
public static class RedisServers
{
    public const string Shared = "127.0.0.1:6379";

    /// <summary>The Redis at 127.0.0.1:6379; skips the test (or fails it, under LICENZ_REQUIRE_REDIS) when none answers there.</summary>
    public static async Task<string> RequireSharedAsync()
    {
        if (!await AnswersAsync(6379))
        {
            Missing("no Redis answers at 127.0.0.1:6379 (apt-get install -y redis-server; .ci/run starts one and runs this test).");
        }

        return Shared;
    }

    /// <summary>The redis-server program; skips the test (or fails it, under LICENZ_REQUIRE_REDIS) when it is not installed.</summary>
    public static string RequireServerProgram()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, "redis-server"))
            .FirstOrDefault(File.Exists);
        if (found is null)
        {
            Missing("redis-server is not installed here (apt-get install -y redis-server; .ci/run installs it and runs this test).");
        }

        return found!;
    }

    /// <summary>A port nothing listens on (bound, then released).</summary>
    public static int SparePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Whether a Redis at 127.0.0.1:<paramref name="port"/> answers PING.</summary>
    public static async Task<bool> AnswersAsync(int port) => await SendAsync(port, "PING") is { } answer && answer.StartsWith("+PONG", StringComparison.Ordinal);

    /// <summary>Sends one inline command and returns the first reply line, or null when nothing answers within a second.</summary>
    public static async Task<string?> SendAsync(int port, string command)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), timeout.Token);
            var buffer = new byte[256];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return null;
        }
    }

    private static void Missing(string problem)
    {
        if (Environment.GetEnvironmentVariable("LICENZ_REQUIRE_REDIS") is { Length: > 0 })
        {
            Assert.Fail($"LICENZ_REQUIRE_REDIS is set, but {problem}");
        }

        Assert.Skip($"Redis is needed: {problem}");
    }
}

/// <summary>A redis-server of one test's own, on a spare port, that the test stops (as an outage) and starts again.</summary>
public sealed class OwnRedisServer : IAsyncDisposable
{
    private readonly string _program;
    private Process? _process;

    private OwnRedisServer(string program, int port)
    {
        _program = program;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The <c>Licenz:Redis</c> setting for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public static async Task<OwnRedisServer> StartAsync()
    {
        var server = new OwnRedisServer(RedisServers.RequireServerProgram(), RedisServers.SparePort());
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the server (again), empty, on the same port; returns once it answers.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo(_program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await RedisServers.AnswersAsync(Port))
        {
            Assert.True(DateTime.UtcNow < deadline && !_process.HasExited, $"redis-server on port {Port} did not answer within 10 seconds.");
            await Task.Delay(50);
        }
    }

    /// <summary>Shuts the server down, keeping nothing; returns once it is gone.</summary>
    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        await RedisServers.SendAsync(Port, "SHUTDOWN NOSAVE");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}

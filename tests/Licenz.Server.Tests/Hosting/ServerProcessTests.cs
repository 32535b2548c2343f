using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Licenz.Server.Accounts;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.Hosting;

/// <summary>
/// The server as a user runs it: <c>dotnet Licenz.Server.dll</c> in a folder of its own, configured through
/// arguments and environment variables, talked to over HTTPS with the certificate it wrote, and its operator
/// commands run against the same data folder.
/// </summary>
public sealed partial class ServerProcessTests : IDisposable
{
    private const string AnyLoopbackPort = "https://127.0.0.1:0";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "licenz-tests", "process-" + Guid.NewGuid().ToString("N"));

    public ServerProcessTests()
    {
        Directory.CreateDirectory(_folder);
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Where <c>dotnet run</c> would put the data: <c>./licenz-data</c> under the working folder.</summary>
    private string DefaultDataFolder => Path.Combine(_folder, "licenz-data");

    [Fact]
    public async Task TheServerPrintsItsBaseUrlAndAnAdminKeyThatWorksOverHttps()
    {
        await using var server = LicenzProcess.Start(_folder, ["--urls", AnyLoopbackPort]);
        var api = await server.WaitUntilListeningAsync();

        Assert.Equal("127.0.0.1", api.Host);
        Assert.NotEqual(0, api.Port);
        Assert.Equal("/api/v1", api.AbsolutePath);
        var key = Assert.Single(server.Output, l => l.StartsWith("Admin API key: ", StringComparison.Ordinal))["Admin API key: ".Length..];
        Assert.Matches("^lz_admin_[A-Za-z0-9]+$", key);

        Assert.True(File.Exists(Path.Combine(DefaultDataFolder, "licenz.db")));
        using var client = ClientTrusting(LoadCertificate(Path.Combine(DefaultDataFolder, "tls", "licenz-localhost.crt")), api, key);
        using var response = await client.GetAsync("products", Cancel);
        await response.DataAsync();
        Assert.Equal("100", Assert.Single(response.Headers.GetValues("X-RateLimit-Limit")));

        using var anonymous = ClientTrusting(LoadCertificate(Path.Combine(DefaultDataFolder, "tls", "licenz-localhost.crt")), api, apiKey: null);
        using var refused = await anonymous.GetAsync("products", Cancel);
        await refused.ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task EnvironmentVariablesConfigureThePlanAndTheDataFolder()
    {
        var data = Path.Combine(_folder, "elsewhere");
        await using var server = LicenzProcess.Start(_folder, ["--urls", AnyLoopbackPort], new()
        {
            ["Licenz__Plan"] = "starter",
            ["Licenz__DataDirectory"] = data,
        });
        var api = await server.WaitUntilListeningAsync();

        Assert.True(File.Exists(Path.Combine(data, "licenz.db")), "The database is not in Licenz__DataDirectory.");
        Assert.False(Directory.Exists(DefaultDataFolder), "The default data folder was created although another was configured.");
        using var client = ClientTrusting(LoadCertificate(Path.Combine(data, "tls", "licenz-localhost.crt")), api, server.AdminKey);
        using var response = await client.GetAsync("products", Cancel);
        await response.DataAsync();
        Assert.Equal("500", Assert.Single(response.Headers.GetValues("X-RateLimit-Limit")));
        Assert.Equal("499", Assert.Single(response.Headers.GetValues("X-RateLimit-Remaining")));
    }

    [Fact]
    public async Task AspNetCoreUrlsChoosesWhereTheServerListens()
    {
        await using var server = LicenzProcess.Start(_folder, [], new() { ["ASPNETCORE_URLS"] = AnyLoopbackPort });
        var api = await server.WaitUntilListeningAsync();

        Assert.Equal("127.0.0.1", api.Host);
        Assert.NotEqual(8443, api.Port);
        using var client = ClientTrusting(LoadCertificate(Path.Combine(DefaultDataFolder, "tls", "licenz-localhost.crt")), api, server.AdminKey);
        using var response = await client.GetAsync("api-keys", Cancel);
        await response.DataAsync();
    }

    [Fact]
    public async Task AKestrelCertificateFromTheEnvironmentIsServedAndNoneIsGenerated()
    {
        const string password = "correct horse battery staple";
        using var operatorCertificate = CreateCertificate("CN=Licenz operator certificate");
        var pfx = Path.Combine(_folder, "operator.pfx");
        await File.WriteAllBytesAsync(pfx, operatorCertificate.Export(X509ContentType.Pkcs12, password), Cancel);

        await using var server = LicenzProcess.Start(_folder, ["--urls", AnyLoopbackPort], new()
        {
            ["Kestrel__Certificates__Default__Path"] = pfx,
            ["Kestrel__Certificates__Default__Password"] = password,
        });
        var api = await server.WaitUntilListeningAsync();

        // Trusting only the operator's certificate: the request succeeds only if the server presents it.
        string? presented = null;
        using var publicPart = X509CertificateLoader.LoadCertificate(operatorCertificate.RawData);
        using var client = ClientTrusting(publicPart, api, server.AdminKey, certificate => presented = certificate.Thumbprint);
        using var response = await client.GetAsync("products", Cancel);
        await response.DataAsync();
        Assert.Equal(operatorCertificate.Thumbprint, presented);

        Assert.False(File.Exists(Path.Combine(DefaultDataFolder, "tls", "licenz-localhost.pfx")), "A self-signed certificate was generated anyway.");
        Assert.False(File.Exists(Path.Combine(DefaultDataFolder, "tls", "licenz-localhost.crt")), "A self-signed certificate was generated anyway.");
        Assert.DoesNotContain(server.Output, l => l.Contains("self-signed", StringComparison.OrdinalIgnoreCase));
    }

    public static TheoryData<string, string, string, string> WrongSettings => new()
    {
        { "env", "Licenz__Plan", "gold", "Licenz:Plan" },
        { "arg", "--Licenz:Plan", "gold", "Licenz:Plan" },
        { "env", "Licenz__MaxRequestBodyBytes", "abc", "Licenz:MaxRequestBodyBytes" },
        { "env", "Licenz__TrustedProxies__0", "nonsense", "Licenz:TrustedProxies:0" },
        { "env", "Licenz__Activity__FlushInterval", "00:00:00.5", "Licenz:Activity:FlushInterval" },
        { "env", "Licenz__Activity__FlushInterval", "soon", "Licenz:Activity:FlushInterval" },
        { "env", "Licenz__Metrics__AllowedNetworks__0", "10.0.0.0/33", "Licenz:Metrics:AllowedNetworks:0" },
        { "env", "Licenz__RateLimits__LicenseKeySharePercent", "250", "Licenz:RateLimits:LicenseKeySharePercent" },
        { "env", "Licenz__Signing__MaxPublishedKeys", "0", "Licenz:Signing:MaxPublishedKeys" },
        { "env", "Kestrel__Certificates__Default__Path", "no-such-certificate.pfx", "Kestrel:Certificates:Default:Path" },
    };

    [Theory]
    [MemberData(nameof(WrongSettings))]
    public async Task AWrongSettingStopsTheStartWithExitCodeOneAndAMessageNamingIt(string kind, string name, string value, string setting)
    {
        var environment = new Dictionary<string, string>();
        if (kind == "env")
        {
            environment[name] = value;
        }

        string[] arguments = kind == "arg" ? ["--urls", AnyLoopbackPort, $"{name}={value}"] : ["--urls", AnyLoopbackPort];
        await using var server = LicenzProcess.Start(_folder, arguments, environment);

        var exitCode = await server.WaitForExitAsync();

        Assert.True(exitCode == 1, $"Exit code {exitCode}.{server.Describe()}");
        Assert.Contains(setting, server.Error, StringComparison.Ordinal);
        Assert.Contains(value, server.Error, StringComparison.Ordinal);
        Assert.DoesNotMatch(StackTraceLine(), server.Error);
        Assert.DoesNotContain(server.Output, l => l.StartsWith("Admin API key:", StringComparison.Ordinal));
        Assert.DoesNotContain(server.Output, l => l.StartsWith("Licenz API:", StringComparison.Ordinal));
        // Refused before anything was written: the next, correct start is still the first one.
        Assert.False(File.Exists(Path.Combine(DefaultDataFolder, "licenz.db")), "The refused start created the database.");
    }

    public static TheoryData<string, string, string> HttpOnlyAddresses => new()
    {
        { "arg", "--urls", "urls (--urls or ASPNETCORE_URLS) is 'http://127.0.0.1:0'" },
        { "env", "ASPNETCORE_URLS", "urls (--urls or ASPNETCORE_URLS) is 'http://127.0.0.1:0'" },
        { "env", "Kestrel__Endpoints__Web__Url", "Kestrel:Endpoints:Web:Url is 'http://127.0.0.1:0'" },
    };

    [Theory]
    [MemberData(nameof(HttpOnlyAddresses))]
    public async Task AServerWithNoHttpsAddressRefusesToStartNamingTheSetting(string kind, string name, string named)
    {
        string[] arguments = kind == "arg" ? [name, "http://127.0.0.1:0"] : [];
        var environment = kind == "env" ? new Dictionary<string, string> { [name] = "http://127.0.0.1:0" } : null;
        await using var server = LicenzProcess.Start(_folder, arguments, environment);

        var exitCode = await server.WaitForExitAsync();

        Assert.True(exitCode == 1, $"Exit code {exitCode}.{server.Describe()}");
        Assert.Contains("no HTTPS address is configured", server.Error, StringComparison.Ordinal);
        Assert.Contains(named, server.Error, StringComparison.Ordinal);
        Assert.Contains("Licenz:TrustedProxies", server.Error, StringComparison.Ordinal);
        Assert.DoesNotMatch(StackTraceLine(), server.Error);
        Assert.DoesNotContain(server.Output, l => l.StartsWith("Admin API key:", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(DefaultDataFolder, "licenz.db")), "The refused start created the database.");
    }

    [Fact]
    public async Task BehindATrustedProxyAPlainHttpAddressAloneIsAllowed()
    {
        await using var server = LicenzProcess.Start(_folder, ["--urls", "http://127.0.0.1:0"], new() { ["Licenz__TrustedProxies__0"] = "127.0.0.1" });
        var api = await server.WaitUntilListeningAsync();

        Assert.Equal("http", api.Scheme);
        using var client = new HttpClient { BaseAddress = new Uri(api + "/") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.AdminKey);
        client.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        await (await client.GetAsync("products", Cancel)).DataAsync();
    }

    [Theory]
    [InlineData("arg")]
    [InlineData("endpoints")]
    public async Task PlainHttpSentToAConfiguredHttpsAddressGetsTheEnvelopeNamingIt(string kind)
    {
        string[] arguments = kind == "arg" ? ["--urls", AnyLoopbackPort] : [];
        var environment = kind == "endpoints" ? new Dictionary<string, string> { ["Kestrel__Endpoints__Api__Url"] = AnyLoopbackPort } : null;
        await using var server = LicenzProcess.Start(_folder, arguments, environment);
        var api = await server.WaitUntilListeningAsync();

        var (head, body) = await PlainHttpOnTlsPortTests.SendRawAsync(api.Port, $"GET /api/v1/licenses HTTP/1.1\r\nHost: localhost:{api.Port}\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 403 ", head, StringComparison.Ordinal);
        Assert.Contains($"https://localhost:{api.Port}/api/v1/licenses", PlainHttpOnTlsPortTests.Envelope(body).Str("message"), StringComparison.Ordinal);
        using var client = ClientTrusting(LoadCertificate(Path.Combine(DefaultDataFolder, "tls", "licenz-localhost.crt")), api, server.AdminKey);
        await (await client.GetAsync("licenses", Cancel)).DataAsync();
    }

    [Fact]
    public async Task CreateApiKeyPrintsAWorkingReadOnlyKey()
    {
        await using var server = LicenzProcess.Start(_folder, ["--urls", AnyLoopbackPort]);
        var api = await server.WaitUntilListeningAsync();

        var (exitCode, output, error) = await LicenzProcess.RunAsync(_folder, ["create-api-key", "--type", "read-only", "--name", "Reporting"]);

        Assert.True(exitCode == 0, $"Exit code {exitCode}: {error}");
        var line = Assert.Single(output);
        Assert.StartsWith("Read-only API key: ", line, StringComparison.Ordinal);
        var key = line["Read-only API key: ".Length..];
        Assert.Matches("^lz_read_[A-Za-z0-9]+$", key);

        var certificate = LoadCertificate(Path.Combine(DefaultDataFolder, "tls", "licenz-localhost.crt"));
        using var reader = ClientTrusting(certificate, api, key);
        using (var read = await reader.GetAsync("products", Cancel))
        {
            await read.DataAsync();
        }

        using (var write = await reader.PostJsonAsync("products", new { name = "Not allowed" }))
        {
            await write.ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        }

        using var admin = ClientTrusting(certificate, api, server.AdminKey);
        var keys = await (await admin.GetAsync("api-keys", Cancel)).DataAsync();
        Assert.Contains(keys.EnumerateArray(), k => k.Str("type") == "read_only" && k.Str("name") == "Reporting");
    }

    [Fact]
    public async Task TheFirstStartPrintsASetupLinkAndCreateDashboardUserPrintsAnInvitationLink()
    {
        await using var server = LicenzProcess.Start(_folder, ["--urls", AnyLoopbackPort]);
        var api = await server.WaitUntilListeningAsync();
        var origin = api.GetLeftPart(UriPartial.Authority);
        var setup = Assert.Single(server.Output, l => l.StartsWith("Dashboard setup link: ", StringComparison.Ordinal))["Dashboard setup link: ".Length..];
        Assert.Matches($"^{Regex.Escape(origin)}/dashboard/setup/[A-Za-z0-9_-]{{43}}$", setup);

        var (exitCode, output, error) = await LicenzProcess.RunAsync(_folder,
            ["create-dashboard-user", "--email", "ops@example.com", "--role", "admin", "--url", origin]);
        Assert.True(exitCode == 0, $"Exit code {exitCode}: {error}");
        var invitation = Assert.Single(output)["Dashboard setup link: ".Length..];
        Assert.Matches($"^{Regex.Escape(origin)}/dashboard/setup/[A-Za-z0-9_-]{{43}}$", invitation);
        Assert.Contains("ops@example.com", error);

        using var browser = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        });
        foreach (var (link, expected) in new[] { (setup, "You are joining as <strong>owner</strong>"), (invitation, "value=\"ops@example.com\"") })
        {
            using var page = await browser.GetAsync(link, Cancel);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains(expected, await page.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        }

        // A role that does not exist, or an address that is none, is refused with the reason.
        var (badRole, _, roleError) = await LicenzProcess.RunAsync(_folder, ["create-dashboard-user", "--email", "x@example.com", "--role", "superuser"]);
        Assert.Equal(2, badRole);
        Assert.Contains("--role must be one of owner, admin, support, read_only", roleError);
        var (badEmail, _, emailError) = await LicenzProcess.RunAsync(_folder, ["create-dashboard-user", "--email", "not an address"]);
        Assert.Equal(2, badEmail);
        Assert.Contains("--email must be an email address", emailError);
    }

    [Fact]
    public async Task CreateAccountPrintsTheNewAccountAndAnAdminKeyForIt()
    {
        await using var server = LicenzProcess.Start(_folder, ["--urls", AnyLoopbackPort]);
        var api = await server.WaitUntilListeningAsync();

        // From another folder, naming the data folder the way any setting can be given: as an argument.
        var elsewhere = Directory.CreateDirectory(Path.Combine(_folder, "elsewhere")).FullName;
        var (exitCode, output, error) = await LicenzProcess.RunAsync(elsewhere,
            ["create-account", "--name", "Acme Corp", "--plan", "growth", $"--Licenz:DataDirectory={DefaultDataFolder}"]);

        Assert.True(exitCode == 0, $"Exit code {exitCode}: {error}");
        Assert.False(Directory.Exists(Path.Combine(elsewhere, "licenz-data")), "The command ignored --Licenz:DataDirectory.");
        var accountId = Assert.Single(output, l => l.StartsWith("Account: ", StringComparison.Ordinal))["Account: ".Length..];
        Assert.Matches("^acct_[0-9a-z]+$", accountId);
        var key = Assert.Single(output, l => l.StartsWith("Admin API key: ", StringComparison.Ordinal))["Admin API key: ".Length..];
        Assert.NotEqual(server.AdminKey, key);

        var certificate = LoadCertificate(Path.Combine(DefaultDataFolder, "tls", "licenz-localhost.crt"));
        using var defaultAdmin = ClientTrusting(certificate, api, server.AdminKey);
        await (await defaultAdmin.PostJsonAsync("products", new { name = "Default account's product" })).DataAsync(HttpStatusCode.Created);

        using var acme = ClientTrusting(certificate, api, key);
        using var products = await acme.GetAsync("products", Cancel);
        Assert.Empty((await products.DataAsync()).EnumerateArray());
        Assert.Equal("2000", Assert.Single(products.Headers.GetValues("X-RateLimit-Limit")));
        var keys = await (await acme.GetAsync("api-keys", Cancel)).DataAsync();
        Assert.Single(keys.EnumerateArray());
    }

    [Theory]
    [InlineData("create-api-key", "--type", "superuser")]
    [InlineData("create-api-key")]
    public async Task CreateApiKeyWithoutAValidTypeFailsWithAMessage(params string[] arguments)
    {
        var (exitCode, output, error) = await LicenzProcess.RunAsync(_folder, arguments);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--type", error, StringComparison.Ordinal);
        Assert.DoesNotContain(output, l => l.Contains("API key:", StringComparison.Ordinal));
        Assert.DoesNotMatch(StackTraceLine(), error);
    }

    [Fact]
    public async Task ACommandWithAWrongSettingFailsWithAMessageNamingIt()
    {
        var (exitCode, output, error) = await LicenzProcess.RunAsync(_folder, ["create-api-key", "--type", "admin"], new() { ["Licenz__Plan"] = "gold" });

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Licenz:Plan", error, StringComparison.Ordinal);
        Assert.DoesNotMatch(StackTraceLine(), error);
        Assert.DoesNotContain(output, l => l.Contains("API key:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MigrateCreatesTheDatabaseWithoutStartingTheServer()
    {
        var (exitCode, output, error) = await LicenzProcess.RunAsync(_folder, ["migrate"]);

        Assert.True(exitCode == 0, $"Exit code {exitCode}: {error}");
        Assert.True(File.Exists(Path.Combine(DefaultDataFolder, "licenz.db")));
        Assert.DoesNotContain(output, l => l.Contains("API key", StringComparison.Ordinal));

        // The database is ready, and the first real start is still the one that prints the bootstrap key.
        await using var server = LicenzProcess.Start(_folder, ["--urls", AnyLoopbackPort]);
        await server.WaitUntilListeningAsync();
        Assert.StartsWith("lz_admin_", server.AdminKey, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless.
        }
    }

    private static X509Certificate2 LoadCertificate(string path)
    {
        Assert.True(File.Exists(path), $"No certificate at {path}");
        return X509CertificateLoader.LoadCertificateFromFile(path);
    }

    /// <summary>
    /// An HTTPS client that trusts <paramref name="trusted"/> as its only root, as <c>curl --cacert</c> does,
    /// with the usual host name check.
    /// </summary>
    /// <summary>A client of a server process that trusts only its certificate (the one the server wrote), for <paramref name="api"/>.</summary>
    internal static HttpClient ClientTrusting(X509Certificate2 trusted, Uri api, string? apiKey, Action<X509Certificate2>? presented = null)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.Add(trusted);
        var handler = new SocketsHttpHandler
        {
            SslOptions =
            {
                CertificateChainPolicy = policy,
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is not null)
                    {
                        presented?.Invoke(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
                    }

                    return errors == SslPolicyErrors.None;
                },
            },
        };
        var client = new HttpClient(handler) { BaseAddress = new Uri(api.ToString().TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    private static X509Certificate2 CreateCertificate(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(30));
    }

    [GeneratedRegex(@"^\s+at \S+", RegexOptions.Multiline)]
    private static partial Regex StackTraceLine();
}

/// <summary>
/// <c>dotnet Licenz.Server.dll …</c> as a child process with its output captured line by line. Disposing
/// kills it if it still runs, so a failed test never leaves a server behind.
/// </summary>
public sealed class LicenzProcess : IAsyncDisposable
{
    // Generous for a loaded CI machine (a cold start JIT-compiles the whole server), yet a hang still ends the test.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private static readonly Lazy<string> ServerDll = new(LocateServer);
    private static readonly Lazy<string> DotnetHost = new(Licenz.Tests.Shared.DotNetHost.Locate);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ConcurrentQueue<string> _error = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LicenzProcess(Process process)
    {
        _process = process;
    }

    public IReadOnlyList<string> Output => [.. _output];

    public string Error => string.Join(Environment.NewLine, _error);

    public string AdminKey => Output.FirstOrDefault(l => l.StartsWith("Admin API key: ", StringComparison.Ordinal))?["Admin API key: ".Length..]
        ?? throw new InvalidOperationException("The server printed no admin key." + Describe());

    public static LicenzProcess Start(string workingDirectory, IEnumerable<string> arguments, Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(DotnetHost.Value)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ServerDll.Value);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Only what the test says: nothing inherited from the test runner's own configuration.
        foreach (var name in start.Environment.Keys.ToList())
        {
            if (name.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("Licenz__", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("Kestrel__", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase)
                || name.Equals("DOTNET_ENVIRONMENT", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(name);
            }
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var server = new LicenzProcess(process);
        process.OutputDataReceived += (_, e) => server.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                server._error.Enqueue(e.Data);
            }
        };
        process.Exited += (_, _) => server._started.TrySetResult();
        Assert.True(process.Start(), "Could not start the server process.");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Runs an operator command to its end and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, IReadOnlyList<string> Output, string Error)> RunAsync(
        string workingDirectory, string[] arguments, Dictionary<string, string>? environment = null)
    {
        await using var command = Start(workingDirectory, arguments, environment);
        var exitCode = await command.WaitForExitAsync();
        return (exitCode, command.Output, command.Error);
    }

    /// <summary>Waits for the start-up lines and returns the printed API base URL; fails if the process ends first.</summary>
    public async Task<Uri> WaitUntilListeningAsync()
    {
        try
        {
            await _started.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"The server did not finish starting within {Timeout.TotalSeconds} seconds.{Describe()}");
        }

        if (_process.HasExited)
        {
            // Let the last lines of output arrive before describing them.
            await _process.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Fail($"The server exited with code {_process.ExitCode} while starting.{Describe()}");
        }

        var line = Output.First(l => l.StartsWith("Licenz API: ", StringComparison.Ordinal));
        return new Uri(line["Licenz API: ".Length..]);
    }

    public async Task<int> WaitForExitAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The process did not exit within {Timeout.TotalSeconds} seconds.{Describe()}");
        }

        return _process.ExitCode;
    }

    public string Describe() =>
        $"{Environment.NewLine}--- stdout ---{Environment.NewLine}{string.Join(Environment.NewLine, _output)}"
        + $"{Environment.NewLine}--- stderr ---{Environment.NewLine}{Error}";

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (Exception exception) when (exception is InvalidOperationException or OperationCanceledException)
        {
            // Never started, or already gone.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        // The last start-up line: the addresses end the banner (the bootstrap key comes earlier, on a first start).
        if (line.StartsWith("Dashboard: ", StringComparison.Ordinal))
        {
            _started.TrySetResult();
        }
    }

    /// <summary>
    /// The server's build output. The test project references the server, so its dll, runtimeconfig and deps
    /// files are copied next to the tests; otherwise the server project's own bin folder (or artifacts layout).
    /// </summary>
    private static string LocateServer()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "Licenz.Server.dll");
        if (IsRunnable(beside))
        {
            return beside;
        }

        var configuration = typeof(LicenzProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            string[] candidates =
            [
                Path.Combine(folder.FullName, "src", "Licenz.Server", "bin", configuration, "net10.0", "Licenz.Server.dll"),
                Path.Combine(folder.FullName, "bin", "Licenz.Server", configuration.ToLowerInvariant(), "Licenz.Server.dll"),
            ];
            if (candidates.FirstOrDefault(IsRunnable) is { } found)
            {
                return found;
            }
        }

        throw new InvalidOperationException($"Licenz.Server.dll was not found next to {AppContext.BaseDirectory} nor in a build output above it.");
    }

    private static bool IsRunnable(string dll) => File.Exists(dll) && File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json"));
}

using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using Licenz.Server.Data;
using Licenz.Server.Hosting;
using Licenz.Server.Tests.Contract;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Licenz.Server.Tests.Infrastructure;

/// <summary>
/// The test host: the real server on real Kestrel over HTTPS (with its own generated certificate, pinned
/// by the client), a real SQLite database in a fresh folder, and a clock the test drives. It also opens a
/// plain-HTTP listener so tests can check that HTTP is refused.
/// </summary>
public class LicenzApplication : WebApplicationFactory<Program>, IAsyncLifetime
{
    public static readonly DateTimeOffset Epoch = new(2026, 1, 15, 10, 30, 0, TimeSpan.Zero);

    private readonly Dictionary<string, string?> _settings = new()
    {
        ["Licenz:Plan"] = "business",
        ["Licenz:AnonymousRequestsPerMinute"] = "100000",
    };

    private SocketsHttpHandler? _handler;
    private ContractCheckingHandler? _contractCheck;

    public LicenzApplication() : this(dataDirectory: null)
    {
    }

    /// <param name="dataDirectory">Reuse a data folder (to start "again"); a new temporary one when null.</param>
    protected LicenzApplication(string? dataDirectory)
    {
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "licenz-tests", Guid.NewGuid().ToString("N"));
        OwnsDataDirectory = dataDirectory is null;
        UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps());
            kestrel.Listen(IPAddress.Loopback, 0);
        });
    }

    /// <summary>A server over an existing data folder, as if started again; the folder is left in place.</summary>
    public static LicenzApplication Over(string dataDirectory) => new(dataDirectory);

    public string DataDirectory { get; }

    /// <summary>Where this server's master key file lives: beside the data folder, as in production, never inside it.</summary>
    public string SecretsDirectory => DataDirectory + "-secrets";

    public bool OwnsDataDirectory { get; }

    public FakeTimeProvider Time { get; } = new(Epoch);

    public CapturedStartupOutput Output { get; } = new();

    /// <summary>The bootstrap admin key the first start printed.</summary>
    public string AdminKey => Output.AdminKey ?? throw new InvalidOperationException("The server printed no admin key.");

    public Uri HttpsAddress => Address("https://");

    public Uri HttpAddress => Address("http://");

    public string DatabasePath => Path.Combine(DataDirectory, "licenz.db");

    /// <summary>Sets a configuration value before the server starts (as <c>Licenz__…</c> would).</summary>
    public LicenzApplication WithSetting(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    public virtual ValueTask InitializeAsync()
    {
        StartServer();
        return ValueTask.CompletedTask;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Licenz:DataDirectory", DataDirectory);
        builder.UseSetting("Licenz:KeyEncryption:KeyFile", Path.Combine(SecretsDirectory, "master.key"));
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            services.AddSingleton<TimeProvider>(Time);
            services.AddSingleton<StartupOutput>(Output);
        });
    }

    /// <summary>An HTTPS client for <c>/api/v1/</c> that authenticates as users do: <c>Authorization: Bearer key</c>.</summary>
    public HttpClient CreateClient(string? apiKey, string basePath = "/api/v1/")
    {
        var client = new HttpClient(ClientHandler(), disposeHandler: false) { BaseAddress = new Uri(HttpsAddress, basePath) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    public HttpClient CreateAdminClient() => CreateClient(AdminKey);

    /// <summary>A client for the plain-HTTP listener.</summary>
    public HttpClient CreateHttpClient(string? apiKey)
    {
        var client = new HttpClient(ClientHandler(), disposeHandler: false) { BaseAddress = new Uri(HttpAddress, "/api/v1/") };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    /// <summary>Creates another account (as the <c>create-account</c> command does) and returns its admin key.</summary>
    public async Task<(string AccountId, string AdminKey)> CreateAccountAsync(string name, Licenz.Server.RateLimiting.Plan plan = Licenz.Server.RateLimiting.Plan.Business)
    {
        await using var scope = Services.CreateAsyncScope();
        var provisioner = scope.ServiceProvider.GetRequiredService<Licenz.Server.Accounts.AccountProvisioner>();
        var (account, key) = await provisioner.CreateAsync(name, plan, isDefault: false, CancellationToken.None);
        return (account.Id, key);
    }

    /// <summary>Writes pending "last used" / "last validated" times now instead of within the next second.</summary>
    public Task FlushActivityAsync() => Services.GetRequiredService<ActivityRecorder>().FlushAsync();

    /// <summary>Every row of every table, for asserting that a refused request wrote nothing.</summary>
    public async Task<string> SnapshotDatabaseAsync()
    {
        await FlushActivityAsync();
        return await DatabaseSnapshot.TakeAsync(DatabasePath);
    }

    private Uri Address(string scheme)
    {
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.First(a => a.StartsWith(scheme, StringComparison.Ordinal)));
    }

    /// <summary>What test clients send through: the connection, behind the contract check when it is on (<see cref="ContractCheck"/>).</summary>
    private HttpMessageHandler ClientHandler() => ContractCheck.Mode == ContractCheckMode.Off
        ? Handler()
        : _contractCheck ??= new ContractCheckingHandler(LoadContractAsync, ContractCheck.Mode) { InnerHandler = Handler() };

    /// <summary>The server's own OpenAPI document, fetched once per host (and compiled once per run).</summary>
    private async Task<OpenApiContract> LoadContractAsync()
    {
        using var client = new HttpClient(Handler(), disposeHandler: false) { BaseAddress = HttpsAddress };
        return OpenApiContract.Parse(await client.GetStringAsync(ContractChecker.DocumentBase + "/openapi.json"));
    }

    private SocketsHttpHandler Handler()
    {
        if (_handler is not null)
        {
            return _handler;
        }

        var pinned = Services.GetRequiredService<TlsCertificate>().Certificate.Thumbprint;
        _handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            SslOptions =
            {
                // Trust exactly the certificate this server generated, nothing else.
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    certificate is X509Certificate2 presented && presented.Thumbprint == pinned,
            },
        };
        return _handler;
    }

    public override async ValueTask DisposeAsync()
    {
        _handler?.Dispose();
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
        if (OwnsDataDirectory)
        {
            TryDelete(DataDirectory);
            TryDelete(SecretsDirectory);
        }
    }

    public static void TryDelete(string directory)
    {
        try
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless.
        }
    }
}

/// <summary>Keeps what the server prints at start-up.</summary>
public sealed class CapturedStartupOutput : StartupOutput
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return _lines.ToList();
            }
        }
    }

    public string? AdminKey => Lines.FirstOrDefault(l => l.StartsWith("Admin API key: ", StringComparison.Ordinal))?["Admin API key: ".Length..];

    public override void Write(IReadOnlyList<string> lines)
    {
        lock (_lines)
        {
            _lines.AddRange(lines);
        }
    }
}

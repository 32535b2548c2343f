using System.Net;
using System.Security.Cryptography.X509Certificates;
using Licenz.Server.Accounts;
using Licenz.Server.Hosting;
using Licenz.Server.RateLimiting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Licenz.Sdk.Tests.Infrastructure;

/// <summary>
/// The real server for client tests (the pattern of the server tests' host, kept small): real Kestrel over HTTPS
/// with the certificate the server generates, a real SQLite database in a fresh folder, the bootstrap admin key it
/// prints, and a clock the test drives. Clients reach it the way a vendor's would: base URL, API key, and the
/// server's certificate as the trusted one.
/// </summary>
public class LicenzApplication : WebApplicationFactory<Program>, IAsyncLifetime
{
    public static readonly DateTimeOffset Epoch = new(2026, 1, 15, 10, 30, 0, TimeSpan.Zero);

    private readonly Dictionary<string, string?> _settings = new()
    {
        ["Licenz:Plan"] = "business",
        ["Licenz:AnonymousRequestsPerMinute"] = "100000",
    };

    public LicenzApplication()
    {
        DataDirectory = Path.Combine(Path.GetTempPath(), "licenz-sdk-tests", Guid.NewGuid().ToString("N"));
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps()));
    }

    public string DataDirectory { get; }

    public FakeTimeProvider Time { get; } = new(Epoch);

    public CapturedStartupOutput Output { get; } = new();

    /// <summary>The bootstrap admin key the first start printed.</summary>
    public string AdminKey => Output.AdminKey ?? throw new InvalidOperationException("The server printed no admin key.");

    public Uri HttpsAddress
    {
        get
        {
            var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            return new Uri(addresses.First(a => a.StartsWith("https://", StringComparison.Ordinal)));
        }
    }

    /// <summary>The self-hosted base URL, as the server prints it: <c>https://…/api/v1</c>.</summary>
    public Uri ApiBaseUrl => new(HttpsAddress, "/api/v1");

    /// <summary>The server's generated certificate, public part only (what a vendor can copy).</summary>
    public X509Certificate2 Certificate =>
        X509CertificateLoader.LoadCertificate(Services.GetRequiredService<TlsCertificate>().Certificate.RawData);

    /// <summary>The PEM file the server writes its certificate to (<c>licenz-data/tls/licenz-localhost.crt</c>).</summary>
    public string CertificatePath => TlsCertificate.PemPath(Services.GetRequiredService<IOptions<LicenzOptions>>().Value);

    public LicenzApplication WithSetting(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    public ValueTask InitializeAsync()
    {
        StartServer();
        return ValueTask.CompletedTask;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Licenz:DataDirectory", DataDirectory);
        builder.UseSetting("Licenz:KeyEncryption:KeyFile", Path.Combine(DataDirectory + "-secrets", "master.key"));
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureServices(services =>
        {
            services.AddSingleton<TimeProvider>(Time);
            services.AddSingleton<StartupOutput>(Output);
        });
    }

    /// <summary>Client settings for this server: its base URL, the key (admin when null), its certificate trusted, its clock.</summary>
    public LicenzClientOptions OptionsFor(string? apiKey = null) => new()
    {
        ApiKey = apiKey ?? AdminKey,
        BaseUrl = ApiBaseUrl,
        TrustedCertificate = Certificate,
        TimeProvider = Time,
    };

    public LicenzClient CreateClient(string? apiKey = null, Action<LicenzClientOptions>? configure = null)
    {
        var options = OptionsFor(apiKey);
        configure?.Invoke(options);
        return new LicenzClient(options);
    }

    /// <summary>A client whose requests and responses pass through <paramref name="handler"/> (a man in the middle).</summary>
    public LicenzClient CreateClient(DelegatingHandler handler, string? apiKey = null, Action<LicenzClientOptions>? configure = null)
    {
        var options = OptionsFor(apiKey);
        configure?.Invoke(options);
        handler.InnerHandler = TrustingHandler();
        return new LicenzClient(new HttpClient(handler), options);
    }

    /// <summary>A connection handler that trusts exactly this server's certificate.</summary>
    public SocketsHttpHandler TrustingHandler() => new()
    {
        SslOptions =
        {
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
                CustomTrustStore = { Certificate },
            },
        },
    };

    /// <summary>Creates another account (as the <c>create-account</c> command does) and returns its id and admin key.</summary>
    public async Task<(string AccountId, string AdminKey)> CreateAccountAsync(string name)
    {
        await using var scope = Services.CreateAsyncScope();
        var provisioner = scope.ServiceProvider.GetRequiredService<AccountProvisioner>();
        var (account, key) = await provisioner.CreateAsync(name, Plan.Business, isDefault: false, CancellationToken.None);
        return (account.Id, key);
    }

    /// <summary>Moves the clock to <paramref name="secondsIn"/> seconds into the next rate-limit minute; returns the window's start (Unix seconds).</summary>
    public long StartNextWindow(int secondsIn = 0)
    {
        var now = Time.GetUtcNow().ToUnixTimeSeconds();
        var next = now - (now % 60) + 60;
        Time.SetUtcNow(DateTimeOffset.FromUnixTimeSeconds(next + secondsIn));
        return next;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
        TryDelete(DataDirectory);
        TryDelete(DataDirectory + "-secrets");
    }

    private static void TryDelete(string directory)
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

/// <summary>A server whose default account is on the Free plan: 100 requests a minute.</summary>
public sealed class FreePlanApplication : LicenzApplication
{
    public FreePlanApplication() => WithSetting("Licenz:Plan", "free");
}

/// <summary>A server whose default account is on the Enterprise plan: no limit.</summary>
public sealed class EnterprisePlanApplication : LicenzApplication
{
    public EnterprisePlanApplication() => WithSetting("Licenz:Plan", "enterprise");
}

/// <summary>Keeps what the server prints at start-up.</summary>
public sealed class CapturedStartupOutput : StartupOutput
{
    private readonly List<string> _lines = [];

    public string? AdminKey
    {
        get
        {
            lock (_lines)
            {
                return _lines.FirstOrDefault(l => l.StartsWith("Admin API key: ", StringComparison.Ordinal))?["Admin API key: ".Length..];
            }
        }
    }

    public override void Write(IReadOnlyList<string> lines)
    {
        lock (_lines)
        {
            _lines.AddRange(lines);
        }
    }
}

using System.Net;
using System.Security.Cryptography.X509Certificates;
using Licenz.Server.Accounts;
using Licenz.Server.Activity;
using Licenz.Server.Data;
using Licenz.Server.Hosting;
using Licenz.Server.RateLimiting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Licenz.Tests.Shared;

/// <summary>
/// The one test host of the server, SDK (and later CLI) tests: the real server on real Kestrel over HTTPS with the
/// certificate it generates, a real SQLite database in a fresh folder, the bootstrap admin key it prints, and a clock
/// the test drives. Each test project adds only how its clients reach it (raw HTTP, the SDK's client, …).
/// </summary>
public abstract class LicenzHost : WebApplicationFactory<Program>, IAsyncLifetime
{
    public static readonly DateTimeOffset Epoch = new(2026, 1, 15, 10, 30, 0, TimeSpan.Zero);

    private readonly Dictionary<string, string?> _settings = new()
    {
        ["Licenz:Plan"] = "business",
        ["Licenz:AnonymousRequestsPerMinute"] = "100000",
    };

    /// <summary>
    /// The engine the hosts of this run use: SQLite unless <c>LICENZ_TEST_DATABASE=postgresql</c> (then each host gets a
    /// database of its own on the server of <c>LICENZ_TEST_POSTGRES</c>, made on first start and dropped at the end).
    /// </summary>
    public static TestDatabase Database { get; } = TestDatabase.FromEnvironment();

    /// <param name="dataDirectory">Reuse a data folder (to start "again"); a new temporary one when null.</param>
    /// <param name="plainHttpListener">Also listen on plain HTTP, for tests that check it is refused.</param>
    /// <param name="database">The engine, when a test is about one (its files, its settings); the run's otherwise.</param>
    protected LicenzHost(string? dataDirectory, bool plainHttpListener, TestDatabase? database = null)
    {
        Engine = database ?? Database;
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "licenz-tests", Guid.NewGuid().ToString("N"));
        OwnsDataDirectory = dataDirectory is null;
        foreach (var (key, value) in Engine.SettingsFor(DataDirectory))
        {
            _settings[key] = value;
        }

        UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps());
            if (plainHttpListener)
            {
                kestrel.Listen(IPAddress.Loopback, 0);
            }
        });
    }

    public string DataDirectory { get; }

    /// <summary>The engine this server runs on.</summary>
    public TestDatabase Engine { get; }

    /// <summary>Where this server's master key file lives: beside the data folder, as in production, never inside it.</summary>
    public string SecretsDirectory => DataDirectory + "-secrets";

    public bool OwnsDataDirectory { get; }

    public FakeTimeProvider Time { get; } = new(Epoch);

    public CapturedStartupOutput Output { get; } = new();

    /// <summary>The bootstrap admin key the first start printed.</summary>
    public string AdminKey => Output.AdminKey ?? throw new InvalidOperationException("The server printed no admin key.");

    public Uri HttpsAddress => Address("https://");

    /// <summary>The SQLite database file (SQLite runs only).</summary>
    public string DatabasePath => Path.Combine(DataDirectory, "licenz.db");

    /// <summary>The server's generated certificate, public part only (what a vendor can copy).</summary>
    public X509Certificate2 Certificate =>
        X509CertificateLoader.LoadCertificate(Services.GetRequiredService<TlsCertificate>().Certificate.RawData);

    /// <summary>Sets a configuration value before the server starts (as <c>Licenz__…</c> would).</summary>
    public void Set(string key, string? value) => _settings[key] = value;

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

    /// <summary>Creates another account (as the <c>create-account</c> command does) and returns its id and admin key.</summary>
    public async Task<(string AccountId, string AdminKey)> CreateAccountAsync(string name, Plan plan = Plan.Business)
    {
        await using var scope = Services.CreateAsyncScope();
        var provisioner = scope.ServiceProvider.GetRequiredService<AccountProvisioner>();
        var (account, key) = await provisioner.CreateAsync(name, plan, isDefault: false, CancellationToken.None);
        return (account.Id, key);
    }

    /// <summary>Writes pending "last used" / "last validated" times now instead of within the next flush.</summary>
    public Task FlushActivityAsync() => Services.GetRequiredService<ActivityRecorder>().FlushAsync();

    /// <summary>
    /// Moves the clock at least a minute on, so that every request made so far has left its sliding rate-limit window
    /// (every budget is whole again), to <paramref name="secondsIn"/> seconds past the start of a minute; returns that
    /// minute's start (Unix seconds).
    /// </summary>
    public long StartNextWindow(int secondsIn = 0)
    {
        var aMinuteOn = Time.GetUtcNow().AddMinutes(1).ToUnixTimeMilliseconds();
        var minute = (aMinuteOn + 59_999) / 60_000 * 60;
        Time.SetUtcNow(DateTimeOffset.FromUnixTimeSeconds(minute + secondsIn));
        return minute;
    }

    protected Uri Address(string scheme)
    {
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.First(a => a.StartsWith(scheme, StringComparison.Ordinal)));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
        if (OwnsDataDirectory)
        {
            await Engine.DropAsync(DataDirectory);
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

    /// <summary>The dashboard's one-time setup link for the first owner, as printed (absolute when the server listens on a socket).</summary>
    public string? SetupLink => Lines.FirstOrDefault(l => l.StartsWith(LicenzStartup.SetupLinkLabel, StringComparison.Ordinal))?[LicenzStartup.SetupLinkLabel.Length..];

    public override void Write(IReadOnlyList<string> lines)
    {
        lock (_lines)
        {
            _lines.AddRange(lines);
        }
    }
}

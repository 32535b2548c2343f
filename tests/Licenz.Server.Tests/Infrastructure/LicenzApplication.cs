using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using Licenz.Server.Hosting;
using Licenz.Server.Tests.Contract;
using Licenz.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace Licenz.Server.Tests.Infrastructure;

/// <summary>
/// The shared test host (<see cref="LicenzHost"/>) as the server tests reach it: HTTPS clients that pin the server's
/// generated certificate and authenticate as users do, behind the OpenAPI contract check, and a plain-HTTP listener so
/// tests can check that HTTP is refused.
/// </summary>
public class LicenzApplication : LicenzHost
{
    /// <summary>A server on SQLite in every run: for tests of SQLite itself (its file, its connection settings).</summary>
    public sealed class OnSqlite() : LicenzApplication(null, TestDatabase.Sqlite);

    private SocketsHttpHandler? _handler;
    private ContractCheckingHandler? _contractCheck;

    public LicenzApplication() : this(dataDirectory: null)
    {
    }

    /// <param name="dataDirectory">Reuse a data folder (to start "again"); a new temporary one when null.</param>
    /// <param name="database">The engine, for tests about one; the run's (<see cref="LicenzHost.Database"/>) otherwise.</param>
    protected LicenzApplication(string? dataDirectory, TestDatabase? database = null) : base(dataDirectory, plainHttpListener: true, database)
    {
    }

    /// <summary>A server over an existing data folder, as if started again; the folder is left in place.</summary>
    public static LicenzApplication Over(string dataDirectory, TestDatabase? database = null) => new(dataDirectory, database);

    public Uri HttpAddress => Address("http://");

    /// <summary>Sets a configuration value before the server starts (as <c>Licenz__…</c> would).</summary>
    public LicenzApplication WithSetting(string key, string? value)
    {
        Set(key, value);
        return this;
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

    /// <summary>Every row of every table, for asserting that a refused request wrote nothing.</summary>
    public async Task<string> SnapshotDatabaseAsync()
    {
        await FlushActivityAsync();
        return await DatabaseSnapshot.TakeAsync(Services);
    }

    /// <summary>
    /// Everything the database holds, as an attacker with a copy would see it: the SQLite files byte for byte (database,
    /// write-ahead log, shared memory), or on PostgreSQL every row of every table (bytes as hex).
    /// </summary>
    public async Task<Dictionary<string, byte[]>> StoredDataAsync()
    {
        if (Engine.IsPostgreSql)
        {
            return new() { ["postgresql tables"] = System.Text.Encoding.UTF8.GetBytes(await DatabaseSnapshot.TakeAsync(Services)) };
        }

        return new[] { DatabasePath, DatabasePath + "-wal", DatabasePath + "-shm" }.Where(File.Exists)
            .ToDictionary(path => Path.GetFileName(path), path =>
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                return copy.ToArray();
            });
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
    }
}

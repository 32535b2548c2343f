using Licenz.Server.Accounts;
using Licenz.Server.Dashboard.Members;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Licenz.Server.Licenses;
using Licenz.Server.Policies;
using Licenz.Server.Signing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Hosting;

/// <summary>
/// First-start work, before the server accepts requests: the data folder, the database schema and the
/// default account (with the bootstrap admin key on the very first start). Once listening, it prints
/// where the API is.
/// </summary>
public sealed class LicenzStartup(
    IServiceScopeFactory scopes,
    IOptions<LicenzOptions> options,
    IOptions<DatabaseOptions> database,
    IServer server,
    TlsCertificate tls,
    StartupOutput output,
    ILogger<LicenzStartup> logger) : IHostedLifecycleService
{
    private bool _printedKey;
    private string? _setupToken;

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var data = DataDirectory.Ensure(settings.DataDirectory, logger);
        logger.LogInformation("Data folder: {DataDirectory}", data);

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        await DatabaseSetup.PrepareAsync(db, database.Value.MigratesAtStart, logger, cancellationToken);
        var provisioner = scope.ServiceProvider.GetRequiredService<AccountProvisioner>();
        var (account, key) = await provisioner.EnsureDefaultAccountAsync(settings.DefaultAccountName, settings.ParsedPlan, cancellationToken);

        // Accounts from before signing keys existed get theirs now, so no request has to create one.
        var ring = scope.ServiceProvider.GetRequiredService<SigningKeyRing>();
        var withoutKey = await db.Accounts.AsNoTracking()
            .Where(a => !db.SigningKeys.IgnoreQueryFilters(new[] { LicenzDbContext.TenantFilter }).Any(k => k.AccountId == a.Id && k.Status == SigningKeyStatus.Current))
            .Select(a => a.Id).ToListAsync(cancellationToken);
        foreach (var accountId in withoutKey)
        {
            await ring.EnsureCurrentAsync(db, accountId, cancellationToken);
        }

        // A master key that cannot open the stored keys must stop the start, not fail every signature later.
        var defaultAccount = await db.Accounts.AsNoTracking().Where(a => a.IsDefault).Select(a => a.Id).FirstAsync(cancellationToken);
        try
        {
            await ring.CurrentAsync(defaultAccount, cancellationToken);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            throw new InvalidOperationException(
                $"{KeyEncryptionOptions.Section}: this master key does not open the signing keys stored in the database; " +
                "start with the master key they were sealed with (Licenz:KeyEncryption:Key or :KeyFile).");
        }

        // Only once the master key is known to be the right one: keys of an earlier version are sealed under it.
        var licenseKeys = scope.ServiceProvider.GetRequiredService<LicenseKeyProtection>();
        await LicenseKeyUpgrade.SealPlaintextKeysAsync(db, licenseKeys, logger, cancellationToken);
        await LicenseKeyUpgrade.CheckMasterKeyAsync(db, licenseKeys, cancellationToken);
        var time = scope.ServiceProvider.GetRequiredService<TimeProvider>();
        await DefaultPolicies.UpgradeAsync(db, time, logger, cancellationToken);

        // While nobody can sign in to the dashboard, each start prints a link that makes its first owner.
        _setupToken = await MemberInvitations.SetupLinkAsync(db, time, account.Id, cancellationToken);

        if (key is not null)
        {
            // Printed at once, not with the addresses: if the start fails later, the key is not lost.
            _printedKey = true;
            output.Write(
            [
                $"Admin API key: {key}",
                "  This key is shown once and stored only as a hash. Keep it in a secrets manager, never in source control.",
            ]);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Prints where the server is. The addresses come last, so a script can wait for the "Dashboard:" line.</summary>
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        if (!_printedKey)
        {
            lines.Add("To create another admin API key: dotnet run --project src/Licenz.Server -- create-api-key --type admin");
        }

        if (!tls.IsConfiguredByOperator)
        {
            lines.Add($"TLS certificate (self-signed, for {tls.Names}): {TlsCertificate.PemPath(options.Value)}");
            lines.Add("  For any other name clients use, configure your own certificate: Kestrel:Certificates:Default:Path.");
        }

        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var https = addresses.FirstOrDefault(a => a.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
        if (addresses.Count == 0)
        {
            // An in-memory server (no sockets) has no addresses to show.
            AddSetupLink(lines, "");
            output.Write(lines);
            return Task.CompletedTask;
        }

        if (https is null && options.Value.TrustedProxies.Count == 0)
        {
            // Listeners given in code, where HttpsAddressCheck could not see them in the configuration.
            throw new InvalidOperationException(HttpsAddressCheck.NoHttpsListener(addresses));
        }

        if (https is null)
        {
            lines.Add("Plain HTTP only: requests count as HTTPS when a trusted proxy (Licenz:TrustedProxies) sends X-Forwarded-Proto: https.");
        }

        var shown = (https ?? addresses.First()).Replace("://[::]", "://localhost").Replace("://0.0.0.0", "://localhost").Replace("://+", "://localhost").Replace("://*", "://localhost");
        AddSetupLink(lines, shown);
        lines.Add($"Licenz API: {shown}{ApiRoutes.Base}");
        lines.Add($"API reference: {shown}{ApiRoutes.Base}/reference");
        lines.Add($"Dashboard: {shown}{Dashboard.DashboardSetup.Path}");
        output.Write(lines);
        return Task.CompletedTask;
    }

    private void AddSetupLink(List<string> lines, string address)
    {
        if (_setupToken is not null)
        {
            lines.Add($"{SetupLinkLabel}{address}{MemberInvitations.LinkPath}{_setupToken}");
            lines.Add($"  Open it within {MemberInvitations.SetupLifetime.TotalHours:0} hours to make the dashboard's first owner (it works once). " +
                "Later: create-dashboard-user --email you@example.com --role owner");
        }
    }

    public const string SetupLinkLabel = "Dashboard setup link: ";

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Where the start-up lines go: the console, or a test's capture.</summary>
public class StartupOutput
{
    public virtual void Write(IReadOnlyList<string> lines)
    {
        foreach (var line in lines)
        {
            Console.Out.WriteLine(line);
        }

        Console.Out.Flush();
    }
}

using System.CommandLine;
using Licenz.Server.Accounts;
using Licenz.Server.ApiKeys;
using Licenz.Server.Dashboard.Members;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Licenz.Server.RateLimiting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Hosting;

/// <summary>
/// Operator commands run against the same configuration and database as the server, for recovery and
/// headless provisioning: <c>create-api-key</c>, <c>create-account</c>, <c>create-dashboard-user</c>, <c>migrate</c>. The secret goes
/// to standard output on a line of its own; everything else goes to standard error.
/// </summary>
public static class ServerCommands
{
    private static readonly string[] Names = ["create-api-key", "create-account", "create-dashboard-user", "migrate", "--help", "-h", "-?"];

    public static bool IsCommand(string[] args) => args.Length > 0 && Names.Contains(args[0]);

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Licenz server. Without a command it serves the API; these commands manage it offline.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        root.Subcommands.Add(CreateApiKey());
        root.Subcommands.Add(CreateAccount());
        root.Subcommands.Add(CreateDashboardUser());
        root.Subcommands.Add(Migrate());
        return await root.Parse(args).InvokeAsync();
    }

    private static Command CreateApiKey()
    {
        var type = new Option<string>("--type") { Description = $"{ApiNames<ApiKeyType>.List} (read-only, verify-only work too)", Required = true };
        var name = new Option<string>("--name") { Description = "What the key is for", DefaultValueFactory = _ => "Created with create-api-key" };
        var account = new Option<string?>("--account") { Description = "Account id (acct_…); the default account when left out" };
        var expires = new Option<string?>("--expires-at") { Description = "Expiry, ISO-8601 with offset (2026-12-31T00:00:00Z)" };
        var command = new Command("create-api-key", "Create an API key and print it once.") { type, name, account, expires };
        command.SetAction((result, cancellationToken) => WithDatabaseAsync(result, async (services, db) =>
        {
            if (!ApiNames<ApiKeyType>.TryParseLoose(result.GetValue(type), out var keyType))
            {
                return Fail($"--type must be one of {ApiNames<ApiKeyType>.List}.");
            }

            DateTime? expiresAt = null;
            if (result.GetValue(expires) is { } text)
            {
                if (!Timestamps.TryParse(text, out var parsed))
                {
                    return Fail("--expires-at must be an ISO-8601 timestamp with an offset, such as 2026-12-31T00:00:00Z.");
                }

                expiresAt = parsed;
            }

            var (target, missing) = await TargetAccountAsync(db, result.GetValue(account), cancellationToken);
            if (target is null)
            {
                return Fail(missing!);
            }

            var time = services.GetRequiredService<TimeProvider>();
            var (row, secret) = ApiKeyIssuer.Issue(db, time, target.Id, keyType, result.GetValue(name)!, expiresAt);
            await db.SaveChangesAsync(cancellationToken);
            await Console.Error.WriteLineAsync($"Created {ApiNames<ApiKeyType>.Name(keyType)} API key {row.Id} for account {target.Id} ({target.Name}). It is shown once:");
            await Console.Out.WriteLineAsync($"{Label(keyType)} API key: {secret}");
            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command CreateAccount()
    {
        var name = new Option<string>("--name") { Description = "Account name", Required = true };
        var plan = new Option<string>("--plan") { Description = ApiNames<Plan>.List, DefaultValueFactory = _ => "free" };
        var command = new Command("create-account", "Create an account with its first admin API key.") { name, plan };
        command.SetAction((result, cancellationToken) => WithDatabaseAsync(result, async (services, db) =>
        {
            if (!ApiNames<Plan>.TryParseLoose(result.GetValue(plan), out var parsedPlan))
            {
                return Fail($"--plan must be one of {ApiNames<Plan>.List}.");
            }

            var accountName = result.GetValue(name)!.Trim();
            if (accountName.Length is 0 or > 200)
            {
                return Fail("--name must be 1 to 200 characters.");
            }

            var provisioner = services.GetRequiredService<AccountProvisioner>();
            var (created, adminKey) = await provisioner.CreateAsync(accountName, parsedPlan, isDefault: false, cancellationToken);
            await Console.Error.WriteLineAsync($"Created account {created.Id} ({created.Name}, {ApiNames<Plan>.Name(created.Plan)} plan). Its admin API key is shown once:");
            await Console.Out.WriteLineAsync($"Account: {created.Id}");
            await Console.Out.WriteLineAsync($"Admin API key: {adminKey}");
            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command CreateDashboardUser()
    {
        var email = new Option<string>("--email") { Description = "The email the member signs in with", Required = true };
        var role = new Option<string>("--role") { Description = ApiNames<MemberRole>.List, DefaultValueFactory = _ => "owner" };
        var account = new Option<string?>("--account") { Description = "Account id (acct_…); the default account when left out" };
        var url = new Option<string?>("--url") { Description = "The server's address as browsers reach it (https://licenz.example.com), to print the whole link" };
        var command = new Command("create-dashboard-user",
            "Print a one-time link that makes a dashboard member (an owner, to begin with): whoever opens it chooses the password. There is never a default password.")
            { email, role, account, url };
        command.SetAction((result, cancellationToken) => WithDatabaseAsync(result, async (services, db) =>
        {
            if (!ApiNames<MemberRole>.TryParseLoose(result.GetValue(role), out var memberRole))
            {
                return Fail($"--role must be one of {ApiNames<MemberRole>.List}.");
            }

            var address = result.GetValue(email)!.Trim();
            if (!System.Net.Mail.MailAddress.TryCreate(address, out var parsed) || parsed.Address != address || address.Length > 254)
            {
                return Fail("--email must be an email address, such as owner@example.com.");
            }

            var members = services.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Member>>();
            if (await members.FindByEmailAsync(address) is not null)
            {
                return Fail($"{address} is already a dashboard member.");
            }

            var (target, missing) = await TargetAccountAsync(db, result.GetValue(account), cancellationToken);
            if (target is null)
            {
                return Fail(missing!);
            }

            var (invitation, token) = MemberInvitations.Issue(db, services.GetRequiredService<TimeProvider>(), target.Id, address, memberRole, invitedBy: null,
                MemberInvitations.InvitationLifetime);
            await db.SaveChangesAsync(cancellationToken);
            var path = MemberInvitations.LinkPath + token;
            await Console.Error.WriteLineAsync(
                $"A one-time link makes {address} a dashboard {ApiNames<MemberRole>.Name(memberRole)} of account {target.Id} ({target.Name}); " +
                $"it works once, until {invitation.ExpiresAt:yyyy-MM-dd HH:mm} UTC, and is shown once:");
            await Console.Out.WriteLineAsync($"Dashboard setup link: {(result.GetValue(url) is { } server ? server.TrimEnd('/') + path : path)}");
            if (result.GetValue(url) is null)
            {
                await Console.Error.WriteLineAsync($"Open it on the server's address (for example {LicenzServer.DefaultUrl}{path}), or give --url.");
            }

            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command Migrate()
    {
        var command = new Command("migrate", "Bring the database schema up to date (logging each migration applied) and exit.");
        command.SetAction((result, cancellationToken) => WithDatabaseAsync(result, async (services, db) =>
        {
            var engine = services.GetRequiredService<IOptions<DatabaseOptions>>().Value.ParsedProvider == DatabaseProvider.PostgreSql ? "PostgreSQL" : "SQLite";
            await Console.Error.WriteLineAsync($"The {engine} database schema is up to date.");
            return 0;
        }, cancellationToken, migrate: true));
        return command;
    }

    /// <summary>The account an <c>--account</c> option names, or the default account; else why there is none.</summary>
    private static async Task<(Account? Account, string? Missing)> TargetAccountAsync(LicenzDbContext db, string? accountId, CancellationToken cancellationToken)
    {
        var target = accountId is null
            ? await db.Accounts.FirstOrDefaultAsync(a => a.IsDefault, cancellationToken)
            : await db.Accounts.FirstOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        return target is not null ? (target, null)
            : (null, accountId is null ? "There is no default account yet: start the server once first." : $"No account with id '{accountId}'.");
    }

    private static string Label(ApiKeyType type) => type switch
    {
        ApiKeyType.Admin => "Admin",
        ApiKeyType.ReadOnly => "Read-only",
        _ => "Verify-only",
    };

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 2;
    }

    /// <summary>
    /// Builds the server's services from the same configuration (unmatched arguments are configuration), prepares the
    /// database as a start would (or migrates it: the <c>migrate</c> command), runs the action.
    /// </summary>
    private static async Task<int> WithDatabaseAsync(
        ParseResult result, Func<IServiceProvider, LicenzDbContext, Task<int>> action, CancellationToken cancellationToken, bool migrate = false)
    {
        var builder = LicenzServer.CreateBuilder([.. result.UnmatchedTokens]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);

        // The migrations applied are logged, as at a start.
        builder.Logging.AddFilter(typeof(DatabaseSetup).FullName, LogLevel.Information);
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        try
        {
            // Inside the try: building already reads and validates the settings.
            await using var app = builder.Build();
            var options = app.Services.GetRequiredService<IOptions<LicenzOptions>>().Value;
            DataDirectory.Ensure(options.DataDirectory, app.Services.GetRequiredService<ILogger<LicenzDbContext>>());
            await using var scope = app.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
            var database = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            await DatabaseSetup.PrepareAsync(db, migrate || database.MigratesAtStart, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseSetup).FullName!), cancellationToken);
            return await action(scope.ServiceProvider, db);
        }
        catch (Exception exception) when (StartupErrors.Describe(exception) is { } message)
        {
            return Fail(message);
        }
    }
}

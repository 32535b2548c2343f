using System.Net;
using Licenz.Server.Accounts;
using Licenz.Server.Http;
using Licenz.Server.RateLimiting;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Hosting;

/// <summary>Settings under <c>Licenz:</c> (environment variables <c>Licenz__…</c>).</summary>
public sealed class LicenzOptions
{
    public const string Section = "Licenz";

    /// <summary>Folder for the SQLite database, the generated TLS certificate and key material.</summary>
    public string DataDirectory { get; set; } = "./licenz-data";

    /// <summary>Plan of the default account: free, starter, growth, business or enterprise.</summary>
    public string Plan { get; set; } = "free";

    /// <summary>Name given to the default account when it is created.</summary>
    public string DefaultAccountName { get; set; } = "Default";

    /// <summary>Proxy addresses or networks (CIDR) whose <c>X-Forwarded-*</c> headers are trusted.</summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>Largest request body accepted, in bytes.</summary>
    public int MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Budget per minute for requests without a valid API key, counted per client address.</summary>
    public int AnonymousRequestsPerMinute { get; set; } = 100;

    /// <summary>Default length of a subscription for new products, in days.</summary>
    public int DefaultSubscriptionDays { get; set; } = 365;

    /// <summary>Default length of a trial for new products, in days.</summary>
    public int DefaultTrialDays { get; set; } = 14;

    public Plan ParsedPlan => ApiNames<Plan>.TryParseLoose(Plan, out var plan) ? plan : Accounts.Plan.Free;

    public string DataDirectoryFullPath => Path.GetFullPath(DataDirectory);
}

/// <summary>Checks every setting and names the one that is wrong, as <c>Licenz:Setting</c>.</summary>
public sealed class LicenzOptionsValidator : IValidateOptions<LicenzOptions>
{
    public ValidateOptionsResult Validate(string? name, LicenzOptions options)
    {
        var errors = new List<string>();
        void Fail(string setting, string message) => errors.Add($"{LicenzOptions.Section}:{setting}: {message}");

        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            Fail(nameof(options.DataDirectory), "must name a folder.");
        }
        else if (options.DataDirectory.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            Fail(nameof(options.DataDirectory), $"'{options.DataDirectory}' is not a valid path.");
        }

        if (!ApiNames<Plan>.TryParseLoose(options.Plan, out _))
        {
            Fail(nameof(options.Plan), $"'{options.Plan}' is not a plan; use one of {ApiNames<Plan>.List}.");
        }

        if (string.IsNullOrWhiteSpace(options.DefaultAccountName) || options.DefaultAccountName.Length > 200)
        {
            Fail(nameof(options.DefaultAccountName), "must be 1 to 200 characters.");
        }

        for (var i = 0; i < options.TrustedProxies.Count; i++)
        {
            var entry = options.TrustedProxies[i];
            if (!IPAddress.TryParse(entry, out _) && !IPNetwork.TryParse(entry, out _))
            {
                Fail($"{nameof(options.TrustedProxies)}:{i}", $"'{entry}' is neither an IP address nor a network in CIDR form (10.0.0.0/8).");
            }
        }

        if (options.MaxRequestBodyBytes is < 1024 or > 64 * 1024 * 1024)
        {
            Fail(nameof(options.MaxRequestBodyBytes), "must be between 1024 and 67108864 bytes.");
        }

        if (options.AnonymousRequestsPerMinute < 1)
        {
            Fail(nameof(options.AnonymousRequestsPerMinute), "must be at least 1.");
        }

        if (options.DefaultSubscriptionDays is < 1 or > 36_500)
        {
            Fail(nameof(options.DefaultSubscriptionDays), "must be between 1 and 36500 days.");
        }

        if (options.DefaultTrialDays is < 1 or > 36_500)
        {
            Fail(nameof(options.DefaultTrialDays), "must be between 1 and 36500 days.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

using Microsoft.Extensions.Options;

namespace Licenz.Server.RateLimiting;

/// <summary>Settings under <c>Licenz:RateLimits</c>: how much of the client budget one license key may use.</summary>
/// <remarks>
/// The default, a tenth of the budget and never fewer than 10 requests a minute: a single installation caught in a
/// retry loop, or one leaked key hammering the API, takes at most a tenth of what the vendor's applications share
/// (10 of the Free plan's 100, 1,000 of Business's 10,000), while a key honestly used on many machines at once still
/// verifies at every start. The floor keeps a small budget from leaving a key almost nothing.
/// </remarks>
public sealed class RateLimitOptions
{
    public const string Section = "Licenz:RateLimits";

    /// <summary>The share of the client budget one license key may use, in percent (1 to 100; 100 turns the share off).</summary>
    public int LicenseKeySharePercent { get; set; } = 10;

    /// <summary>The fewest requests per minute a key's share allows, however small the percentage of the budget (at least 1).</summary>
    public int LicenseKeyShareMinimum { get; set; } = 10;

    /// <summary>Requests per minute one license key may have within a client budget of <paramref name="budget"/>.</summary>
    public int ShareOf(int budget) => Math.Min(budget, Math.Max(LicenseKeyShareMinimum, (int)((long)budget * LicenseKeySharePercent / 100)));
}

/// <summary>Names the wrong setting and the range it must be in.</summary>
public sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        var errors = new List<string>();
        if (options.LicenseKeySharePercent is < 1 or > 100)
        {
            errors.Add($"{RateLimitOptions.Section}:{nameof(options.LicenseKeySharePercent)} is {options.LicenseKeySharePercent}; " +
                "it must be between 1 and 100 (the percentage of the client budget one license key may use).");
        }

        if (options.LicenseKeyShareMinimum < 1)
        {
            errors.Add($"{RateLimitOptions.Section}:{nameof(options.LicenseKeyShareMinimum)} is {options.LicenseKeyShareMinimum}; " +
                "it must be at least 1 (the fewest requests per minute a license key's share allows).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

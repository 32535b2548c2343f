using Microsoft.Extensions.Options;

namespace Licenz.Server.Signing;

/// <summary>Settings under <c>Licenz:Signing</c>.</summary>
public sealed class SigningOptions
{
    public const string Section = "Licenz:Signing";

    public const int MaxPublishedKeysLimit = 100;

    /// <summary>
    /// How many replaced keys stay published in the JWKS beside the current one. A rotation that leaves more retires the
    /// oldest of them (a <c>signing_key.retired</c> event each), so the JWKS every verifier downloads stays small however
    /// often keys are rotated. What a retired key signed no longer verifies: with the default of 3, a license file keeps
    /// verifying through three rotations after it was issued.
    /// </summary>
    public int MaxPublishedKeys { get; set; } = 3;
}

/// <summary>Refuses a bound under one (a rotation would retire the key that signed every file already issued) or over 100.</summary>
public sealed class SigningOptionsValidator : IValidateOptions<SigningOptions>
{
    public ValidateOptionsResult Validate(string? name, SigningOptions options) =>
        options.MaxPublishedKeys is >= 1 and <= SigningOptions.MaxPublishedKeysLimit
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{SigningOptions.Section}:MaxPublishedKeys is {options.MaxPublishedKeys}; it must be between 1 and {SigningOptions.MaxPublishedKeysLimit}: " +
                "the replaced keys that stay in the JWKS beside the current one, so that what they signed still verifies.");
}

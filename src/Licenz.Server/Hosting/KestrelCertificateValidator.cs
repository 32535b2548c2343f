using Microsoft.Extensions.Options;

namespace Licenz.Server.Hosting;

/// <summary>
/// The operator's certificate (<c>Kestrel:Certificates:Default</c>) is a setting like any other: a file that does not
/// exist is reported by the setting's name, at start and before anything is written, instead of by Kestrel once the
/// database and the bootstrap key have already been created.
/// </summary>
public sealed class KestrelCertificateValidator(IConfiguration configuration, IHostEnvironment environment) : IValidateOptions<LicenzOptions>
{
    private const string Section = "Kestrel:Certificates:Default";

    public ValidateOptionsResult Validate(string? name, LicenzOptions options)
    {
        var errors = new List<string>();
        foreach (var setting in (string[])["Path", "KeyPath"])
        {
            var value = configuration[$"{Section}:{setting}"];
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }

            // Kestrel reads relative paths from the content root.
            var full = Path.Combine(environment.ContentRootPath, value);
            if (!File.Exists(full))
            {
                errors.Add($"{Section}:{setting}: the certificate file '{value}' does not exist ({full}).");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

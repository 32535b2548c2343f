// Verifies a license file offline, as a NativeAOT-compiled application does it:
//
//   licenz-verify <license file> <jwks file> [license key] [fingerprint]
//
// Prints the result's code and message; exits 0 when the file is valid, 1 when it is not, 2 on a usage error.
// LICENZ_NOW (ISO 8601) replaces the clock, to check a file of the past (the format document's test vectors).

using Licenz;

if (args.Length is < 2 or > 4)
{
    Console.Error.WriteLine("usage: licenz-verify <license file> <jwks file> [license key] [fingerprint]");
    return 2;
}

if (!PublicKeySet.TryFromJwks(File.ReadAllText(args[1]), out var keys, out var problem))
{
    Console.Error.WriteLine($"{args[1]}: {problem}");
    return 2;
}

var now = Environment.GetEnvironmentVariable("LICENZ_NOW") is { Length: > 0 } fixedNow ? DateTimeOffset.Parse(fixedNow, System.Globalization.CultureInfo.InvariantCulture) : (DateTimeOffset?)null;
var result = LicenseFile.Verify(File.ReadAllText(args[0]), keys, new LicenseFileOptions
{
    LicenseKey = args.Length > 2 ? args[2] : null,
    Fingerprint = args.Length > 3 ? args[3] : null,
    Time = now is { } at ? new FixedTime(at) : TimeProvider.System,
    TrustedClock = now is null ? TrustedClock.Default : TrustedClock.InMemory(),
});
Console.WriteLine($"{result.Code}: {result.Message}");
if (result is { IsValid: true, Claims: { } claims })
{
    Console.WriteLine($"license {claims.License.Id} ({claims.License.Type}), file valid until {claims.ExpiresAt:yyyy-MM-dd}");
}

return result.IsValid ? 0 : 1;

internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

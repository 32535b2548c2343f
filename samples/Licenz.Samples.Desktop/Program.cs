// A desktop application licensed with Licenz, the way a vendor would ship it:
//
//   photo-editor activate LIC-XXXXX-XXXXX-XXXXX   once, online: checks the key, saves a license file bound to this machine
//   photo-editor                                  every start: online when possible, else the saved file, offline
//
// What the vendor builds into the application (here from environment variables, to keep the sample short):
//   LICENZ_URL         the Licenz server, e.g. https://licenses.example.com/api/v1
//   LICENZ_API_KEY     a verify-only API key (it can verify licenses and nothing else, so shipping it is safe)
//   LICENZ_JWKS        the server's public keys (GET /.well-known/jwks.json), saved into the application at build time
//   LICENZ_PRODUCT_ID  this product's id
//   LICENZ_CA          optional: the server's certificate, when it is self-signed
//   LICENZ_STORAGE     optional: where the license is kept (default: the user's local application data)

using Licenz;
using Licenz.Samples.Desktop;

var settings = SampleSettings.FromEnvironment();
using var client = new LicenzClient(new LicenzClientOptions
{
    ApiKey = settings.ApiKey,
    BaseUrl = settings.ServerUrl,
    VerificationKeys = settings.Keys,
    TrustedCertificatePath = settings.CertificatePath,
    Timeout = TimeSpan.FromSeconds(10),
});

if (args is ["activate", var enteredKey])
{
    if (!LicenseKey.TryNormalize(enteredKey, out var licenseKey))
    {
        Console.WriteLine("That is not a license key: it looks like LIC-XXXXX-XXXXX-XXXXX. Check for typos.");
        return 2;
    }

    Directory.CreateDirectory(settings.Storage);
    await File.WriteAllTextAsync(settings.LicenseKeyPath, licenseKey);
    var activation = await settings.Checker(client, licenseKey).CheckAsync();
    if (activation is not { IsValid: true, Source: LicenseCheckSource.Online })
    {
        File.Delete(settings.LicenseKeyPath);
        Console.WriteLine($"Activation failed: {activation.Code}. {activation.Message}");
        return 3;
    }

    Console.WriteLine($"Activated {activation.Verification!.License!.Id}; the license file is saved at {settings.Checker(client, licenseKey).LicenseFilePath}.");
    return 0;
}

if (!File.Exists(settings.LicenseKeyPath))
{
    Console.WriteLine("Not activated: run `photo-editor activate <license key>` once, with a network connection.");
    return 3;
}

var key = (await File.ReadAllTextAsync(settings.LicenseKeyPath)).Trim();
var result = await settings.Checker(client, key).CheckAsync();
Console.WriteLine(result switch
{
    { IsValid: true, Source: LicenseCheckSource.Online } => "Licensed (verified online).",
    { IsValid: true, Source: LicenseCheckSource.LicenseFile } =>
        $"Licensed (offline, from the license file; check in with the server before {result.LicenseFile!.Claims!.ExpiresAt:yyyy-MM-dd}).",
    { IsValid: true } => $"Licensed (offline, from the last verification on {result.Verification!.SignedDate:yyyy-MM-dd}).",
    _ => $"Not licensed: {result.Code}. {result.Message}",
});
return result.IsValid ? 0 : 3;

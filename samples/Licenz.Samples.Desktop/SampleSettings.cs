using Licenz;

namespace Licenz.Samples.Desktop;

/// <summary>What the vendor bakes into the application; read from the environment in this sample.</summary>
internal sealed record SampleSettings(Uri ServerUrl, string ApiKey, PublicKeySet Keys, string ProductId, string? CertificatePath, string Storage)
{
    public string LicenseKeyPath => Path.Combine(Storage, "license-key.txt");

    public static SampleSettings FromEnvironment()
    {
        static string Required(string name) =>
            Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : throw new InvalidOperationException($"Set {name}.");

        var storage = Environment.GetEnvironmentVariable("LICENZ_STORAGE") is { Length: > 0 } folder
            ? folder
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "PhotoEditor");
        return new SampleSettings(
            new Uri(Required("LICENZ_URL")),
            Required("LICENZ_API_KEY"),
            PublicKeySet.FromJwks(File.ReadAllText(Required("LICENZ_JWKS"))),
            Required("LICENZ_PRODUCT_ID"),
            Environment.GetEnvironmentVariable("LICENZ_CA") is { Length: > 0 } ca ? ca : null,
            storage);
    }

    public LicenseChecker Checker(LicenzClient client, string licenseKey) => new(client, new LicenseCheckerOptions
    {
        LicenseKey = licenseKey,
        ProductId = ProductId,
        Keys = Keys,
        StorageDirectory = Storage,
        // Bound to this machine; the product id as salt keeps the fingerprint specific to this application.
        Fingerprint = MachineFingerprint.Get(ProductId),
        // Its parts, so that under a policy matching most components a reinstall or a new disk keeps its seat.
        Components = MachineFingerprint.Components(ProductId),
        TrustedClock = TrustedClock.InFolder(Path.Combine(Storage, "trusted-time")),
    });
}

using System.Net;
using System.Text.Json;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.Signing;

internal static class Fixtures
{
    public static async Task<JsonElement> CreateLicenseAsync(HttpClient admin, string type = "subscription")
    {
        var product = await (await admin.PostJsonAsync("products", new { name = "Signed product " + Guid.NewGuid().ToString("N")[..6] })).DataAsync(HttpStatusCode.Created);
        return await (await admin.PostJsonAsync("licenses", new { product_id = product.Str("id"), email = "holder@example.com", type })).DataAsync(HttpStatusCode.Created);
    }

    public static async Task<JsonElement> CheckOutAsync(HttpClient client, string idOrKey, object? body = null)
    {
        var response = body is null
            ? await client.PostAsync($"licenses/{idOrKey}/license-file", null)
            : await client.PostJsonAsync($"licenses/{idOrKey}/license-file", body);
        return await response.DataAsync();
    }

    public static async Task<PublicKeySet> JwksAsync(LicenzApplication app, string? accountId = null)
    {
        using var anonymous = app.CreateClient(apiKey: null, basePath: "/");
        var path = accountId is null ? ".well-known/jwks.json" : $".well-known/jwks.json?account={accountId}";
        return PublicKeySet.FromJwks(await (await anonymous.GetAsync(path)).Content.ReadAsStringAsync());
    }

    /// <summary>Checks a file as the application would, at the server's (fake) current time.</summary>
    public static LicenseFileResult VerifyOffline(LicenzApplication app, string file, PublicKeySet keys, string? licenseKey = null, string? fingerprint = null) =>
        LicenseFile.Verify(file, keys, new LicenseFileOptions
        {
            Time = app.Time,
            LicenseKey = licenseKey,
            Fingerprint = fingerprint,
            TrustedClock = TrustedClock.InMemory(),
        });
}

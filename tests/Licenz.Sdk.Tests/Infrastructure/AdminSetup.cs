using System.Net.Http.Json;
using System.Text.Json;

namespace Licenz.Sdk.Tests.Infrastructure;

/// <summary>What client tests set up with the admin key through the plain API, for what the SDK has no call for (policies, entitlements).</summary>
public static class AdminSetup
{
    /// <summary>POSTs <paramref name="body"/> as JSON and answers the envelope's <c>data</c>; a refusal fails the test, saying why.</summary>
    public static async Task<JsonElement> PostDataAsync(this HttpClient http, string path, object body)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("data").Clone();
    }

    /// <summary>
    /// A license of a new product under a new policy of the given settings (and the entitlements named, created first),
    /// the account's public keys, and a new verify-only key: what an application ships with.
    /// </summary>
    public static async Task<(LicenseInfo License, PublicKeySet Keys, string VerifyKey)> LicenseUnderPolicyAsync(
        this LicenzApplication app, object policy, string[]? entitlements = null)
    {
        using var admin = app.CreateClient();
        var product = await admin.Products.CreateAsync(new ProductCreateOptions { Name = "Model " + Guid.NewGuid().ToString("N")[..6] });
        using var http = app.CreateAdminHttpClient();
        foreach (var code in entitlements ?? [])
        {
            await http.PostDataAsync("entitlements", new { code, name = code });
        }

        var body = JsonSerializer.SerializeToNode(policy)!.AsObject();
        body["product_id"] = product.Id;
        body["name"] = "Checked";
        var created = await http.PostDataAsync("policies", body);
        var license = await http.PostDataAsync("licenses", new { product_id = product.Id, policy_id = created.GetProperty("id").GetString(), email = "holder@example.com" });
        var verifyKey = await admin.ApiKeys.CreateAsync(new ApiKeyCreateOptions { Type = ApiKeyTypeNames.VerifyOnly, Name = "App" });
        return (await admin.Licenses.GetAsync(license.GetProperty("id").GetString()!), await admin.SigningKeys.GetJwksAsync(), verifyKey.Key);
    }
}

using System.Globalization;
using System.Net;
using System.Text.Json;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.Licensing;

/// <summary>What the licensing-model tests share: products, policies, licenses and keys made through the API.</summary>
internal static class Licensing
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<string> ProductAsync(HttpClient admin) =>
        (await (await admin.PostJsonAsync("products", new { name = $"Licensing {Guid.NewGuid():N}" })).DataAsync(HttpStatusCode.Created)).Str("id");

    public static async Task<JsonElement> PolicyAsync(HttpClient admin, string productId, object settings)
    {
        var body = Merge(new { product_id = productId, name = "Policy " + Guid.NewGuid().ToString("N")[..8] }, settings);
        return await (await admin.PostJsonAsync("policies", body)).DataAsync(HttpStatusCode.Created);
    }

    public static async Task<JsonElement> LicenseAsync(HttpClient admin, string productId, string policyId, object? extra = null) =>
        await (await admin.PostJsonAsync("licenses", Merge(new { product_id = productId, policy_id = policyId, email = "holder@example.com" }, extra)))
            .DataAsync(HttpStatusCode.Created);

    public static async Task<JsonElement> LicenseAsync(HttpClient admin, object policySettings, object? extra = null)
    {
        var product = await ProductAsync(admin);
        var policy = await PolicyAsync(admin, product, policySettings);
        return await LicenseAsync(admin, product, policy.Str("id"), extra);
    }

    public static async Task<string> ApiKeyAsync(HttpClient admin, string type) =>
        (await (await admin.PostJsonAsync("api-keys", new { type, name = type + " licensing test" })).DataAsync(HttpStatusCode.Created)).Str("key");

    public static async Task<JsonElement> GetAsync(HttpClient client, string path) => await (await client.GetAsync(path, Ct)).DataAsync();

    public static async Task<JsonElement> VerifyAsync(HttpClient client, object body) =>
        await (await client.PostJsonAsync("licenses/verify", body)).DataAsync();

    public static Task<HttpResponseMessage> ActivateAsync(HttpClient client, string key, string fingerprint, object? extra = null) =>
        client.PostJsonAsync("machines", Merge(new { key, fingerprint }, extra));

    /// <summary>The events of a resource, oldest first, by type.</summary>
    public static async Task<List<string>> EventTypesAsync(HttpClient admin, string resourceId)
    {
        var page = await GetAsync(admin, $"events?resource_id={resourceId}&limit=100");
        return [.. page.EnumerateArray().Select(e => e.Str("type")).Reverse()];
    }

    public static Dictionary<string, object?> Merge(object first, object? second)
    {
        var body = new Dictionary<string, object?>();
        foreach (var part in new[] { first, second })
        {
            if (part is null)
            {
                continue;
            }

            foreach (var property in JsonSerializer.SerializeToElement(part).EnumerateObject())
            {
                body[property.Name] = property.Value.Clone();
            }
        }

        return body;
    }

    public static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

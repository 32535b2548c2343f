using System.Net;
using System.Text.Json;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.Hosting;

/// <summary>
/// "Use HTTPS (HTTP requests will be rejected)": a request that arrives over plain HTTP is refused with the
/// 403 <c>forbidden</c> envelope whatever it asks for, its API key is never looked at, and nothing is written.
/// <c>X-Forwarded-Proto</c> is believed only from a configured proxy.
/// </summary>
public sealed class HttpsOnlyTests(HttpsOnlyApplication app) : IClassFixture<HttpsOnlyApplication>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Requests that would all succeed (or at least be answered) over HTTPS with an admin key.</summary>
    public static TheoryData<string, string, string?> EveryKindOfRequest => new()
    {
        { "GET", "licenses", null },
        { "GET", "licenses/{license}", null },
        { "GET", "licenses/{license_key}", null },
        { "GET", "products", null },
        { "GET", "api-keys", null },
        { "POST", "products", """{"name":"Made over plain HTTP"}""" },
        { "POST", "licenses", """{"product_id":"{product}","email":"http@example.com","type":"perpetual"}""" },
        { "PATCH", "products/{product}", """{"name":"Renamed over plain HTTP"}""" },
        { "PATCH", "licenses/{license}", """{"email":"changed@example.com"}""" },
        { "DELETE", "products/{empty_product}", null },
        { "DELETE", "licenses/{license}", null },
        { "POST", "licenses/{license}/suspend", null },
        { "POST", "licenses/{license}/revoke", null },
        { "POST", "licenses/{license}/renew", """{"days":30}""" },
        { "POST", "licenses/verify", """{"key":"{license_key}"}""" },
        { "POST", "api-keys", """{"type":"admin","name":"Made over plain HTTP"}""" },
        { "DELETE", "api-keys/{other_key_id}", null },
        { "GET", "openapi.json", null },
        { "GET", "nope", null },
        { "PUT", "licenses", """{"name":"x"}""" },
    };

    [Theory]
    [MemberData(nameof(EveryKindOfRequest))]
    public async Task APlainHttpRequestWithAValidAdminKeyIsForbiddenAndWritesNothing(string method, string path, string? body)
    {
        var key = await app.NewAdminKeyAsync();
        using var client = app.CreateHttpClient(key.Secret);
        app.Time.Advance(TimeSpan.FromMinutes(1));
        var before = await app.SnapshotDatabaseAsync();

        using var response = await SendAsync(client, method, app.Fill(path), body is null ? null : app.Fill(body));

        await AssertRefusedAsync(response);
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
        Assert.Equal(JsonValueKind.Null, (await app.FindKeyAsync(key.Id)).GetProperty("last_used_at").ValueKind);
    }

    [Fact]
    public async Task TheSameRequestOverHttpsSucceedsSoTheRefusalIsAboutTheScheme()
    {
        var key = await app.NewAdminKeyAsync();
        using var https = app.CreateClient(key.Secret);
        using var http = app.CreateHttpClient(key.Secret);

        await AssertRefusedAsync(await http.GetAsync("products", Cancel));
        await (await https.GetAsync("products", Cancel)).DataAsync();
        await app.FlushActivityAsync();

        Assert.Equal(JsonValueKind.String, (await app.FindKeyAsync(key.Id)).GetProperty("last_used_at").ValueKind);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer lzk_admin_doesnotexist0000000000000000")]
    [InlineData("Basic dXNlcjpwYXNzd29yZA==")]
    [InlineData("Bearer {revoked}")]
    [InlineData("Bearer {verify_only}")]
    public async Task OverPlainHttpTheKeyIsNotLookedAtSoEveryCallerGetsTheSameRefusal(string? authorization)
    {
        using var client = app.CreateHttpClient(null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "licenses");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", app.Fill(authorization));
        }

        using var response = await client.SendAsync(request, Cancel);

        // Not 401 invalid_api_key nor 403 for the key type: the credentials were never examined.
        await AssertRefusedAsync(response);
        Assert.Empty(response.Headers.WwwAuthenticate);
    }

    [Theory]
    [InlineData("text/plain", "name=Widget")]
    [InlineData("application/json", "{ not json")]
    public async Task OverPlainHttpEvenABadBodyIsRefusedForTheSchemeFirst(string contentType, string body)
    {
        using var client = app.CreateHttpClient(app.AdminKey);
        var before = await app.SnapshotDatabaseAsync();

        using var response = await client.PostAsync("products", new StringContent(body, System.Text.Encoding.UTF8, contentType), Cancel);

        await AssertRefusedAsync(response);
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Fact]
    public async Task TheRefusalCarriesTheRateLimitHeaders()
    {
        using var client = app.CreateHttpClient(app.AdminKey);

        using var response = await client.GetAsync("licenses", Cancel);

        await AssertRefusedAsync(response);
        Assert.True(long.Parse(Single(response, "X-RateLimit-Limit"), System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.True(long.Parse(Single(response, "X-RateLimit-Remaining"), System.Globalization.CultureInfo.InvariantCulture) >= 0);
        var reset = long.Parse(Single(response, "X-RateLimit-Reset"), System.Globalization.CultureInfo.InvariantCulture);
        var now = app.Time.GetUtcNow().ToUnixTimeSeconds();
        Assert.InRange(reset, now + 1, now + 60);
    }

    [Theory]
    [InlineData("https")]
    [InlineData("HTTPS")]
    [InlineData("https, https")]
    public async Task XForwardedProtoFromAnUntrustedAddressIsIgnored(string proto)
    {
        var key = await app.NewAdminKeyAsync();
        using var client = app.CreateHttpClient(key.Secret);
        client.DefaultRequestHeaders.Add("X-Forwarded-Proto", proto);
        client.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.7");
        app.Time.Advance(TimeSpan.FromMinutes(1));
        var before = await app.SnapshotDatabaseAsync();

        await AssertRefusedAsync(await client.GetAsync("licenses", Cancel));
        await AssertRefusedAsync(await client.PostJsonAsync("products", new { name = "Smuggled over HTTP" }));

        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    internal static async Task AssertRefusedAsync(HttpResponseMessage response)
    {
        var error = await response.ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Contains("HTTPS is required", error.Str("message"), StringComparison.Ordinal);
        Assert.Contains("https://", error.Str("message"), StringComparison.Ordinal);
        Assert.False(error.TryGetProperty("field", out _));
        foreach (var header in new[] { "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset" })
        {
            Assert.True(response.Headers.Contains(header), $"No {header} on the refusal of plain HTTP.");
        }
    }

    internal static Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string path, string? json)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (json is not null)
        {
            request.Content = Infrastructure.Api.Json(json);
        }

        return client.SendAsync(request, Cancel);
    }

    private static string Single(HttpResponseMessage response, string header) => Assert.Single(response.Headers.GetValues(header));
}

/// <summary>
/// Behind a TLS-terminating proxy at 127.0.0.1 (where the test client connects from): that proxy's
/// <c>X-Forwarded-Proto</c> says whether the original request was HTTPS.
/// </summary>
public sealed class TrustedProxyTests(TrustedProxyApplication app) : IClassFixture<TrustedProxyApplication>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PlainHttpFromTheTrustedProxySayingHttpsIsAccepted()
    {
        using var client = app.CreateHttpClient(app.AdminKey);
        client.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");

        var created = await (await client.PostJsonAsync("products", new { name = "Through the proxy" })).DataAsync(HttpStatusCode.Created);
        var listed = await (await client.GetAsync("products", Cancel)).DataAsync();

        Assert.Contains(created.Str("id"), listed.EnumerateArray().Select(p => p.Str("id")));
    }

    [Fact]
    public async Task AKeyUsedThroughTheTrustedProxyIsAuthenticatedAndRecorded()
    {
        var key = await app.NewAdminKeyAsync();
        using var client = app.CreateHttpClient(key.Secret);
        client.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        app.Time.Advance(TimeSpan.FromMinutes(1));

        await (await client.GetAsync("licenses", Cancel)).DataAsync();
        await app.FlushActivityAsync();

        Assert.Equal(JsonValueKind.String, (await app.FindKeyAsync(key.Id)).GetProperty("last_used_at").ValueKind);
    }

    [Theory]
    [InlineData("http")]
    [InlineData("ftp")]
    [InlineData(null)]
    public async Task PlainHttpFromTheTrustedProxyNotSayingHttpsIsRefusedAndWritesNothing(string? proto)
    {
        var key = await app.NewAdminKeyAsync();
        using var client = app.CreateHttpClient(key.Secret);
        if (proto is not null)
        {
            client.DefaultRequestHeaders.Add("X-Forwarded-Proto", proto);
        }

        app.Time.Advance(TimeSpan.FromMinutes(1));
        var before = await app.SnapshotDatabaseAsync();

        await HttpsOnlyTests.AssertRefusedAsync(await client.GetAsync("licenses", Cancel));
        await HttpsOnlyTests.AssertRefusedAsync(await client.PostJsonAsync("products", new { name = $"Refused ({proto})" }));

        Assert.Equal(before, await app.SnapshotDatabaseAsync());
        Assert.Equal(JsonValueKind.Null, (await app.FindKeyAsync(key.Id)).GetProperty("last_used_at").ValueKind);
    }

    [Fact]
    public async Task DirectHttpsStillWorksWithAProxyConfigured()
    {
        using var client = app.CreateAdminClient();

        await (await client.GetAsync("licenses", Cancel)).DataAsync();
    }
}

/// <summary>A proxy is configured, but not at the address the request comes from: its header is not believed.</summary>
public sealed class UntrustedProxyTests(OtherProxyApplication app) : IClassFixture<OtherProxyApplication>
{
    [Fact]
    public async Task XForwardedProtoFromAnAddressOutsideTheTrustedNetworkIsIgnored()
    {
        // Without the trusted list the framework's default would believe loopback; the configured list replaces it.
        var key = await app.NewAdminKeyAsync();
        using var client = app.CreateHttpClient(key.Secret);
        client.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        app.Time.Advance(TimeSpan.FromMinutes(1));
        var before = await app.SnapshotDatabaseAsync();

        await HttpsOnlyTests.AssertRefusedAsync(await client.GetAsync("licenses", TestContext.Current.CancellationToken));
        await HttpsOnlyTests.AssertRefusedAsync(await client.PostJsonAsync("products", new { name = "Not from the proxy" }));

        Assert.Equal(before, await app.SnapshotDatabaseAsync());
        Assert.Equal(JsonValueKind.Null, (await app.FindKeyAsync(key.Id)).GetProperty("last_used_at").ValueKind);
    }
}

/// <summary>The default server (no trusted proxies) with a product, an empty product, a license and a second key to aim at.</summary>
public class HttpsOnlyApplication : LicenzApplication
{
    public string ProductId { get; private set; } = "";

    public string EmptyProductId { get; private set; } = "";

    public string LicenseId { get; private set; } = "";

    public string LicenseKey { get; private set; } = "";

    public string OtherKeyId { get; private set; } = "";

    public string RevokedKey { get; private set; } = "";

    public string VerifyOnlyKey { get; private set; } = "";

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        using var admin = CreateAdminClient();
        ProductId = (await (await admin.PostJsonAsync("products", new { name = "HTTPS product" })).DataAsync(HttpStatusCode.Created)).Str("id");
        EmptyProductId = (await (await admin.PostJsonAsync("products", new { name = "Empty product" })).DataAsync(HttpStatusCode.Created)).Str("id");
        var license = await (await admin.PostJsonAsync("licenses", new { product_id = ProductId, email = "customer@example.com", type = "subscription" }))
            .DataAsync(HttpStatusCode.Created);
        (LicenseId, LicenseKey) = (license.Str("id"), license.Str("key"));
        OtherKeyId = (await NewAdminKeyAsync()).Id;
        var revoked = await NewAdminKeyAsync();
        await (await admin.DeleteAsync($"api-keys/{revoked.Id}")).DataAsync();
        RevokedKey = revoked.Secret;
        VerifyOnlyKey = (await (await admin.PostJsonAsync("api-keys", new { type = "verify_only", name = "Verifier" })).DataAsync(HttpStatusCode.Created)).Str("key");
    }

    /// <summary>A fresh admin key, never used: its <c>last_used_at</c> shows whether a request counted as a use.</summary>
    public async Task<(string Id, string Secret)> NewAdminKeyAsync()
    {
        using var admin = CreateAdminClient();
        var key = await (await admin.PostJsonAsync("api-keys", new { type = "admin", name = "Fresh admin key" })).DataAsync(HttpStatusCode.Created);
        return (key.Str("id"), key.Str("key"));
    }

    public async Task<JsonElement> FindKeyAsync(string id)
    {
        await FlushActivityAsync();
        using var admin = CreateAdminClient();
        var keys = await (await admin.GetAsync("api-keys?limit=100")).DataAsync();
        return keys.EnumerateArray().Single(k => k.Str("id") == id);
    }

    public string Fill(string text) => text
        .Replace("{product}", ProductId, StringComparison.Ordinal)
        .Replace("{empty_product}", EmptyProductId, StringComparison.Ordinal)
        .Replace("{license}", LicenseId, StringComparison.Ordinal)
        .Replace("{license_key}", LicenseKey, StringComparison.Ordinal)
        .Replace("{other_key_id}", OtherKeyId, StringComparison.Ordinal)
        .Replace("{revoked}", RevokedKey, StringComparison.Ordinal)
        .Replace("{verify_only}", VerifyOnlyKey, StringComparison.Ordinal);
}

/// <summary>A server behind a proxy at 127.0.0.1, the address test requests come from.</summary>
public sealed class TrustedProxyApplication : HttpsOnlyApplication
{
    public TrustedProxyApplication() => WithSetting("Licenz:TrustedProxies:0", "127.0.0.1");
}

/// <summary>A server whose only trusted proxies are in 10.0.0.0/8: loopback is not among them.</summary>
public sealed class OtherProxyApplication : HttpsOnlyApplication
{
    public OtherProxyApplication() => WithSetting("Licenz:TrustedProxies:0", "10.0.0.0/8");
}

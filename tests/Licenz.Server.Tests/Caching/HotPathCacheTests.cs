using System.Net;
using System.Text.Json;
using Licenz.Server.Caching;
using Licenz.Server.Licenses;
using Licenz.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Licenz.Server.Tests.Caching;

/// <summary>
/// The verification path reads API keys and licenses from memory. Every change must still be seen on the very
/// next request: these tests warm the cache first, then change the row, then verify once.
/// </summary>
public sealed class HotPathCacheTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private async Task<(HttpClient Admin, JsonElement License)> WarmLicenseAsync()
    {
        var admin = app.CreateAdminClient();
        var product = await (await admin.PostJsonAsync("products", new { name = "Cached " + Guid.NewGuid().ToString("N")[..6] })).DataAsync(HttpStatusCode.Created);
        var license = await (await admin.PostJsonAsync("licenses", new { product_id = product.Str("id"), email = "c@example.com", type = "subscription" })).DataAsync(HttpStatusCode.Created);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("VALID", (await VerifyAsync(admin, license.Str("key"))).Str("code"));
        }

        Assert.True(app.Services.GetRequiredService<HotPathCache>().TryGetLicense(CacheKey(app, license.Str("key")), out _), "The license should be cached by now.");
        return (admin, license);
    }

    /// <summary>How the cache finds a license: by the keyed hash of its key, never the key.</summary>
    private static LicenseCacheKey CacheKey(LicenzApplication app, string key) =>
        new(app.Services.GetRequiredService<LicenseKeyProtection>().Hash(key));

    private static async Task<JsonElement> VerifyAsync(HttpClient client, string key) =>
        await (await client.PostJsonAsync("licenses/verify", new { key })).DataAsync();

    [Theory]
    [InlineData("suspend", "SUSPENDED")]
    [InlineData("revoke", "REVOKED")]
    public async Task ALifecycleChangeIsSeenOnTheNextVerification(string action, string code)
    {
        var (admin, license) = await WarmLicenseAsync();

        await (await admin.PostAsync($"licenses/{license.Str("id")}/{action}", null)).DataAsync();

        Assert.Equal(code, (await VerifyAsync(admin, license.Str("key"))).Str("code"));
        admin.Dispose();
    }

    [Fact]
    public async Task AReinstatementAndARenewalAreSeenOnTheNextVerification()
    {
        var (admin, license) = await WarmLicenseAsync();
        await (await admin.PostAsync($"licenses/{license.Str("id")}/suspend", null)).DataAsync();
        Assert.Equal("SUSPENDED", (await VerifyAsync(admin, license.Str("key"))).Str("code"));

        await (await admin.PostAsync($"licenses/{license.Str("id")}/reinstate", null)).DataAsync();
        Assert.Equal("VALID", (await VerifyAsync(admin, license.Str("key"))).Str("code"));

        var past = app.Time.GetUtcNow().AddMinutes(-1).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        await (await admin.PatchJsonAsync($"licenses/{license.Str("id")}", new { expires_at = past })).DataAsync();
        Assert.Equal("EXPIRED", (await VerifyAsync(admin, license.Str("key"))).Str("code"));

        await (await admin.PostAsync($"licenses/{license.Str("id")}/renew", null)).DataAsync();
        Assert.Equal("VALID", (await VerifyAsync(admin, license.Str("key"))).Str("code"));
        admin.Dispose();
    }

    [Fact]
    public async Task ADeletedLicenseIsNotFoundOnTheNextVerification()
    {
        var (admin, license) = await WarmLicenseAsync();

        await (await admin.DeleteAsync($"licenses/{license.Str("id")}")).DataAsync();

        Assert.Equal("NOT_FOUND", (await VerifyAsync(admin, license.Str("key"))).Str("code"));
        admin.Dispose();
    }

    [Fact]
    public async Task ChangedMetadataIsServedOnTheNextVerification()
    {
        var (admin, license) = await WarmLicenseAsync();

        await (await admin.PatchJsonAsync($"licenses/{license.Str("id")}", new { metadata = new { seats = 12 } })).DataAsync();

        var verified = await VerifyAsync(admin, license.Str("key"));
        Assert.Equal(12, verified.GetProperty("license").GetProperty("metadata").GetProperty("seats").GetInt32());
        admin.Dispose();
    }

    [Fact]
    public async Task ARevokedApiKeyIsRefusedOnTheNextRequest()
    {
        using var admin = app.CreateAdminClient();
        var created = await (await admin.PostJsonAsync("api-keys", new { type = "verify_only", name = "warm" })).DataAsync(HttpStatusCode.Created);
        using var client = app.CreateClient(created.Str("key"));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("licenses/verify", new { key = LicenseKeyGenerator.Generate() })).StatusCode);
        }

        await (await admin.DeleteAsync($"api-keys/{created.Str("id")}")).DataAsync();

        var refused = await client.PostJsonAsync("licenses/verify", new { key = LicenseKeyGenerator.Generate() });
        await refused.ErrorAsync(HttpStatusCode.Unauthorized, "invalid_api_key");
    }

    [Fact]
    public async Task AnApiKeyExpiresWhileCached()
    {
        using var admin = app.CreateAdminClient();
        var expiresAt = app.Time.GetUtcNow().AddSeconds(30).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        var created = await (await admin.PostJsonAsync("api-keys", new { type = "verify_only", name = "short", expires_at = expiresAt })).DataAsync(HttpStatusCode.Created);
        using var client = app.CreateClient(created.Str("key"));
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("licenses/verify", new { key = LicenseKeyGenerator.Generate() })).StatusCode);

        app.Time.Advance(TimeSpan.FromSeconds(31));

        await (await client.PostJsonAsync("licenses/verify", new { key = LicenseKeyGenerator.Generate() })).ErrorAsync(HttpStatusCode.Unauthorized, "invalid_api_key");
    }

    [Fact]
    public async Task ACachedKeyStillNeedsItsWholeSecret()
    {
        using var admin = app.CreateAdminClient();
        var created = await (await admin.PostJsonAsync("api-keys", new { type = "read_only", name = "secret check" })).DataAsync(HttpStatusCode.Created);
        var key = created.Str("key");
        using (var warm = app.CreateClient(key))
        {
            Assert.Equal(HttpStatusCode.OK, (await warm.GetAsync("licenses")).StatusCode);
        }

        // Same lookup id, different secret: the cache entry must not let it in.
        var forged = key[..^4] + (key.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
        using var client = app.CreateClient(forged);
        await (await client.GetAsync("licenses")).ErrorAsync(HttpStatusCode.Unauthorized, "invalid_api_key");
    }

    [Fact]
    public async Task AtStartTheCacheIsWarmedWithTheLicensesAlreadyThere()
    {
        var folder = Path.Combine(Path.GetTempPath(), "licenz-tests", "warm-" + Guid.NewGuid().ToString("N"));
        var keys = new List<string>();
        try
        {
            await using (var first = LicenzApplication.Over(folder))
            {
                await first.InitializeAsync();
                using var admin = first.CreateAdminClient();
                var product = await (await admin.PostJsonAsync("products", new { name = "Warm" })).DataAsync(HttpStatusCode.Created);
                for (var i = 0; i < 3; i++)
                {
                    var license = await (await admin.PostJsonAsync("licenses", new { product_id = product.Str("id"), email = "w@example.com", type = "perpetual" })).DataAsync(HttpStatusCode.Created);
                    keys.Add(license.Str("key"));
                }
            }

            await using var second = LicenzApplication.Over(folder);
            await second.InitializeAsync();
            Assert.Equal(3, await second.Services.GetRequiredService<CacheWarmup>().Completion.WaitAsync(TimeSpan.FromSeconds(30)));

            var cache = second.Services.GetRequiredService<HotPathCache>();
            Assert.All(keys, key => Assert.True(cache.TryGetLicense(CacheKey(second, key), out _), $"{key} should be cached at start."));
        }
        finally
        {
            LicenzApplication.TryDelete(folder);
            LicenzApplication.TryDelete(folder + "-secrets");
        }
    }

    private static readonly LicenseCacheKey SomeLicense = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private static CachedLicense Entry() =>
        new("lic_x", "acct_x", "prod_x", LicenseType.Trial, LicenseStatus.Active, null, LicenzApplication.Epoch.UtcDateTime, CachedMetadata.Empty);

    [Fact]
    public void ALoadThatRacedWithAChangeIsNotStored()
    {
        var cache = new HotPathCache(Options.Create(new CacheOptions()), new FakeTimeProvider(LicenzApplication.Epoch));

        var epochBeforeLoad = cache.Epoch;
        cache.Invalidate([], [SomeLicense], everyApiKey: false); // a change commits while the load reads the old row
        cache.StoreLicense(SomeLicense, Entry(), epochBeforeLoad);

        Assert.False(cache.TryGetLicense(SomeLicense, out _));
        cache.StoreLicense(SomeLicense, Entry(), cache.Epoch);
        Assert.True(cache.TryGetLicense(SomeLicense, out _));
    }

    [Fact]
    public void EntriesAreReadAgainAfterTheirMaximumAge()
    {
        var time = new FakeTimeProvider(LicenzApplication.Epoch);
        var cache = new HotPathCache(Options.Create(new CacheOptions { MaxAge = TimeSpan.FromSeconds(60) }), time);
        cache.StoreLicense(SomeLicense, Entry(), cache.Epoch);

        // Ages are spread over the last fifth (48 to 60 seconds), so entries loaded together do not expire together.
        time.Advance(TimeSpan.FromSeconds(47));
        Assert.True(cache.TryGetLicense(SomeLicense, out _));
        time.Advance(TimeSpan.FromSeconds(14));
        Assert.False(cache.TryGetLicense(SomeLicense, out _));
    }

    [Fact]
    public void AFullCacheMakesRoomFromEntriesPastTheirAgeAndOtherwiseStoresNothingMore()
    {
        var time = new FakeTimeProvider(LicenzApplication.Epoch);
        var cache = new HotPathCache(Options.Create(new CacheOptions { MaxEntries = 2, MaxAge = TimeSpan.FromSeconds(60) }), time);
        LicenseCacheKey Key(byte b) => new(Enumerable.Repeat(b, 32).Select(x => x).ToArray());

        cache.StoreLicense(Key(1), Entry(), cache.Epoch);
        time.Advance(TimeSpan.FromSeconds(30));
        cache.StoreLicense(Key(2), Entry(), cache.Epoch);
        cache.StoreLicense(Key(3), Entry(), cache.Epoch);
        Assert.Equal(2, cache.LicenseCount);
        Assert.False(cache.TryGetLicense(Key(3), out _));

        // The first entry is past its age (48 to 60 s) at 61 s, the second not yet (at most 31 s old): room for one.
        time.Advance(TimeSpan.FromSeconds(31));
        cache.StoreLicense(Key(3), Entry(), cache.Epoch);
        Assert.Equal(2, cache.LicenseCount);
        Assert.False(cache.TryGetLicense(Key(1), out _));
        Assert.True(cache.TryGetLicense(Key(2), out _));
        Assert.True(cache.TryGetLicense(Key(3), out _));
    }
}

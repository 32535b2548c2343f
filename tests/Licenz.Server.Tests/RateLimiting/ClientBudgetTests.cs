using System.Globalization;
using System.Net;
using System.Text.Json;
using Licenz.Server.RateLimiting;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.RateLimiting;

/// <summary>
/// Client traffic (verify-only keys, shipped inside applications) and management traffic (admin and read-only keys)
/// have separate budgets at the plan's rate, and within the client budget one license key may use only its share
/// (on the Free plan: 10 of the 100 requests a minute).
/// </summary>
public sealed class ClientBudgetTests(FreePlanApplication app) : IClassFixture<FreePlanApplication>
{
    private const int FreeLimit = 100;
    private const int FreeShare = 10;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AHundredVerificationsDoNotLockTheAdminKeyOut()
    {
        using var admin = app.CreateAdminClient();
        app.StartNextWindow();
        using var application = app.CreateClient(await VerifyKeyAsync(admin));
        var window = app.StartNextWindow(secondsIn: 10);

        // Ten installations, ten verifications each: the whole client budget, no key over its share.
        var keys = Enumerable.Range(0, FreeLimit / FreeShare).Select(_ => LicenseKeyGenerator.Generate()).ToArray();
        for (var i = 1; i <= FreeLimit; i++)
        {
            using var response = await application.PostJsonAsync("licenses/verify", new { key = keys[i % keys.Length] });
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"Verification {i} got {(int)response.StatusCode}.");
        }

        using (var limited = await application.PostJsonAsync("licenses/verify", new { key = LicenseKeyGenerator.Generate() }))
        {
            var error = await limited.ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
            Assert.Equal(
                "Too many requests: the client budget (verify-only keys) of this account's free plan allows 100 requests per minute. Retry after 60 seconds.",
                error.Str("message"));
            limited.AssertHeaders(FreeLimit, 0, window + 10 + 60);
        }

        // The vendor's own key still works, with its whole budget: its headers are the management budget's.
        using var products = await admin.GetAsync("products", Cancel);
        await products.DataAsync();
        products.AssertHeaders(FreeLimit, FreeLimit - 1, window + 10 + 60);
        using var created = await admin.PostJsonAsync("products", new { name = "Still managed" });
        await created.DataAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task AnExhaustedManagementBudgetDoesNotStopVerifications()
    {
        using var admin = app.CreateAdminClient();
        app.StartNextWindow();
        var (license, verifyKey) = await LicenseAndVerifyKeyAsync(admin);
        app.StartNextWindow(secondsIn: 30);

        for (var i = 1; i <= FreeLimit; i++)
        {
            using var response = await admin.GetAsync("products", Cancel);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using (var limited = await admin.GetAsync("products", Cancel))
        {
            var error = await limited.ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
            Assert.Contains("the management budget (admin and read-only keys) of this account's free plan", error.Str("message"), StringComparison.Ordinal);
        }

        using var application = app.CreateClient(verifyKey);
        using var verified = await application.PostJsonAsync("licenses/verify", new { key = license });
        Assert.True((await verified.DataAsync()).GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task EveryVerifyOnlyKeyOfAnAccountSharesItsClientBudget()
    {
        using var admin = app.CreateAdminClient();
        app.StartNextWindow();
        using var first = app.CreateClient(await VerifyKeyAsync(admin));
        using var second = app.CreateClient(await VerifyKeyAsync(admin));
        var window = app.StartNextWindow();

        // Requests that name no license key (a verify-only key may not list products) count against the budget alone.
        for (var i = 1; i <= FreeLimit; i++)
        {
            using var response = await (i % 2 == 0 ? first : second).GetAsync("products", Cancel);
            await response.ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
            response.AssertHeaders(FreeLimit, FreeLimit - i, window + 60);
        }

        using var limited = await first.PostJsonAsync("licenses/verify", new { key = LicenseKeyGenerator.Generate() });
        await limited.ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
    }

    [Fact]
    public async Task OneLicenseKeyCannotSpendMoreThanItsShareOfTheClientBudget()
    {
        using var admin = app.CreateAdminClient();
        app.StartNextWindow();
        var (license, verifyKey) = await LicenseAndVerifyKeyAsync(admin);
        using var application = app.CreateClient(verifyKey);
        var window = app.StartNextWindow(secondsIn: 20);

        // The key's share leaves less than the client budget, so the headers are the share's.
        for (var i = 1; i <= FreeShare; i++)
        {
            using var response = await application.PostJsonAsync("licenses/verify", new { key = license });
            Assert.True((await response.DataAsync()).GetProperty("valid").GetBoolean());
            response.AssertHeaders(FreeShare, FreeShare - i, window + 20 + 60);
        }

        app.Time.Advance(TimeSpan.FromSeconds(15));
        using (var limited = await application.PostJsonAsync("licenses/verify", new { key = license }))
        {
            var error = await limited.ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
            Assert.Equal(
                "Too many requests: one license key may use 10 of the 100 requests per minute of the client budget (verify-only keys) " +
                "of this account's free plan. Retry after 45 seconds.",
                error.Str("message"));
            limited.AssertHeaders(FreeShare, 0, window + 20 + 60);
            Assert.Equal(TimeSpan.FromSeconds(45), limited.Headers.RetryAfter?.Delta);
        }

        // The same key however it is typed; and its license file by key, which counts against the same share.
        var typed = license.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
        using (var retyped = await application.PostJsonAsync("licenses/verify", new { key = typed }))
        {
            await retyped.ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        }

        using (var file = await application.PostAsync($"licenses/{license}/license-file", null, Cancel))
        {
            await file.ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        }

        // Another license key, and the client budget itself, are untouched: 10 of 100 spent.
        using (var other = await application.PostJsonAsync("licenses/verify", new { key = LicenseKeyGenerator.Generate() }))
        {
            await other.DataAsync();
            other.AssertHeaders(FreeShare, FreeShare - 1, window + 35 + 60);
        }

        using (var forbidden = await application.GetAsync("products", Cancel))
        {
            await forbidden.ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
            forbidden.AssertHeaders(FreeLimit, FreeLimit - FreeShare - 2, window + 20 + 60);
        }

        // A minute after the first verification its slot in the share frees.
        app.StartNextWindow();
        using var again = await application.PostAsync($"licenses/{license}/license-file", null, Cancel);
        await again.DataAsync();
    }

    [Fact]
    public async Task RequestsWhoseLicenseKeyCannotBeReadShareOneShare()
    {
        using var admin = app.CreateAdminClient();
        app.StartNextWindow();
        using var application = app.CreateClient(await VerifyKeyAsync(admin));
        app.StartNextWindow();

        string[] unreadable = ["{\"key\": \"not a license key\"}", "{\"key\": 42}", "{\"product_id\": \"prod_x\"}", "{\"key\": ", "[]"];
        for (var i = 0; i < FreeShare; i++)
        {
            using var response = await application.PostRawAsync("licenses/verify", unreadable[i % unreadable.Length]);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"Got {(int)response.StatusCode}.");
        }

        using (var limited = await application.PostRawAsync("licenses/verify", "{\"key\": \"yet another unreadable key\"}"))
        {
            await limited.ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        }

        using (var chunked = new HttpRequestMessage(HttpMethod.Post, "licenses/verify"))
        {
            // A body sent in chunks is read whole before it is counted: its key is seen like any other.
            chunked.Content = new StreamContent(new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(new { key = LicenseKeyGenerator.Generate() })));
            chunked.Content.Headers.ContentType = new("application/json");
            chunked.Headers.TransferEncodingChunked = true;
            using var response = await application.SendAsync(chunked, Cancel);
            Assert.False((await response.DataAsync()).GetProperty("valid").GetBoolean());
        }
    }

    [Fact]
    public async Task AnAdminKeyVerifyingCountsAgainstTheManagementBudgetWithoutAShare()
    {
        using var admin = app.CreateAdminClient();
        app.StartNextWindow();
        var (license, _) = await LicenseAndVerifyKeyAsync(admin);
        var window = app.StartNextWindow();

        for (var i = 1; i <= FreeShare + 5; i++)
        {
            using var response = await admin.PostJsonAsync("licenses/verify", new { key = license });
            await response.DataAsync();
            response.AssertHeaders(FreeLimit, FreeLimit - i, window + 60);
        }
    }

    private static async Task<string> VerifyKeyAsync(HttpClient admin) =>
        (await (await admin.PostJsonAsync("api-keys", new { type = "verify_only", name = "Application" })).DataAsync(HttpStatusCode.Created)).Str("key");

    private static async Task<(string License, string VerifyKey)> LicenseAndVerifyKeyAsync(HttpClient admin)
    {
        var product = await (await admin.PostJsonAsync("products", new { name = "Rate-limited app" })).DataAsync(HttpStatusCode.Created);
        var license = await (await admin.PostJsonAsync("licenses", new { product_id = product.Str("id"), email = "buyer@example.com", type = "perpetual" }))
            .DataAsync(HttpStatusCode.Created);
        return (license.Str("key"), await VerifyKeyAsync(admin));
    }
}

/// <summary>
/// The share's size: a tenth of the budget by default, never under the floor nor over the budget; a wrong setting is named
/// (and stops the start: <c>ServerProcessTests.WrongSettings</c>).
/// </summary>
public sealed class LicenseKeyShareSettingsTests
{
    [Theory]
    [InlineData(10, 10, 100, 10)]
    [InlineData(10, 10, 500, 50)]
    [InlineData(10, 10, 2_000, 200)]
    [InlineData(10, 10, 10_000, 1_000)]
    [InlineData(1, 10, 100, 10)]
    [InlineData(10, 10, 5, 5)]
    [InlineData(100, 10, 100, 100)]
    [InlineData(25, 1, 2_000, 500)]
    public void TheShareIsAPercentageOfTheBudgetWithAFloor(int percent, int minimum, int budget, int share) =>
        Assert.Equal(share, new RateLimitOptions { LicenseKeySharePercent = percent, LicenseKeyShareMinimum = minimum }.ShareOf(budget));

    [Theory]
    [InlineData(0, 10, "Licenz:RateLimits:LicenseKeySharePercent is 0; it must be between 1 and 100")]
    [InlineData(101, 10, "Licenz:RateLimits:LicenseKeySharePercent is 101; it must be between 1 and 100")]
    [InlineData(10, 0, "Licenz:RateLimits:LicenseKeyShareMinimum is 0; it must be at least 1")]
    public void AWrongShareSettingIsNamed(int percent, int minimum, string message)
    {
        var result = new RateLimitOptionsValidator().Validate(null, new RateLimitOptions { LicenseKeySharePercent = percent, LicenseKeyShareMinimum = minimum });
        Assert.Contains(message, Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Fact]
    public void ALicenseKeyIsKnownByTheHashOfItsCanonicalFormOnly()
    {
        var key = LicenseKeyGenerator.Generate();
        var identity = LicenseKeyLocation.Identity(key);
        Assert.NotEqual(LicenseKeyLocation.Unreadable, identity);
        Assert.Equal(identity, LicenseKeyLocation.Identity(key.ToLowerInvariant().Replace("-", " ", StringComparison.Ordinal)));
        Assert.NotEqual(identity, LicenseKeyLocation.Identity(LicenseKeyGenerator.Generate()));
        Assert.Equal(LicenseKeyLocation.Unreadable, LicenseKeyLocation.Identity("LIC-NOT-A-KEY"));
        Assert.Equal(LicenseKeyLocation.Unreadable, LicenseKeyLocation.Identity(null));

        // What goes to Redis is the hash in hex: nothing of the key itself.
        var hex = identity.ToString("x32", CultureInfo.InvariantCulture);
        Assert.DoesNotContain(key[4..9], hex.ToUpperInvariant(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"key\": \"abc\"}", "abc")]
    [InlineData("{\"nonce\": {\"key\": \"nested\"}, \"key\": \"top\"}", "top")]
    [InlineData("{\"k\\u0065y\": \"escaped name\"}", "escaped name")]
    [InlineData("{\"key\": \"\\u004CIC\"}", "LIC")]
    [InlineData("{\"key\": 7}", null)]
    [InlineData("{\"Key\": \"other case\"}", null)]
    [InlineData("[\"key\"]", null)]
    [InlineData("{\"key\": \"unterminated", null)]
    [InlineData("not json", null)]
    public void TheKeyIsReadFromTheBodysTopLevelObject(string json, string? key) =>
        Assert.Equal(key, LicenseKeyLocation.StringProperty(System.Text.Encoding.UTF8.GetBytes(json), "key"u8));
}

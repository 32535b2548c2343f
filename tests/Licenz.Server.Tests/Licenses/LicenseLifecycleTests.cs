using System.Globalization;
using System.Net;
using System.Text.Json;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.Licenses;

/// <summary>
/// The lifecycle: active ⇄ suspended, either → revoked (final), renew for subscriptions and trials,
/// and "expired" as what an active license past its expiry reports.
/// </summary>
public sealed class LicenseLifecycleTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // ---- allowed transitions ----

    [Fact]
    public async Task SuspendingAnActiveLicenseSuspendsIt()
    {
        using var client = app.CreateAdminClient();
        var license = await CreateLicenseAsync(client, await CreateProductAsync(client));
        app.Time.Advance(TimeSpan.FromMinutes(1));
        var now = Iso(app.Time.GetUtcNow());

        var suspended = await (await ActAsync(client, license.Str("id"), "suspend")).DataAsync();

        Assert.Equal("suspended", suspended.Str("status"));
        Assert.Equal(now, suspended.Str("suspended_at"));
        Assert.Equal(now, suspended.Str("updated_at"));
        Assert.Equal(JsonValueKind.Null, suspended.GetProperty("revoked_at").ValueKind);
        Assert.Equal(license.Str("expires_at"), suspended.Str("expires_at"));
        Assert.Equal(suspended.GetRawText(), (await GetAsync(client, license.Str("id"))).GetRawText());
    }

    [Fact]
    public async Task ReinstatingASuspendedLicenseMakesItActiveAgain()
    {
        using var client = app.CreateAdminClient();
        var id = (await CreateLicenseAsync(client, await CreateProductAsync(client))).Str("id");
        await (await ActAsync(client, id, "suspend")).DataAsync();

        var reinstated = await (await ActAsync(client, id, "reinstate")).DataAsync();

        Assert.Equal("active", reinstated.Str("status"));
        Assert.Equal(JsonValueKind.Null, reinstated.GetProperty("suspended_at").ValueKind);
        Assert.Equal("active", (await GetAsync(client, id)).Str("status"));
    }

    [Fact]
    public async Task RevokingAnActiveLicenseRevokesIt()
    {
        using var client = app.CreateAdminClient();
        var id = (await CreateLicenseAsync(client, await CreateProductAsync(client))).Str("id");
        app.Time.Advance(TimeSpan.FromMinutes(1));

        var revoked = await (await ActAsync(client, id, "revoke")).DataAsync();

        Assert.Equal("revoked", revoked.Str("status"));
        Assert.Equal(Iso(app.Time.GetUtcNow()), revoked.Str("revoked_at"));
        Assert.Equal("revoked", (await GetAsync(client, id)).Str("status"));
    }

    [Fact]
    public async Task RevokingASuspendedLicenseRevokesIt()
    {
        using var client = app.CreateAdminClient();
        var id = (await CreateLicenseAsync(client, await CreateProductAsync(client))).Str("id");
        await (await ActAsync(client, id, "suspend")).DataAsync();

        var revoked = await (await ActAsync(client, id, "revoke")).DataAsync();

        Assert.Equal("revoked", revoked.Str("status"));
        Assert.Equal(JsonValueKind.Null, revoked.GetProperty("suspended_at").ValueKind);
        Assert.Equal(Iso(app.Time.GetUtcNow()), revoked.Str("revoked_at"));
    }

    [Fact]
    public async Task ALicenseCanGoRoundTheCycleSeveralTimes()
    {
        using var client = app.CreateAdminClient();
        var id = (await CreateLicenseAsync(client, await CreateProductAsync(client))).Str("id");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("suspended", (await (await ActAsync(client, id, "suspend")).DataAsync()).Str("status"));
            Assert.Equal("active", (await (await ActAsync(client, id, "reinstate")).DataAsync()).Str("status"));
        }

        Assert.Equal("revoked", (await (await ActAsync(client, id, "revoke")).DataAsync()).Str("status"));
    }

    [Fact]
    public async Task ActionsWorkThroughTheKeyAsACustomerTypesIt()
    {
        using var client = app.CreateAdminClient();
        var license = await CreateLicenseAsync(client, await CreateProductAsync(client));
        var typed = license.Str("key").ToLowerInvariant().Replace("-", "", StringComparison.Ordinal);

        var suspended = await (await ActAsync(client, typed, "suspend")).DataAsync();

        Assert.Equal(license.Str("id"), suspended.Str("id"));
        Assert.Equal("suspended", suspended.Str("status"));
    }

    [Theory]
    [InlineData("suspend")]
    [InlineData("reinstate")]
    [InlineData("revoke")]
    [InlineData("renew")]
    public async Task ActionsOnAnUnknownLicenseAreNotFound(string action)
    {
        using var client = app.CreateAdminClient();

        await (await ActAsync(client, "lic_00000000000000000000000000", action)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await ActAsync(client, LicenseKeyGenerator.Generate(), action)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    // ---- impossible transitions ----

    [Theory]
    [InlineData("subscription", "suspend", "suspend", "is already suspended")]
    [InlineData("subscription", "revoke", "suspend", "a revoked license cannot be suspended")]
    [InlineData("subscription", "", "reinstate", "only a suspended license can be reinstated")]
    [InlineData("subscription", "revoke", "reinstate", "revocation is permanent")]
    [InlineData("subscription", "suspend revoke", "reinstate", "revocation is permanent")]
    [InlineData("subscription", "revoke", "revoke", "is already revoked")]
    [InlineData("subscription", "suspend revoke", "revoke", "is already revoked")]
    [InlineData("subscription", "revoke", "renew", "a revoked license cannot be renewed")]
    [InlineData("trial", "revoke", "renew", "a revoked license cannot be renewed")]
    [InlineData("perpetual", "", "renew", "is perpetual")]
    [InlineData("perpetual", "suspend", "renew", "is perpetual")]
    [InlineData("perpetual", "revoke", "renew", "revoked")]
    public async Task AnImpossibleTransitionIsRefusedSayingWhyAndChangesNothing(string type, string setup, string action, string why)
    {
        using var client = app.CreateAdminClient();
        var id = (await CreateLicenseAsync(client, await CreateProductAsync(client), type)).Str("id");
        foreach (var step in setup.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            await (await ActAsync(client, id, step)).DataAsync();
        }

        var state = await GetAsync(client, id);
        var before = await SnapshotAsync(client);

        var response = await ActAsync(client, id, action);

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Contains(why, error.Str("message"), StringComparison.Ordinal);
        Assert.Contains(id, error.Str("message"), StringComparison.Ordinal);
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
        Assert.Equal(state.GetRawText(), (await GetAsync(client, id)).GetRawText());
    }

    // ---- renew ----

    [Fact]
    public async Task RenewingEarlyExtendsFromTheCurrentExpiry()
    {
        using var client = app.CreateAdminClient();
        var start = app.Time.GetUtcNow();
        var license = await CreateLicenseAsync(client, await CreateProductAsync(client, subscriptionDays: 30));
        app.Time.Advance(TimeSpan.FromDays(10));

        var renewed = await (await ActAsync(client, license.Str("id"), "renew")).DataAsync();

        Assert.Equal(Iso(start.AddDays(60)), renewed.Str("expires_at"));
        Assert.Equal("active", renewed.Str("status"));
        Assert.Equal(Iso(app.Time.GetUtcNow()), renewed.Str("updated_at"));
    }

    [Fact]
    public async Task RenewingALapsedLicenseExtendsFromNow()
    {
        using var client = app.CreateAdminClient();
        var license = await CreateLicenseAsync(client, await CreateProductAsync(client, subscriptionDays: 30));
        app.Time.Advance(TimeSpan.FromDays(45));
        Assert.Equal("expired", (await GetAsync(client, license.Str("id"))).Str("status"));

        var renewed = await (await ActAsync(client, license.Str("id"), "renew")).DataAsync();

        Assert.Equal(Iso(app.Time.GetUtcNow().AddDays(30)), renewed.Str("expires_at"));
        Assert.Equal("active", renewed.Str("status"));
    }

    [Fact]
    public async Task RenewingWithDaysAddsThatManyDays()
    {
        using var client = app.CreateAdminClient();
        var start = app.Time.GetUtcNow();
        var license = await CreateLicenseAsync(client, await CreateProductAsync(client, subscriptionDays: 30));

        var early = await (await ActAsync(client, license.Str("id"), "renew", new { days = 5 })).DataAsync();
        Assert.Equal(Iso(start.AddDays(35)), early.Str("expires_at"));

        app.Time.Advance(TimeSpan.FromDays(50));
        var lapsed = await (await ActAsync(client, license.Str("id"), "renew", new { days = 1 })).DataAsync();
        Assert.Equal(Iso(app.Time.GetUtcNow().AddDays(1)), lapsed.Str("expires_at"));

        var longest = await (await ActAsync(client, license.Str("id"), "renew", new { days = 36_500 })).DataAsync();
        Assert.Equal(Iso(app.Time.GetUtcNow().AddDays(36_501)), longest.Str("expires_at"));
    }

    [Fact]
    public async Task RenewingTwiceAddsTwoLengths()
    {
        using var client = app.CreateAdminClient();
        var start = app.Time.GetUtcNow();
        var id = (await CreateLicenseAsync(client, await CreateProductAsync(client, subscriptionDays: 30))).Str("id");

        await (await ActAsync(client, id, "renew")).DataAsync();
        var twice = await (await ActAsync(client, id, "renew")).DataAsync();

        Assert.Equal(Iso(start.AddDays(90)), twice.Str("expires_at"));
    }

    [Fact]
    public async Task RenewingATrialUsesTheProductsTrialLength()
    {
        using var client = app.CreateAdminClient();
        var start = app.Time.GetUtcNow();
        var id = (await CreateLicenseAsync(client, await CreateProductAsync(client, subscriptionDays: 30, trialDays: 7), "trial")).Str("id");

        var renewed = await (await ActAsync(client, id, "renew")).DataAsync();

        Assert.Equal(Iso(start.AddDays(14)), renewed.Str("expires_at"));
    }

    [Fact]
    public async Task RenewingUsesTheProductsLengthAtTheTimeOfRenewal()
    {
        using var client = app.CreateAdminClient();
        var start = app.Time.GetUtcNow();
        var product = await CreateProductAsync(client, subscriptionDays: 30);
        var id = (await CreateLicenseAsync(client, product)).Str("id");
        await (await client.PatchJsonAsync($"products/{product}", new { subscription_days = 90 })).DataAsync();

        var renewed = await (await ActAsync(client, id, "renew")).DataAsync();

        Assert.Equal(Iso(start.AddDays(120)), renewed.Str("expires_at"));
    }

    [Fact]
    public async Task RenewingALicenseWithAnExplicitExpiryExtendsFromThatExpiry()
    {
        using var client = app.CreateAdminClient();
        var expiry = Whole(app.Time.GetUtcNow()).AddDays(3);
        var id = (await CreateLicenseAsync(client, await CreateProductAsync(client, subscriptionDays: 30), extra: new { expires_at = Iso(expiry) })).Str("id");

        var renewed = await (await ActAsync(client, id, "renew")).DataAsync();

        Assert.Equal(Iso(expiry.AddDays(30)), renewed.Str("expires_at"));
    }

    [Fact]
    public async Task RenewingASuspendedLicenseExtendsItAndLeavesItSuspended()
    {
        using var client = app.CreateAdminClient();
        var start = app.Time.GetUtcNow();
        var id = (await CreateLicenseAsync(client, await CreateProductAsync(client, subscriptionDays: 30))).Str("id");
        await (await ActAsync(client, id, "suspend")).DataAsync();

        var renewed = await (await ActAsync(client, id, "renew")).DataAsync();

        Assert.Equal(Iso(start.AddDays(60)), renewed.Str("expires_at"));
        Assert.Equal("suspended", renewed.Str("status"));
    }

    [Fact]
    public async Task RenewingWithAnEmptyObjectUsesTheProductsLength()
    {
        using var client = app.CreateAdminClient();
        var start = app.Time.GetUtcNow();
        var id = (await CreateLicenseAsync(client, await CreateProductAsync(client, subscriptionDays: 30))).Str("id");

        var renewed = await (await client.PostRawAsync($"licenses/{id}/renew", "{}")).DataAsync();

        Assert.Equal(Iso(start.AddDays(60)), renewed.Str("expires_at"));
    }

    [Theory]
    [InlineData("""{"days": 0}""", "days")]
    [InlineData("""{"days": -3}""", "days")]
    [InlineData("""{"days": 36501}""", "days")]
    [InlineData("""{"days": "5"}""", "days")]
    [InlineData("""{"days": 1.5}""", "days")]
    [InlineData("""{"dayz": 5}""", "dayz")]
    public async Task RenewingWithBadDaysIsRefusedAndChangesNothing(string json, string field)
    {
        using var client = app.CreateAdminClient();
        var id = (await CreateLicenseAsync(client, await CreateProductAsync(client))).Str("id");
        var before = await SnapshotAsync(client);

        var response = await client.PostRawAsync($"licenses/{id}/renew", json);

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal(field, error.Str("field"));
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    // ---- expiry ----

    [Fact]
    public async Task AnActiveLicenseReportsExpiredOnceTheClockReachesItsExpiry()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client, subscriptionDays: 30);
        var license = await CreateLicenseAsync(client, product);
        var id = license.Str("id");

        app.Time.Advance(TimeSpan.FromDays(30) - TimeSpan.FromSeconds(1));
        Assert.Equal("active", (await GetAsync(client, id)).Str("status"));
        Assert.Equal("VALID", (await VerifyAsync(client, license.Str("key"))).Str("code"));

        app.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("expired", (await GetAsync(client, id)).Str("status"));
        Assert.Equal("EXPIRED", (await VerifyAsync(client, license.Str("key"))).Str("code"));
        Assert.Equal([id], await ListIdsAsync(client, $"licenses?product_id={product}&status=expired"));
        Assert.Empty(await ListIdsAsync(client, $"licenses?product_id={product}&status=active"));
    }

    [Fact]
    public async Task RenewingAnExpiredLicenseMakesItActiveAgain()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client, subscriptionDays: 30);
        var license = await CreateLicenseAsync(client, product);
        var id = license.Str("id");
        app.Time.Advance(TimeSpan.FromDays(31));
        Assert.Equal("expired", (await GetAsync(client, id)).Str("status"));

        var renewed = await (await ActAsync(client, id, "renew")).DataAsync();

        Assert.Equal("active", renewed.Str("status"));
        Assert.Equal(Iso(app.Time.GetUtcNow().AddDays(30)), renewed.Str("expires_at"));
        Assert.Equal("active", (await GetAsync(client, id)).Str("status"));
        Assert.Equal("VALID", (await VerifyAsync(client, license.Str("key"))).Str("code"));
        Assert.Equal([id], await ListIdsAsync(client, $"licenses?product_id={product}&status=active"));
        Assert.Empty(await ListIdsAsync(client, $"licenses?product_id={product}&status=expired"));
    }

    [Fact]
    public async Task AnExpiredTrialRenewsByTheTrialLengthFromNow()
    {
        using var client = app.CreateAdminClient();
        var id = (await CreateLicenseAsync(client, await CreateProductAsync(client, subscriptionDays: 30, trialDays: 7), "trial")).Str("id");
        app.Time.Advance(TimeSpan.FromDays(8));
        Assert.Equal("expired", (await GetAsync(client, id)).Str("status"));

        var renewed = await (await ActAsync(client, id, "renew")).DataAsync();

        Assert.Equal("active", renewed.Str("status"));
        Assert.Equal(Iso(app.Time.GetUtcNow().AddDays(7)), renewed.Str("expires_at"));
    }

    [Fact]
    public async Task SuspensionOfAnExpiredLicenseShowsUntilReinstatedThenItIsExpiredAgain()
    {
        using var client = app.CreateAdminClient();
        var id = (await CreateLicenseAsync(client, await CreateProductAsync(client, subscriptionDays: 30))).Str("id");
        app.Time.Advance(TimeSpan.FromDays(31));

        Assert.Equal("suspended", (await (await ActAsync(client, id, "suspend")).DataAsync()).Str("status"));
        Assert.Equal("expired", (await (await ActAsync(client, id, "reinstate")).DataAsync()).Str("status"));
        Assert.Equal("revoked", (await (await ActAsync(client, id, "revoke")).DataAsync()).Str("status"));
    }

    [Fact]
    public async Task PerpetualLicensesNeverExpire()
    {
        using var client = app.CreateAdminClient();
        var license = await CreateLicenseAsync(client, await CreateProductAsync(client), "perpetual");

        app.Time.Advance(TimeSpan.FromDays(3_650));

        var fetched = await GetAsync(client, license.Str("id"));
        Assert.Equal("active", fetched.Str("status"));
        Assert.Equal(JsonValueKind.Null, fetched.GetProperty("expires_at").ValueKind);
        Assert.Equal("VALID", (await VerifyAsync(client, license.Str("key"))).Str("code"));
    }

    // ---- helpers ----

    private async Task<string> CreateProductAsync(HttpClient client, int subscriptionDays = 365, int trialDays = 14)
    {
        var response = await client.PostJsonAsync("products", new
        {
            name = $"Lifecycle {Guid.NewGuid():N}",
            subscription_days = subscriptionDays,
            trial_days = trialDays,
        });
        return (await response.DataAsync(HttpStatusCode.Created)).Str("id");
    }

    private static async Task<JsonElement> CreateLicenseAsync(HttpClient client, string productId, string type = "subscription", object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["product_id"] = productId, ["email"] = "holder@example.com", ["type"] = type };
        if (extra is not null)
        {
            foreach (var property in JsonSerializer.SerializeToElement(extra).EnumerateObject())
            {
                body[property.Name] = property.Value;
            }
        }

        return await (await client.PostJsonAsync("licenses", body)).DataAsync(HttpStatusCode.Created);
    }

    private static Task<HttpResponseMessage> ActAsync(HttpClient client, string idOrKey, string action, object? body = null) =>
        body is null
            ? client.PostAsync($"licenses/{Uri.EscapeDataString(idOrKey)}/{action}", null, Ct)
            : client.PostJsonAsync($"licenses/{Uri.EscapeDataString(idOrKey)}/{action}", body);

    private static async Task<JsonElement> GetAsync(HttpClient client, string id) =>
        await (await client.GetAsync($"licenses/{id}", Ct)).DataAsync();

    private static async Task<JsonElement> VerifyAsync(HttpClient client, string key) =>
        await (await client.PostJsonAsync("licenses/verify", new { key })).DataAsync();

    private static async Task<List<string>> ListIdsAsync(HttpClient client, string path)
    {
        var body = await (await client.GetAsync(path, Ct)).BodyAsync();
        return body.GetProperty("data").EnumerateArray().Select(l => l.Str("id")).ToList();
    }

    private async Task<string> SnapshotAsync(HttpClient client)
    {
        await (await client.GetAsync("licenses?limit=1", Ct)).DataAsync();
        return await app.SnapshotDatabaseAsync();
    }

    private static DateTimeOffset Whole(DateTimeOffset time) => time.AddTicks(-(time.Ticks % TimeSpan.TicksPerSecond));

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

using System.Net;
using System.Text.Json;
using Licenz.Server.Tests.Infrastructure;
using static Licenz.Server.Tests.Licensing.Licensing;

namespace Licenz.Server.Tests.Licensing;

/// <summary>Policies: the defaults every product gets, custom policies, licenses that follow them, and bad input.</summary>
public sealed class PoliciesTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    [Fact]
    public async Task EveryProductGetsOneDefaultPolicyPerLicenseTypeWithItsLengths()
    {
        using var admin = app.CreateAdminClient();
        var product = (await (await admin.PostJsonAsync("products", new { name = "Defaults", subscription_days = 30, trial_days = 7 }))
            .DataAsync(HttpStatusCode.Created)).Str("id");

        var policies = await GetAsync(admin, $"policies?product_id={product}");

        var byType = policies.EnumerateArray().ToDictionary(p => p.Str("license_type"));
        Assert.Equal(["perpetual", "subscription", "trial"], byType.Keys.Order());
        Assert.All(byType.Values, p => Assert.True(p.GetProperty("default").GetBoolean()));
        Assert.Equal(30 * 86400, byType["subscription"].GetProperty("duration").GetInt64());
        Assert.Equal(7 * 86400, byType["trial"].GetProperty("duration").GetInt64());
        Assert.Equal(JsonValueKind.Null, byType["perpetual"].GetProperty("duration").ValueKind);
        Assert.All(byType.Values, p =>
        {
            Assert.Equal("restrict", p.Str("expiration_strategy"));
            Assert.Equal(JsonValueKind.Null, p.GetProperty("max_machines").ValueKind);
            Assert.True(p.GetProperty("floating").GetBoolean());
        });

        // The API page's body keeps working, and the license shows the default it follows.
        var license = await (await admin.PostJsonAsync("licenses", new { product_id = product, email = "a@example.com", type = "trial" })).DataAsync(HttpStatusCode.Created);
        Assert.Equal(byType["trial"].Str("id"), license.Str("policy_id"));
        Assert.Equal(Iso(app.Time.GetUtcNow().AddDays(7)), license.Str("expires_at"));

        // A product's new length is its default policy's, for licenses created from then on.
        await (await admin.PatchJsonAsync($"products/{product}", new { trial_days = 10 })).DataAsync();
        Assert.Equal(10 * 86400, (await GetAsync(admin, $"policies/{byType["trial"].Str("id")}")).GetProperty("duration").GetInt64());
    }

    [Fact]
    public async Task APolicyTakesIsoOrSecondDurationsAndItsLicensesShowItsRules()
    {
        using var admin = app.CreateAdminClient();
        var product = await ProductAsync(admin);
        var entitlement = "export-" + Guid.NewGuid().ToString("N")[..6];
        await (await admin.PostJsonAsync("entitlements", new { code = entitlement })).DataAsync(HttpStatusCode.Created);

        var policy = await PolicyAsync(admin, product, new
        {
            duration = "P30D", grace_period = 86400, max_machines = 3, max_uses = 100, entitlements = new[] { entitlement },
            transfers_per_30_days = 2, check_in_interval = "P7D", require_heartbeat = true, heartbeat_interval = "PT15M",
        });

        Assert.Equal("subscription", policy.Str("license_type"));
        Assert.False(policy.GetProperty("default").GetBoolean());
        Assert.Equal(2_592_000, policy.GetProperty("duration").GetInt64());
        Assert.Equal(86400, policy.GetProperty("grace_period").GetInt64());
        Assert.Equal(604_800, policy.GetProperty("check_in_interval").GetInt64());
        Assert.Equal(900, policy.GetProperty("heartbeat_interval").GetInt32());
        Assert.Equal([entitlement], policy.GetProperty("entitlements").EnumerateArray().Select(e => e.GetString()));

        var license = await LicenseAsync(admin, product, policy.Str("id"));
        Assert.Equal(policy.Str("id"), license.Str("policy_id"));
        Assert.Equal(3, license.GetProperty("max_machines").GetInt32());
        Assert.Equal(0, license.GetProperty("machines_count").GetInt32());
        Assert.Equal(0, license.GetProperty("uses").GetInt32());
        Assert.Equal(100, license.GetProperty("max_uses").GetInt32());
        Assert.Equal([entitlement], license.GetProperty("entitlements").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(Iso(app.Time.GetUtcNow().AddDays(30)), license.Str("expires_at"));

        // A change of the policy shows on its licenses at once; null clears a limit.
        await (await admin.PatchJsonAsync($"policies/{policy.Str("id")}", new { max_machines = (int?)null, name = "Renamed" })).DataAsync();
        var changed = await GetAsync(admin, $"licenses/{license.Str("id")}");
        Assert.Equal(JsonValueKind.Null, changed.GetProperty("max_machines").ValueKind);
        Assert.Equal(["policy.created", "policy.updated"], await EventTypesAsync(admin, policy.Str("id")));
    }

    [Fact]
    public async Task ALicenseWhoseTimeStartsAtFirstActivationHasNoExpiryUntilThen()
    {
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { license_type = "trial", duration = "P14D", expiration_basis = "first_activation", max_machines = 1 });
        Assert.Equal(JsonValueKind.Null, license.GetProperty("expires_at").ValueKind);

        app.Time.Advance(TimeSpan.FromDays(3));
        await (await ActivateAsync(admin, license.Str("key"), "first-launch")).DataAsync(HttpStatusCode.Created);

        var started = await GetAsync(admin, $"licenses/{license.Str("id")}");
        Assert.Equal(Iso(app.Time.GetUtcNow().AddDays(14)), started.Str("expires_at"));
        Assert.Contains("license.started", await EventTypesAsync(admin, license.Str("id")));
    }

    [Fact]
    public async Task ALicenseWhoseTimeStartsAtFirstValidationStartsWhenFirstVerified()
    {
        using var admin = app.CreateAdminClient();
        var license = await LicenseAsync(admin, new { duration = "P1D", expiration_basis = "first_validation" });
        Assert.Equal(JsonValueKind.Null, license.GetProperty("expires_at").ValueKind);
        var before = await VerifyAsync(admin, new { key = license.Str("key") });
        Assert.True(before.GetProperty("valid").GetBoolean());
        Assert.Equal(Iso(app.Time.GetUtcNow().AddDays(1)), before.GetProperty("license").Str("expires_at"));

        app.Time.Advance(TimeSpan.FromDays(2));
        var after = await VerifyAsync(admin, new { key = license.Str("key") });
        Assert.Equal("EXPIRED", after.Str("code"));
        Assert.False(after.GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task ALicenseMayNameAPolicyOfItsOwnProductOnly()
    {
        using var admin = app.CreateAdminClient();
        var product = await ProductAsync(admin);
        var other = await ProductAsync(admin);
        var policy = await PolicyAsync(admin, other, new { duration = 86400 });

        var error = await (await admin.PostJsonAsync("licenses", new { product_id = product, policy_id = policy.Str("id"), email = "a@example.com" }))
            .ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("policy_id", error.Str("field"));
        Assert.Contains(other, error.Str("message"));

        var neither = await (await admin.PostJsonAsync("licenses", new { product_id = product, email = "a@example.com" })).ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("type", neither.Str("field"));
    }

    public static TheoryData<string, string> BadPolicies => new()
    {
        { """{"max_machines": -1}""", "max_machines" },
        { """{"max_machines": 0}""", "max_machines" },
        { """{"max_uses": -5}""", "max_uses" },
        { """{"transfers_per_30_days": -1}""", "transfers_per_30_days" },
        { """{"duration": 10}""", "duration" },
        { """{"duration": "P1000Y"}""", "duration" },
        { """{"duration": "thirty days"}""", "duration" },
        { """{"duration": true}""", "duration" },
        { """{"grace_period": -60}""", "grace_period" },
        { """{"entitlements": ["no such code here"]}""", "entitlements" },
        { """{"entitlements": ["never-defined"]}""", "entitlements" },
        { """{"expiration_strategy": "forever"}""", "expiration_strategy" },
        { """{"license_type": "perpetual", "duration": "P30D"}""", "duration" },
        { """{"license_type": "subscription"}""", "duration" },
        { """{"floating": false}""", "max_machines" },
        { """{"heartbeat_interval": 600}""", "heartbeat_interval" },
    };

    [Theory]
    [MemberData(nameof(BadPolicies))]
    public async Task BadPolicySettingsAreRefusedNamingTheFieldAndWriteNothing(string settings, string field)
    {
        using var admin = app.CreateAdminClient();
        var product = await ProductAsync(admin);
        var body = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(settings)!;
        body["product_id"] = JsonSerializer.SerializeToElement(product);
        body["name"] = JsonSerializer.SerializeToElement("Bad");
        var before = await app.SnapshotDatabaseAsync();

        var error = await (await admin.PostJsonAsync("policies", body)).ErrorAsync(HttpStatusCode.BadRequest, "bad_request");

        Assert.Equal(field, error.Str("field"));
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Fact]
    public async Task APolicyOfAnotherAccountsProductOrAnUnknownOneIsRefused()
    {
        using var admin = app.CreateAdminClient();
        var error = await (await admin.PostJsonAsync("policies", new { product_id = "prod_00000000000000000000000000", name = "X" }))
            .ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("product_id", error.Str("field"));
        await (await admin.GetAsync("policies/pol_00000000000000000000000000", TestContext.Current.CancellationToken)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task APolicyThatLicensesFollowOrADefaultCannotBeDeleted()
    {
        using var admin = app.CreateAdminClient();
        var product = await ProductAsync(admin);
        var policy = await PolicyAsync(admin, product, new { duration = 86400 });
        var license = await LicenseAsync(admin, product, policy.Str("id"));

        var inUse = await (await admin.DeleteAsync($"policies/{policy.Str("id")}", TestContext.Current.CancellationToken)).ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Contains("1 license", inUse.Str("message"));

        var defaults = await GetAsync(admin, $"policies?product_id={product}");
        var aDefault = defaults.EnumerateArray().First(p => p.GetProperty("default").GetBoolean()).Str("id");
        await (await admin.DeleteAsync($"policies/{aDefault}", TestContext.Current.CancellationToken)).ErrorAsync(HttpStatusCode.BadRequest, "bad_request");

        await (await admin.DeleteAsync($"licenses/{license.Str("id")}", TestContext.Current.CancellationToken)).DataAsync();
        await (await admin.DeleteAsync($"policies/{policy.Str("id")}", TestContext.Current.CancellationToken)).DataAsync();
        Assert.Equal(["policy.created", "policy.deleted"], await EventTypesAsync(admin, policy.Str("id")));
    }
}

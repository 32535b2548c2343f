using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Licenz.Server.Products;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.Licenses;

/// <summary>Licenses: create, keys, get by id or key, list with paging and filters, update, delete, account isolation.</summary>
public sealed partial class LicensesTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // ---- create ----

    [Fact]
    public async Task CreatingALicenseWithThePagesBodyAnswersCreatedWithEveryField()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var now = app.Time.GetUtcNow();

        var response = await client.PostJsonAsync("licenses", new { product_id = product, email = "customer@example.com", type = "subscription" });

        var license = await response.DataAsync(HttpStatusCode.Created);
        Assert.Matches("^lic_[0-9a-z]{26}$", license.Str("id"));
        Assert.Matches(KeyPattern(), license.Str("key"));
        Assert.Equal(product, license.Str("product_id"));
        Assert.Equal("customer@example.com", license.Str("email"));
        Assert.Equal("subscription", license.Str("type"));
        Assert.Equal("active", license.Str("status"));
        Assert.Equal(Iso(now), license.Str("created_at"));
        Assert.Equal(Iso(now), license.Str("updated_at"));
        Assert.Equal(Iso(now.AddDays(365)), license.Str("expires_at"));
        Assert.Equal(JsonValueKind.Object, license.GetProperty("metadata").ValueKind);
        Assert.Empty(license.GetProperty("metadata").EnumerateObject());
        Assert.Equal(JsonValueKind.Null, license.GetProperty("suspended_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, license.GetProperty("revoked_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, license.GetProperty("last_validated_at").ValueKind);
        Assert.Equal($"/api/v1/licenses/{license.Str("id")}", response.Headers.Location?.OriginalString);

        var fetched = await GetDataAsync(client, $"licenses/{license.Str("id")}");
        Assert.Equal(license.GetRawText(), fetched.GetRawText());
    }

    [Fact]
    public async Task EachTypeGetsItsProductsLengthAndPerpetualLicensesNeverExpire()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client, subscriptionDays: 30, trialDays: 7);
        var now = app.Time.GetUtcNow();

        var subscription = await CreateLicenseAsync(client, product, "subscription");
        var trial = await CreateLicenseAsync(client, product, "trial");
        var perpetual = await CreateLicenseAsync(client, product, "perpetual");

        Assert.Equal(Iso(now.AddDays(30)), subscription.Str("expires_at"));
        Assert.Equal(Iso(now.AddDays(7)), trial.Str("expires_at"));
        Assert.Equal(JsonValueKind.Null, perpetual.GetProperty("expires_at").ValueKind);
        Assert.Equal(["subscription", "trial", "perpetual"], new[] { subscription, trial, perpetual }.Select(l => l.Str("type")));
        Assert.All(new[] { subscription, trial, perpetual }, l => Assert.Equal("active", l.Str("status")));
    }

    [Fact]
    public async Task TrialsOfAProductWithDefaultLengthsLastFourteenDays()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var now = app.Time.GetUtcNow();

        var trial = await CreateLicenseAsync(client, product, "trial");

        Assert.Equal(Iso(now.AddDays(14)), trial.Str("expires_at"));
    }

    [Theory]
    [InlineData("subscription")]
    [InlineData("trial")]
    public async Task AnExplicitExpiryIsKeptInsteadOfTheProductsLengthAndAnsweredInUtc(string type)
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var expiry = Whole(app.Time.GetUtcNow().AddDays(100)).ToOffset(TimeSpan.FromHours(2));

        var license = await CreateLicenseAsync(client, product, type, extra: new { expires_at = expiry.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture) });

        Assert.Equal(Iso(expiry), license.Str("expires_at"));
        Assert.EndsWith("Z", license.Str("expires_at"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(-86_400)]
    public async Task AnExpiryThatIsNotInTheFutureIsRefused(int secondsFromNow)
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var expiry = Iso(Whole(app.Time.GetUtcNow()).AddSeconds(secondsFromNow));
        var before = await SnapshotAsync(client);

        var response = await client.PostJsonAsync("licenses", new { product_id = product, email = "late@example.com", type = "subscription", expires_at = expiry });

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("expires_at", error.Str("field"));
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Theory]
    [InlineData("2030-01-01T00:00:00")]
    [InlineData("2030-01-01")]
    [InlineData("tomorrow")]
    [InlineData("2030-13-01T00:00:00Z")]
    [InlineData("1893456000")]
    public async Task AnExpiryThatIsNotATimestampWithAnOffsetIsRefused(string expiresAt)
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);

        var response = await client.PostJsonAsync("licenses", new { product_id = product, email = "when@example.com", type = "trial", expires_at = expiresAt });

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("expires_at", error.Str("field"));
    }

    [Fact]
    public async Task APerpetualLicenseWithAnExpiryIsRefusedAndNothingIsWritten()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var before = await SnapshotAsync(client);

        var response = await client.PostJsonAsync("licenses", new
        {
            product_id = product,
            email = "forever@example.com",
            type = "perpetual",
            expires_at = Iso(app.Time.GetUtcNow().AddDays(30)),
        });

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("expires_at", error.Str("field"));
        Assert.Contains("erpetual", error.Str("message"), StringComparison.Ordinal);
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Theory]
    [InlineData("""{"product_id": "prod_00000000000000000000000000", "email": "a@example.com", "type": "subscription"}""")]
    [InlineData("""{"product_id": "photo-editor", "email": "a@example.com", "type": "subscription"}""")]
    [InlineData("""{"product_id": "", "email": "a@example.com", "type": "subscription"}""")]
    [InlineData("""{"email": "a@example.com", "type": "subscription"}""")]
    [InlineData("""{"product_id": 12, "email": "a@example.com", "type": "subscription"}""")]
    public async Task AnUnknownOrMissingProductIsRefusedNamingProductId(string json)
    {
        using var client = app.CreateAdminClient();
        var before = await SnapshotAsync(client);

        var response = await client.PostRawAsync("licenses", json);

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("product_id", error.Str("field"));
        Assert.Contains("product_id", error.Str("message"), StringComparison.Ordinal);
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Fact]
    public async Task AProductOfAnotherAccountIsRefusedAsUnknown()
    {
        using var client = app.CreateAdminClient();
        var (_, otherKey) = await app.CreateAccountAsync("Other vendor (foreign product)");
        using var other = app.CreateClient(otherKey);
        var theirProduct = await CreateProductAsync(other);
        var before = await SnapshotAsync(client);

        var response = await client.PostJsonAsync("licenses", new { product_id = theirProduct, email = "a@example.com", type = "perpetual" });

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("product_id", error.Str("field"));
        Assert.Contains(theirProduct, error.Str("message"), StringComparison.Ordinal);
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("customer@")]
    [InlineData("@example.com")]
    [InlineData("two words@example.com")]
    [InlineData("Customer <customer@example.com>")]
    [InlineData("a@b@example.com")]
    [InlineData("")]
    [InlineData("   ")]
    public async Task AnInvalidEmailIsRefused(string email)
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var before = await SnapshotAsync(client);

        var response = await client.PostJsonAsync("licenses", new { product_id = product, email, type = "subscription" });

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("email", error.Str("field"));
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Fact]
    public async Task AMissingEmailIsRefused()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);

        var response = await client.PostJsonAsync("licenses", new { product_id = product, type = "subscription" });

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("email", error.Str("field"));
    }

    [Fact]
    public async Task EmailIsStoredInLowerCase()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);

        var license = await CreateLicenseAsync(client, product, email: "Mixed.Case@Example.COM");

        Assert.Equal("mixed.case@example.com", license.Str("email"));
    }

    [Theory]
    [InlineData("lifetime")]
    [InlineData("")]
    [InlineData(null)]
    public async Task TypeMustBeSubscriptionPerpetualOrTrial(string? type)
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);

        var response = await client.PostJsonAsync("licenses", new { product_id = product, email = "t@example.com", type });

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("type", error.Str("field"));
    }

    [Fact]
    public async Task MetadataIsKeptAndMustBeAnObject()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var metadata = JsonSerializer.SerializeToElement(new { order = "A-1001", seats = 3, tags = new[] { "edu" } });

        var license = await CreateLicenseAsync(client, product, extra: new { metadata });
        var refused = await client.PostRawAsync("licenses", $$"""{"product_id": "{{product}}", "email": "m@example.com", "type": "trial", "metadata": ["x"]}""");

        Assert.True(JsonElement.DeepEquals(metadata, license.GetProperty("metadata")), license.GetProperty("metadata").GetRawText());
        var error = await refused.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("metadata", error.Str("field"));
    }

    // ---- keys ----

    [Fact]
    public async Task KeysOfManyLicensesAreWellFormedValidAndDistinct()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var keys = new List<string>();
        for (var i = 0; i < 150; i++)
        {
            keys.Add((await CreateLicenseAsync(client, product, "perpetual")).Str("key"));
        }

        Assert.All(keys, key => Assert.Matches(KeyPattern(), key));
        Assert.All(keys, key => Assert.True(LicenseKey.TryNormalize(key, out var normalized) && normalized == key, key));
        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
    }

    // ---- get ----

    [Fact]
    public async Task ALicenseIsFoundByIdAndByItsKeyInEveryFormACustomerMightType()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var license = await CreateLicenseWithKeyContainingAsync(client, product, '0', '1');
        var key = license.Str("key");
        var body = key[4..].Replace("-", "", StringComparison.Ordinal);
        string[] forms =
        [
            license.Str("id"),
            key,
            key.ToLowerInvariant(),
            key.Replace("-", "", StringComparison.Ordinal),
            key.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant(),
            body,
            key[4..],
            key.Replace('-', ' '),
            key.Replace('0', 'O'),
            key.Replace('0', 'o'),
            "LIC-" + key[4..].Replace('1', 'I'),
            "lic-" + key[4..].Replace('1', 'l'),
        ];

        foreach (var form in forms)
        {
            var fetched = await GetDataAsync(client, $"licenses/{Uri.EscapeDataString(form)}");
            Assert.Equal(license.GetRawText(), fetched.GetRawText());
        }
    }

    [Fact]
    public async Task UnknownIdsAndKeysAreNotFound()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var key = (await CreateLicenseAsync(client, product)).Str("key");
        var wrongCheck = key[..^1] + (key[^1] == 'A' ? 'B' : 'A');
        string[] unknown = ["lic_00000000000000000000000000", LicenseKeyGenerator.Generate(), wrongCheck, "garbage", "prod_00000000000000000000000000"];

        foreach (var id in unknown)
        {
            var response = await client.GetAsync($"licenses/{Uri.EscapeDataString(id)}", Ct);
            var error = await response.ErrorAsync(HttpStatusCode.NotFound, "not_found");
            Assert.Contains(id, error.Str("message"), StringComparison.Ordinal);
        }
    }

    // ---- list ----

    [Fact]
    public async Task PagesWalkEveryLicenseOnceNewestFirstWithTheTotal()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var created = new List<string>();
        for (var i = 0; i < 45; i++)
        {
            app.Time.Advance(TimeSpan.FromMilliseconds(1));
            created.Add((await CreateLicenseAsync(client, product, "perpetual", email: $"page{i}@example.com")).Str("id"));
        }

        var pages = await WalkAsync(client, $"licenses?product_id={product}&limit=10");

        Assert.Equal([10, 10, 10, 10, 5], pages.Select(p => p.Ids.Count));
        Assert.All(pages, p => Assert.Equal(45, p.Total));
        Assert.All(pages, p => Assert.Equal(10, p.Limit));
        Assert.Equal([true, true, true, true, false], pages.Select(p => p.HasMore));
        Assert.Null(pages[^1].NextCursor);
        Assert.Equal(Enumerable.Reverse(created), pages.SelectMany(p => p.Ids));

        var again = await WalkAsync(client, $"licenses?product_id={product}&limit=10");
        Assert.Equal(pages.SelectMany(p => p.Ids), again.SelectMany(p => p.Ids));
    }

    [Fact]
    public async Task PagingHasNoDuplicatesOrGapsWhileLicensesAreCreated()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var created = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            app.Time.Advance(TimeSpan.FromMilliseconds(1));
            created.Add((await CreateLicenseAsync(client, product, "perpetual")).Str("id"));
        }

        var first = await ListAsync(client, $"licenses?product_id={product}&limit=5");
        app.Time.Advance(TimeSpan.FromMilliseconds(1));
        var newer = (await CreateLicenseAsync(client, product, "perpetual")).Str("id");
        var second = await ListAsync(client, $"licenses?product_id={product}&limit=5&cursor={first.NextCursor}");
        var third = await ListAsync(client, $"licenses?product_id={product}&limit=5&cursor={second.NextCursor}");

        Assert.Equal(Enumerable.Reverse(created), first.Ids.Concat(second.Ids).Concat(third.Ids));
        Assert.DoesNotContain(newer, second.Ids.Concat(third.Ids));
        Assert.Equal(12, first.Total);
        Assert.Equal(13, second.Total);
        Assert.False(third.HasMore);
        Assert.Equal(newer, (await ListAsync(client, $"licenses?product_id={product}&limit=1")).Ids.Single());
    }

    [Fact]
    public async Task PagesHoldTwentyByDefaultAndUpToAHundred()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        for (var i = 0; i < 25; i++)
        {
            await CreateLicenseAsync(client, product, "perpetual");
        }

        var byDefault = await ListAsync(client, $"licenses?product_id={product}");
        var hundred = await ListAsync(client, $"licenses?product_id={product}&limit=100");
        var one = await ListAsync(client, $"licenses?product_id={product}&limit=1");

        Assert.Equal(20, byDefault.Ids.Count);
        Assert.Equal(20, byDefault.Limit);
        Assert.True(byDefault.HasMore);
        Assert.Equal(25, hundred.Ids.Count);
        Assert.False(hundred.HasMore);
        Assert.Null(hundred.NextCursor);
        Assert.Single(one.Ids);
        Assert.Equal(25, one.Total);
    }

    [Theory]
    [InlineData("licenses?limit=0", "limit")]
    [InlineData("licenses?limit=101", "limit")]
    [InlineData("licenses?limit=-1", "limit")]
    [InlineData("licenses?limit=1.5", "limit")]
    [InlineData("licenses?limit=twenty", "limit")]
    [InlineData("licenses?cursor=%%%", "cursor")]
    [InlineData("licenses?cursor=bGljXw", "cursor")]
    [InlineData("licenses?status=deleted", "status")]
    [InlineData("licenses?status=", "status")]
    [InlineData("licenses?status=Active", "status")]
    [InlineData("licenses?status=1", "status")]
    [InlineData("licenses?status=active,revoked", "status")]
    [InlineData("licenses?limit=", "limit")]
    [InlineData("licenses?LIMIT=5", "LIMIT")]
    [InlineData("licenses?statuss=active", "statuss")]
    [InlineData("licenses?product=prod_x", "product")]
    [InlineData("licenses?type=trial", "type")]
    [InlineData("licenses?status=active&status=revoked", "status")]
    public async Task BadListParametersAreRefusedNamingTheParameter(string path, string field)
    {
        using var client = app.CreateAdminClient();

        var response = await client.GetAsync(path, Ct);

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal(field, error.Str("field"));
    }

    [Fact]
    public async Task ACursorFromTheProductListIsRefused()
    {
        using var client = app.CreateAdminClient();
        await CreateProductAsync(client);
        await CreateProductAsync(client);
        var products = await (await client.GetAsync("products?limit=1", Ct)).BodyAsync();
        var cursor = products.GetProperty("pagination").GetProperty("next_cursor").GetString();

        var response = await client.GetAsync($"licenses?cursor={cursor}", Ct);

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("cursor", error.Str("field"));
    }

    [Fact]
    public async Task FiltersNarrowTheListByProductStatusAndEmailAloneAndTogether()
    {
        using var client = app.CreateAdminClient();
        var p = await CreateProductAsync(client);
        var q = await CreateProductAsync(client);
        var tag = Guid.NewGuid().ToString("N")[..8];
        var x = $"x-{tag}@example.com";
        var y = $"y-{tag}@example.com";
        var soon = Iso(app.Time.GetUtcNow().AddHours(1));

        var a = (await CreateLicenseAsync(client, p, "subscription", x)).Str("id");
        var b = (await CreateLicenseAsync(client, p, "subscription", y)).Str("id");
        var c = (await CreateLicenseAsync(client, p, "perpetual", y)).Str("id");
        var d = (await CreateLicenseAsync(client, p, "subscription", x, new { expires_at = soon })).Str("id");
        var e = (await CreateLicenseAsync(client, p, "perpetual", x)).Str("id");
        var f = (await CreateLicenseAsync(client, p, "trial", y, new { expires_at = soon })).Str("id");
        var g = (await CreateLicenseAsync(client, q, "subscription", x)).Str("id");
        await (await client.PostAsync($"licenses/{b}/suspend", null, Ct)).DataAsync();
        await (await client.PostAsync($"licenses/{c}/revoke", null, Ct)).DataAsync();
        await (await client.PostAsync($"licenses/{f}/suspend", null, Ct)).DataAsync();
        app.Time.Advance(TimeSpan.FromHours(2));

        await AssertListAsync(client, $"licenses?product_id={p}", a, b, c, d, e, f);
        await AssertListAsync(client, $"licenses?product_id={p}&status=active", a, e);
        // A suspended license past its expiry still reports "suspended": the stored status wins.
        await AssertListAsync(client, $"licenses?product_id={p}&status=suspended", b, f);
        await AssertListAsync(client, $"licenses?product_id={p}&status=revoked", c);
        await AssertListAsync(client, $"licenses?product_id={p}&status=expired", d);
        await AssertListAsync(client, $"licenses?product_id={q}", g);
        await AssertListAsync(client, $"licenses?email={Uri.EscapeDataString(x)}", a, d, e, g);
        await AssertListAsync(client, $"licenses?email={Uri.EscapeDataString(x.ToUpperInvariant())}", a, d, e, g);
        await AssertListAsync(client, $"licenses?email={Uri.EscapeDataString(x)}&product_id={p}", a, d, e);
        await AssertListAsync(client, $"licenses?email={Uri.EscapeDataString(x)}&status=active", a, e, g);
        await AssertListAsync(client, $"licenses?email={Uri.EscapeDataString(x)}&product_id={q}&status=active", g);
        await AssertListAsync(client, $"licenses?email={Uri.EscapeDataString(y)}&product_id={p}&status=suspended", b, f);
        await AssertListAsync(client, $"licenses?email={Uri.EscapeDataString(y)}&status=expired");
        await AssertListAsync(client, $"licenses?email={Uri.EscapeDataString(y)}&product_id={q}");

        var statuses = await ListAsync(client, $"licenses?product_id={p}&limit=100");
        Assert.Equal(["active", "suspended", "revoked", "expired", "active", "suspended"],
            new[] { a, b, c, d, e, f }.Select(id => statuses.Items.Single(l => l.Str("id") == id).Str("status")));
    }

    [Fact]
    public async Task AStatusFilterAloneReturnsOnlyLicensesInThatStatus()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var suspended = (await CreateLicenseAsync(client, product)).Str("id");
        await CreateLicenseAsync(client, product);
        await (await client.PostAsync($"licenses/{suspended}/suspend", null, Ct)).DataAsync();

        foreach (var status in new[] { "active", "suspended", "revoked", "expired" })
        {
            var pages = await WalkAsync(client, $"licenses?status={status}&limit=100");
            Assert.All(pages.SelectMany(page => page.Items), l => Assert.Equal(status, l.Str("status")));
            Assert.Equal(pages[0].Total, pages.Sum(page => page.Ids.Count));
            if (status == "suspended")
            {
                Assert.Contains(suspended, pages.SelectMany(page => page.Ids));
            }
        }
    }

    [Fact]
    public async Task FilteringByAnUnknownProductOrEmailGivesAnEmptyPage()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        await CreateLicenseAsync(client, product);

        foreach (var path in new[] { "licenses?product_id=prod_00000000000000000000000000", "licenses?email=nobody%40example.invalid" })
        {
            var page = await ListAsync(client, path);
            Assert.Empty(page.Ids);
            Assert.Equal(0, page.Total);
            Assert.False(page.HasMore);
            Assert.Null(page.NextCursor);
        }
    }

    // ---- update ----

    [Fact]
    public async Task PatchingChangesEmailMetadataAndExpiryAndNothingElse()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var license = await CreateLicenseAsync(client, product, extra: new { metadata = new { order = "A-1", seats = 2 } });
        app.Time.Advance(TimeSpan.FromMinutes(10));
        var expiry = Whole(app.Time.GetUtcNow().AddDays(500));

        var updated = await (await client.PatchJsonAsync($"licenses/{license.Str("id")}", new
        {
            email = "New.Owner@Example.com",
            metadata = new { order = "B-2" },
            expires_at = Iso(expiry),
        })).DataAsync();

        Assert.Equal("new.owner@example.com", updated.Str("email"));
        Assert.Equal(["order"], updated.GetProperty("metadata").EnumerateObject().Select(p => p.Name));
        Assert.Equal("B-2", updated.GetProperty("metadata").Str("order"));
        Assert.Equal(Iso(expiry), updated.Str("expires_at"));
        Assert.Equal(Iso(app.Time.GetUtcNow()), updated.Str("updated_at"));
        foreach (var unchanged in new[] { "id", "key", "product_id", "type", "status", "created_at" })
        {
            Assert.Equal(license.Str(unchanged), updated.Str(unchanged));
        }

        var fetched = await GetDataAsync(client, $"licenses/{license.Str("id")}");
        Assert.Equal(updated.GetRawText(), fetched.GetRawText());

        var emailOnly = await (await client.PatchJsonAsync($"licenses/{license.Str("id")}", new { email = "third@example.com" })).DataAsync();
        Assert.Equal("third@example.com", emailOnly.Str("email"));
        Assert.Equal("B-2", emailOnly.GetProperty("metadata").Str("order"));
        Assert.Equal(Iso(expiry), emailOnly.Str("expires_at"));
    }

    [Fact]
    public async Task PatchingWorksThroughTheKey()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var license = await CreateLicenseAsync(client, product);

        var updated = await (await client.PatchJsonAsync($"licenses/{license.Str("key").ToLowerInvariant()}", new { email = "by-key@example.com" })).DataAsync();

        Assert.Equal(license.Str("id"), updated.Str("id"));
        Assert.Equal("by-key@example.com", updated.Str("email"));
    }

    [Fact]
    public async Task SettingAnExpiryOnAPerpetualLicenseIsRefusedAndChangesNothing()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var license = await CreateLicenseAsync(client, product, "perpetual");
        var before = await SnapshotAsync(client);

        var response = await client.PatchJsonAsync($"licenses/{license.Str("id")}", new
        {
            email = "changed@example.com",
            expires_at = Iso(app.Time.GetUtcNow().AddDays(10)),
        });

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("expires_at", error.Str("field"));
        Assert.Contains("erpetual", error.Str("message"), StringComparison.Ordinal);
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Theory]
    [InlineData("""{"email": "not-an-email"}""", "email")]
    [InlineData("""{"email": "ok@example.com", "metadata": [1]}""", "metadata")]
    [InlineData("""{"email": "ok@example.com", "expires_at": "soon"}""", "expires_at")]
    [InlineData("""{"status": "revoked"}""", "status")]
    [InlineData("""{"key": "LIC-00000-00000-00000"}""", "key")]
    [InlineData("""{"product_id": "prod_00000000000000000000000000"}""", "product_id")]
    [InlineData("""{"type": "perpetual"}""", "type")]
    public async Task AnInvalidPatchIsRefusedAndChangesNothing(string json, string field)
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var license = await CreateLicenseAsync(client, product);
        var before = await SnapshotAsync(client);

        var response = await client.PatchAsync($"licenses/{license.Str("id")}", Infrastructure.Api.Json(json), Ct);

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal(field, error.Str("field"));
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Fact]
    public async Task MovingTheExpiryOfAnExpiredLicenseIntoTheFutureMakesItActiveAgain()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var license = await CreateLicenseAsync(client, product, "trial", extra: new { expires_at = Iso(app.Time.GetUtcNow().AddHours(1)) });
        app.Time.Advance(TimeSpan.FromHours(2));
        Assert.Equal("expired", (await GetDataAsync(client, $"licenses/{license.Str("id")}")).Str("status"));

        var updated = await (await client.PatchJsonAsync($"licenses/{license.Str("id")}", new { expires_at = Iso(app.Time.GetUtcNow().AddDays(3)) })).DataAsync();

        Assert.Equal("active", updated.Str("status"));
    }

    [Fact]
    public async Task PatchingAnUnknownLicenseIsNotFound()
    {
        using var client = app.CreateAdminClient();

        var response = await client.PatchJsonAsync($"licenses/{LicenseKeyGenerator.Generate()}", new { email = "ghost@example.com" });

        await response.ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    // ---- delete ----

    [Fact]
    public async Task DeletingALicenseRemovesItForGood()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var license = await CreateLicenseAsync(client, product);
        var id = license.Str("id");

        var deleted = await (await client.DeleteAsync($"licenses/{id}", Ct)).DataAsync();

        Assert.Equal(id, deleted.Str("id"));
        Assert.True(deleted.GetProperty("deleted").GetBoolean());
        await (await client.GetAsync($"licenses/{id}", Ct)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await client.GetAsync($"licenses/{license.Str("key")}", Ct)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await client.DeleteAsync($"licenses/{id}", Ct)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(0, (await ListAsync(client, $"licenses?product_id={product}")).Total);
        var verdict = await (await client.PostJsonAsync("licenses/verify", new { key = license.Str("key") })).DataAsync();
        Assert.Equal("NOT_FOUND", verdict.Str("code"));
    }

    [Fact]
    public async Task DeletingThroughTheKeyAnswersWithTheLicenseId()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var license = await CreateLicenseAsync(client, product);

        var deleted = await (await client.DeleteAsync($"licenses/{license.Str("key").ToLowerInvariant().Replace("-", "", StringComparison.Ordinal)}", Ct)).DataAsync();

        Assert.Equal(license.Str("id"), deleted.Str("id"));
        await (await client.GetAsync($"licenses/{license.Str("id")}", Ct)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    // ---- isolation ----

    [Fact]
    public async Task AnotherAccountCannotSeeChangeOrDeleteALicense()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var license = await CreateLicenseAsync(client, product);
        var (id, key) = (license.Str("id"), license.Str("key"));
        var (_, otherKey) = await app.CreateAccountAsync("Other vendor (license isolation)");
        using var other = app.CreateClient(otherKey);
        await (await other.GetAsync("licenses", Ct)).DataAsync();
        var before = await SnapshotAsync(client);

        foreach (var target in new[] { id, key, key.ToLowerInvariant() })
        {
            await (await other.GetAsync($"licenses/{target}", Ct)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
            await (await other.PatchJsonAsync($"licenses/{target}", new { email = "thief@example.com" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
            await (await other.DeleteAsync($"licenses/{target}", Ct)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
            foreach (var action in new[] { "suspend", "reinstate", "revoke", "renew" })
            {
                await (await other.PostAsync($"licenses/{target}/{action}", null, Ct)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
            }
        }

        var theirs = await WalkAsync(other, "licenses?limit=100");
        Assert.DoesNotContain(id, theirs.SelectMany(p => p.Ids));
        Assert.Equal(0, theirs[0].Total);
        Assert.Equal(0, (await ListAsync(other, $"licenses?product_id={product}")).Total);
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
        Assert.Equal(license.GetRawText(), (await GetDataAsync(client, $"licenses/{id}")).GetRawText());
    }

    // ---- helpers ----

    private async Task<string> CreateProductAsync(HttpClient client, int? subscriptionDays = null, int? trialDays = null)
    {
        var response = await client.PostJsonAsync("products", new
        {
            name = $"Product {Guid.NewGuid():N}",
            subscription_days = subscriptionDays ?? 365,
            trial_days = trialDays ?? 14,
        });
        return (await response.DataAsync(HttpStatusCode.Created)).Str("id");
    }

    private static async Task<JsonElement> CreateLicenseAsync(
        HttpClient client, string productId, string type = "subscription", string email = "customer@example.com", object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["product_id"] = productId, ["email"] = email, ["type"] = type };
        if (extra is not null)
        {
            foreach (var property in JsonSerializer.SerializeToElement(extra).EnumerateObject())
            {
                body[property.Name] = property.Value;
            }
        }

        return await (await client.PostJsonAsync("licenses", body)).DataAsync(HttpStatusCode.Created);
    }

    /// <summary>Creates licenses until one's key holds every given symbol (about one in eight holds both 0 and 1).</summary>
    private static async Task<JsonElement> CreateLicenseWithKeyContainingAsync(HttpClient client, string productId, params char[] symbols)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            var license = await CreateLicenseAsync(client, productId, "perpetual");
            if (symbols.All(s => license.Str("key")[4..].Contains(s, StringComparison.Ordinal)))
            {
                return license;
            }
        }

        throw new InvalidOperationException($"No key with {new string(symbols)} in 300 licenses: keys are not random.");
    }

    private static async Task<JsonElement> GetDataAsync(HttpClient client, string path) => await (await client.GetAsync(path, Ct)).DataAsync();

    private async Task<string> SnapshotAsync(HttpClient client)
    {
        await (await client.GetAsync("licenses?limit=1", Ct)).DataAsync();
        return await app.SnapshotDatabaseAsync();
    }

    private static DateTimeOffset Whole(DateTimeOffset time) => time.AddTicks(-(time.Ticks % TimeSpan.TicksPerSecond));

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private sealed record Page(IReadOnlyList<JsonElement> Items, int Total, int Limit, bool HasMore, string? NextCursor)
    {
        public IReadOnlyList<string> Ids => Items.Select(l => l.Str("id")).ToList();
    }

    private static async Task<Page> ListAsync(HttpClient client, string path)
    {
        var body = await (await client.GetAsync(path, Ct)).BodyAsync();
        Assert.True(body.TryGetProperty("data", out var data), body.GetRawText());
        var pagination = body.GetProperty("pagination");
        var page = new Page(
            data.EnumerateArray().ToList(),
            pagination.GetProperty("total").GetInt32(),
            pagination.GetProperty("limit").GetInt32(),
            pagination.GetProperty("has_more").GetBoolean(),
            pagination.GetProperty("next_cursor").GetString());
        Assert.Equal(page.HasMore, page.NextCursor is not null);
        Assert.Equal(page.Ids.OrderDescending(StringComparer.Ordinal), page.Ids);
        return page;
    }

    private static async Task<List<Page>> WalkAsync(HttpClient client, string firstPath)
    {
        var pages = new List<Page> { await ListAsync(client, firstPath) };
        while (pages[^1].HasMore)
        {
            Assert.True(pages.Count < 1_000, "The list does not end.");
            pages.Add(await ListAsync(client, $"{firstPath}&cursor={Uri.EscapeDataString(pages[^1].NextCursor!)}"));
        }

        return pages;
    }

    /// <summary>The list holds exactly these licenses (newest first), and its total says so.</summary>
    private static async Task AssertListAsync(HttpClient client, string path, params string[] expected)
    {
        var page = await ListAsync(client, path + "&limit=100");
        Assert.Equal(expected.OrderDescending(StringComparer.Ordinal), page.Ids);
        Assert.Equal(expected.Length, page.Total);
    }

    [GeneratedRegex("^LIC-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$")]
    private static partial Regex KeyPattern();
}

using System.Globalization;
using System.Net;
using System.Text.Json;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.Products;

/// <summary>Products: create, list, get, update and delete, with their validation and account isolation.</summary>
public sealed class ProductsTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CreatingAProductAnswersCreatedWithItsFieldsAndDefaults()
    {
        using var client = app.CreateAdminClient();
        var now = Iso(app.Time.GetUtcNow());

        var response = await client.PostJsonAsync("products", new { name = "Photo Editor Pro" });

        var product = await response.DataAsync(HttpStatusCode.Created);
        Assert.Matches("^prod_[0-9a-z]{26}$", product.Str("id"));
        Assert.Equal("Photo Editor Pro", product.Str("name"));
        Assert.Equal("photo-editor-pro", product.Str("code"));
        Assert.Equal(JsonValueKind.Object, product.GetProperty("metadata").ValueKind);
        Assert.Empty(product.GetProperty("metadata").EnumerateObject());
        Assert.Equal(365, product.GetProperty("subscription_days").GetInt32());
        Assert.Equal(14, product.GetProperty("trial_days").GetInt32());
        Assert.Equal(now, product.Str("created_at"));
        Assert.Equal(now, product.Str("updated_at"));
        Assert.Equal($"/api/v1/products/{product.Str("id")}", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task CreatingAProductKeepsTheGivenCodeMetadataAndLengths()
    {
        using var client = app.CreateAdminClient();
        var metadata = JsonSerializer.SerializeToElement(new { tier = "pro", seats = 5, features = new[] { "export", "sync" }, nested = new { beta = true } });

        var product = await CreateAsync(client, new
        {
            name = "Backup Tool",
            code = "backup.tool_v2-x",
            metadata,
            subscription_days = 30,
            trial_days = 7,
        });

        Assert.Equal("backup.tool_v2-x", product.Str("code"));
        Assert.True(JsonElement.DeepEquals(metadata, product.GetProperty("metadata")), product.GetProperty("metadata").GetRawText());
        Assert.Equal(30, product.GetProperty("subscription_days").GetInt32());
        Assert.Equal(7, product.GetProperty("trial_days").GetInt32());

        var fetched = await (await client.GetAsync($"products/{product.Str("id")}", Ct)).DataAsync();
        Assert.Equal(product.GetRawText(), fetched.GetRawText());
    }

    [Theory]
    [InlineData("  Spaces   and__under.scores  ", "spaces-and-under-scores")]
    [InlineData("Photo Editor 2026 (Mac/Win)", "photo-editor-2026-macwin")]
    [InlineData("--Edge--Case--", "edge-case")]
    [InlineData("UPPER lower", "upper-lower")]
    public async Task CodeIsDerivedFromTheNameWhenLeftOut(string name, string expected)
    {
        using var client = app.CreateAdminClient();

        var product = await CreateAsync(client, new { name });

        Assert.Equal(expected, product.Str("code"));
        Assert.Equal(name.Trim(), product.Str("name"));
    }

    [Fact]
    public async Task CodeDerivedFromANameWithAccentsKeepsTheBaseLetters()
    {
        using var client = app.CreateAdminClient();

        var product = await CreateAsync(client, new { name = "Café Déjà Vu" });

        Assert.Equal("cafe-deja-vu", product.Str("code"));
    }

    [Fact]
    public async Task CodeDerivedFromANameWithoutLatinLettersOrDigitsIsStillAValidCode()
    {
        using var client = app.CreateAdminClient();

        var product = await CreateAsync(client, new { name = "日本語ツール" });

        Assert.Matches("^product-[0-9a-f]{8}$", product.Str("code"));
    }

    [Fact]
    public async Task CodeDerivedFromALongNameIsAtMostFortyEightCharacters()
    {
        using var client = app.CreateAdminClient();

        var product = await CreateAsync(client, new { name = string.Join(' ', Enumerable.Repeat("word", 40)) });

        var code = product.Str("code");
        Assert.InRange(code.Length, 1, 48);
        Assert.StartsWith("word-word-", code, StringComparison.Ordinal);
        Assert.False(code.EndsWith('-'), code);
    }

    [Fact]
    public async Task ACodeAlreadyUsedInTheAccountIsRefusedAndNothingIsWritten()
    {
        using var client = app.CreateAdminClient();
        await CreateAsync(client, new { name = "First", code = "taken-code" });
        var before = await SnapshotAsync(client);

        var response = await client.PostJsonAsync("products", new { name = "Second", code = "taken-code" });

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("code", error.Str("field"));
        Assert.Contains("taken-code", error.Str("message"), StringComparison.Ordinal);
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Fact]
    public async Task ADerivedCodeThatIsTakenGetsTheNextFreeNumber()
    {
        using var client = app.CreateAdminClient();
        var first = await CreateAsync(client, new { name = "Twin Name" });

        var second = await CreateAsync(client, new { name = "Twin Name" });
        var third = await CreateAsync(client, new { name = "Twin  Name" });

        Assert.Equal("twin-name", first.Str("code"));
        Assert.Equal("twin-name-2", second.Str("code"));
        Assert.Equal("twin-name-3", third.Str("code"));
    }

    [Fact]
    public async Task AnExplicitCodeThatIsTakenIsStillRefused()
    {
        using var client = app.CreateAdminClient();
        await CreateAsync(client, new { name = "Original", code = "explicit-code" });

        var response = await client.PostJsonAsync("products", new { name = "Copy", code = "explicit-code" });

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("code", error.Str("field"));
    }

    [Fact]
    public async Task TheSameCodeInTwoAccountsIsFine()
    {
        using var client = app.CreateAdminClient();
        var (_, otherKey) = await app.CreateAccountAsync("Other vendor (codes)");
        using var other = app.CreateClient(otherKey);

        var mine = await CreateAsync(client, new { name = "Shared", code = "shared-code" });
        var theirs = await CreateAsync(other, new { name = "Shared", code = "shared-code" });

        Assert.Equal("shared-code", mine.Str("code"));
        Assert.Equal("shared-code", theirs.Str("code"));
        Assert.NotEqual(mine.Str("id"), theirs.Str("id"));
    }

    [Theory]
    [InlineData("Upper")]
    [InlineData("-leading-dash")]
    [InlineData(".leading-dot")]
    [InlineData("has space")]
    [InlineData("slash/code")]
    [InlineData("ümlaut")]
    [InlineData("emoji-😀")]
    [InlineData("   ")]
    public async Task CodeOutsideThePatternIsRefused(string code)
    {
        using var client = app.CreateAdminClient();
        var before = await SnapshotAsync(client);

        var response = await client.PostJsonAsync("products", new { name = "Bad code", code });

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("code", error.Str("field"));
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Fact]
    public async Task CodeOfSixtyFourCharactersIsAcceptedAndSixtyFiveRefused()
    {
        using var client = app.CreateAdminClient();

        var longest = await CreateAsync(client, new { name = "Long code", code = "c" + new string('x', 63) });
        var tooLong = await client.PostJsonAsync("products", new { name = "Longer code", code = "d" + new string('x', 64) });

        Assert.Equal(64, longest.Str("code").Length);
        var error = await tooLong.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("code", error.Str("field"));
    }

    [Theory]
    [InlineData("subscription_days", 0)]
    [InlineData("subscription_days", -1)]
    [InlineData("subscription_days", 36_501)]
    [InlineData("trial_days", 0)]
    [InlineData("trial_days", -14)]
    [InlineData("trial_days", 36_501)]
    public async Task DaysOutsideOneToThirtySixThousandFiveHundredAreRefused(string field, int days)
    {
        using var client = app.CreateAdminClient();
        var before = await SnapshotAsync(client);

        var response = await client.PostRawAsync("products", $$"""{"name": "Days {{field}} {{days}}", "{{field}}": {{days}}}""");

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal(field, error.Str("field"));
        Assert.Contains("between 1 and 36500", error.Str("message"), StringComparison.Ordinal);
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Fact]
    public async Task DaysAtTheBoundsAreAccepted()
    {
        using var client = app.CreateAdminClient();

        var product = await CreateAsync(client, new { name = "Bounds", subscription_days = 36_500, trial_days = 1 });

        Assert.Equal(36_500, product.GetProperty("subscription_days").GetInt32());
        Assert.Equal(1, product.GetProperty("trial_days").GetInt32());
    }

    [Theory]
    [InlineData("""{"name": "Typed", "subscription_days": "365"}""", "subscription_days")]
    [InlineData("""{"name": "Typed", "trial_days": 1.5}""", "trial_days")]
    [InlineData("""{"name": 42}""", "name")]
    [InlineData("""{"name": "Typed", "code": 7}""", "code")]
    public async Task FieldsOfTheWrongTypeAreRefusedNamingTheField(string json, string field)
    {
        using var client = app.CreateAdminClient();

        var response = await client.PostRawAsync("products", json);

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal(field, error.Str("field"));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[1, 2]")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    [InlineData("true")]
    public async Task MetadataMustBeAJsonObject(string metadata)
    {
        using var client = app.CreateAdminClient();
        var before = await SnapshotAsync(client);

        var response = await client.PostRawAsync("products", $$"""{"name": "Metadata shape", "metadata": {{metadata}}}""");

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("metadata", error.Str("field"));
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Fact]
    public async Task MetadataMayHaveSixtyFourKeysButNotSixtyFive()
    {
        using var client = app.CreateAdminClient();
        var sixtyFour = Enumerable.Range(0, 64).ToDictionary(i => $"k{i}", i => i);
        var sixtyFive = Enumerable.Range(0, 65).ToDictionary(i => $"k{i}", i => i);

        var accepted = await CreateAsync(client, new { name = "Keys 64", metadata = sixtyFour });
        var refused = await client.PostJsonAsync("products", new { name = "Keys 65", metadata = sixtyFive });

        Assert.Equal(64, accepted.GetProperty("metadata").EnumerateObject().Count());
        var error = await refused.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("metadata", error.Str("field"));
        Assert.Contains("64", error.Str("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetadataLargerThanSixteenKibibytesIsRefused()
    {
        using var client = app.CreateAdminClient();

        var fits = await CreateAsync(client, new { name = "Blob fits", metadata = new { blob = new string('x', 16_000) } });
        var refused = await client.PostJsonAsync("products", new { name = "Blob too big", metadata = new { blob = new string('x', 16_400) } });

        Assert.Equal(16_000, fits.GetProperty("metadata").GetProperty("blob").GetString()!.Length);
        var error = await refused.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("metadata", error.Str("field"));
        Assert.Contains("16384 bytes", error.Str("message"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"code": "no-name"}""")]
    [InlineData("""{"name": ""}""")]
    [InlineData("""{"name": "   "}""")]
    [InlineData("""{"name": null}""")]
    [InlineData("""{"name": "bell\u0007"}""")]
    [InlineData("""{"name": "right-to-left \u202E override"}""")]
    public async Task NameIsRequiredPrintableText(string json)
    {
        using var client = app.CreateAdminClient();
        var before = await SnapshotAsync(client);

        var response = await client.PostRawAsync("products", json);

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("name", error.Str("field"));
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Fact]
    public async Task NameOfTwoHundredCharactersIsAcceptedAndTwoHundredOneRefused()
    {
        using var client = app.CreateAdminClient();

        var longest = await CreateAsync(client, new { name = new string('n', 200), code = "name-200" });
        var tooLong = await client.PostJsonAsync("products", new { name = new string('n', 201), code = "name-201" });

        Assert.Equal(200, longest.Str("name").Length);
        var error = await tooLong.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("name", error.Str("field"));
    }

    [Fact]
    public async Task UnknownFieldsAreRefused()
    {
        using var client = app.CreateAdminClient();

        var response = await client.PostRawAsync("products", """{"name": "Unknown field", "price": 10}""");

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("price", error.Str("field"));
    }

    [Fact]
    public async Task GettingAProductReturnsIt()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateAsync(client, new { name = "Fetch me" });

        var fetched = await (await client.GetAsync($"products/{product.Str("id")}", Ct)).DataAsync();

        Assert.Equal(product.GetRawText(), fetched.GetRawText());
    }

    [Theory]
    [InlineData("prod_00000000000000000000000000")]
    [InlineData("lic_00000000000000000000000000")]
    [InlineData("not-an-id")]
    public async Task GettingAnUnknownProductIsNotFound(string id)
    {
        using var client = app.CreateAdminClient();

        var response = await client.GetAsync($"products/{id}", Ct);

        var error = await response.ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Contains(id, error.Str("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListingWalksEveryProductNewestFirstAcrossPages()
    {
        using var client = app.CreateAdminClient();
        var created = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            app.Time.Advance(TimeSpan.FromMilliseconds(1));
            created.Add((await CreateAsync(client, new { name = $"Paged product {i}" })).Str("id"));
        }

        var pages = await WalkAsync(client, "products?limit=3");

        var ids = pages.SelectMany(p => p.Items).ToList();
        var total = pages[0].Total;
        Assert.All(pages, p => Assert.Equal(total, p.Total));
        Assert.All(pages, p => Assert.Equal(3, p.Limit));
        Assert.Equal(total, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(pages[..^1], p => Assert.Equal(3, p.Items.Count));
        Assert.InRange(pages[^1].Items.Count, 1, 3);
        // The seven just created are the newest, so they come first, newest first.
        Assert.Equal(Enumerable.Reverse(created), ids.Take(7));
        Assert.Equal(ids.OrderDescending(StringComparer.Ordinal), ids);
    }

    [Fact]
    public async Task ListingUsesTwentyByDefaultAndAcceptsAHundred()
    {
        using var client = app.CreateAdminClient();
        for (var i = 0; i < 21; i++)
        {
            await CreateAsync(client, new { name = $"Default page {i}" });
        }

        var byDefault = await (await client.GetAsync("products", Ct)).BodyAsync();
        var hundred = await (await client.GetAsync("products?limit=100", Ct)).BodyAsync();

        Assert.Equal(20, byDefault.GetProperty("data").GetArrayLength());
        Assert.Equal(20, byDefault.GetProperty("pagination").GetProperty("limit").GetInt32());
        Assert.True(byDefault.GetProperty("pagination").GetProperty("has_more").GetBoolean());
        Assert.Equal(100, hundred.GetProperty("pagination").GetProperty("limit").GetInt32());
        var total = hundred.GetProperty("pagination").GetProperty("total").GetInt32();
        Assert.Equal(Math.Min(total, 100), hundred.GetProperty("data").GetArrayLength());
    }

    [Theory]
    [InlineData("products?limit=0", "limit")]
    [InlineData("products?limit=101", "limit")]
    [InlineData("products?limit=ten", "limit")]
    [InlineData("products?cursor=not*a*cursor", "cursor")]
    [InlineData("products?code=x", "code")]
    [InlineData("products?limit=5&limit=6", "limit")]
    public async Task BadListParametersAreRefusedNamingTheParameter(string path, string field)
    {
        using var client = app.CreateAdminClient();

        var response = await client.GetAsync(path, Ct);

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal(field, error.Str("field"));
    }

    [Fact]
    public async Task ACursorOfAnotherListIsRefused()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateAsync(client, new { name = "Cursor source" });
        for (var i = 0; i < 2; i++)
        {
            await (await client.PostJsonAsync("licenses", new { product_id = product.Str("id"), email = "cursor@example.com", type = "perpetual" }))
                .DataAsync(HttpStatusCode.Created);
        }

        var licenses = await (await client.GetAsync($"licenses?product_id={product.Str("id")}&limit=1", Ct)).BodyAsync();
        var licenseCursor = licenses.GetProperty("pagination").GetProperty("next_cursor").GetString();

        var response = await client.GetAsync($"products?cursor={licenseCursor}", Ct);

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("cursor", error.Str("field"));
    }

    [Fact]
    public async Task UpdatingChangesOnlyTheFieldsSent()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateAsync(client, new { name = "Before", code = "before-update", metadata = new { a = 1 }, subscription_days = 30, trial_days = 7 });
        app.Time.Advance(TimeSpan.FromMinutes(5));

        var renamed = await (await client.PatchJsonAsync($"products/{product.Str("id")}", new { name = "After" })).DataAsync();

        Assert.Equal("After", renamed.Str("name"));
        Assert.Equal("before-update", renamed.Str("code"));
        Assert.Equal(1, renamed.GetProperty("metadata").GetProperty("a").GetInt32());
        Assert.Equal(30, renamed.GetProperty("subscription_days").GetInt32());
        Assert.Equal(7, renamed.GetProperty("trial_days").GetInt32());
        Assert.Equal(product.Str("created_at"), renamed.Str("created_at"));
        Assert.Equal(Iso(app.Time.GetUtcNow()), renamed.Str("updated_at"));

        var changed = await (await client.PatchJsonAsync($"products/{product.Str("id")}", new
        {
            code = "after-update",
            metadata = new { b = "two" },
            subscription_days = 90,
            trial_days = 10,
        })).DataAsync();

        Assert.Equal("After", changed.Str("name"));
        Assert.Equal("after-update", changed.Str("code"));
        Assert.Equal(["b"], changed.GetProperty("metadata").EnumerateObject().Select(p => p.Name));
        Assert.Equal(90, changed.GetProperty("subscription_days").GetInt32());
        Assert.Equal(10, changed.GetProperty("trial_days").GetInt32());

        var fetched = await (await client.GetAsync($"products/{product.Str("id")}", Ct)).DataAsync();
        Assert.Equal(changed.GetRawText(), fetched.GetRawText());
    }

    [Fact]
    public async Task UpdatingToItsOwnCodeIsFine()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateAsync(client, new { name = "Own code", code = "own-code" });

        var updated = await (await client.PatchJsonAsync($"products/{product.Str("id")}", new { code = "own-code", name = "Own code 2" })).DataAsync();

        Assert.Equal("own-code", updated.Str("code"));
        Assert.Equal("Own code 2", updated.Str("name"));
    }

    [Fact]
    public async Task UpdatingToACodeOfAnotherProductIsRefusedAndChangesNothing()
    {
        using var client = app.CreateAdminClient();
        await CreateAsync(client, new { name = "Holder", code = "held-code" });
        var product = await CreateAsync(client, new { name = "Wanting", code = "wanting-code" });
        var before = await SnapshotAsync(client);

        var response = await client.PatchJsonAsync($"products/{product.Str("id")}", new { name = "Renamed too", code = "held-code" });

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("code", error.Str("field"));
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Theory]
    [InlineData("""{"name": "Fine", "trial_days": 0}""", "trial_days")]
    [InlineData("""{"name": "Fine", "code": "Not Valid"}""", "code")]
    [InlineData("""{"name": "Fine", "metadata": [1]}""", "metadata")]
    [InlineData("""{"name": ""}""", "name")]
    [InlineData("""{"name": "Fine", "id": "prod_other"}""", "id")]
    public async Task AnInvalidUpdateChangesNothing(string json, string field)
    {
        using var client = app.CreateAdminClient();
        var product = await CreateAsync(client, new { name = $"Unchanged {Guid.NewGuid():N}" });
        var before = await SnapshotAsync(client);

        var response = await client.PatchAsync($"products/{product.Str("id")}", Infrastructure.Api.Json(json), Ct);

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal(field, error.Str("field"));
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
        var fetched = await (await client.GetAsync($"products/{product.Str("id")}", Ct)).DataAsync();
        Assert.Equal(product.GetRawText(), fetched.GetRawText());
    }

    [Fact]
    public async Task UpdatingAnUnknownProductIsNotFound()
    {
        using var client = app.CreateAdminClient();

        var response = await client.PatchJsonAsync("products/prod_00000000000000000000000000", new { name = "Ghost" });

        await response.ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task DeletingAProductWithoutLicensesRemovesIt()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateAsync(client, new { name = "Short lived" });
        var id = product.Str("id");

        var deleted = await (await client.DeleteAsync($"products/{id}", Ct)).DataAsync();

        Assert.Equal(id, deleted.Str("id"));
        Assert.True(deleted.GetProperty("deleted").GetBoolean());
        await (await client.GetAsync($"products/{id}", Ct)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await client.DeleteAsync($"products/{id}", Ct)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        var all = await WalkAsync(client, "products?limit=100");
        Assert.DoesNotContain(id, all.SelectMany(p => p.Items));
    }

    [Fact]
    public async Task DeletingAProductThatHasLicensesIsRefusedAndDeletesNothing()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateAsync(client, new { name = "Has licenses" });
        var id = product.Str("id");
        var licenses = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var license = await (await client.PostJsonAsync("licenses", new { product_id = id, email = "keep@example.com", type = "subscription" }))
                .DataAsync(HttpStatusCode.Created);
            licenses.Add(license.Str("id"));
        }

        var before = await SnapshotAsync(client);

        var response = await client.DeleteAsync($"products/{id}", Ct);

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Contains(id, error.Str("message"), StringComparison.Ordinal);
        Assert.Contains("2 licenses", error.Str("message"), StringComparison.Ordinal);
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
        await (await client.GetAsync($"products/{id}", Ct)).DataAsync();
        foreach (var license in licenses)
        {
            Assert.Equal("active", (await (await client.GetAsync($"licenses/{license}", Ct)).DataAsync()).Str("status"));
        }
    }

    [Fact]
    public async Task RevokedLicensesStillBlockDeletionAndTheMessageSaysToDeleteThem()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateAsync(client, new { name = "Revoked licenses" });
        var id = product.Str("id");
        var license = await (await client.PostJsonAsync("licenses", new { product_id = id, email = "gone@example.com", type = "perpetual" }))
            .DataAsync(HttpStatusCode.Created);
        await (await client.PostAsync($"licenses/{license.Str("id")}/revoke", null, Ct)).DataAsync();

        var refused = await client.DeleteAsync($"products/{id}", Ct);

        // A revoked license is still a license of the product: the advice must be one that works.
        var error = await refused.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Contains("1 license", error.Str("message"), StringComparison.Ordinal);
        Assert.Contains("delete", error.Str("message"), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("or revoke", error.Str("message"), StringComparison.OrdinalIgnoreCase);

        await (await client.DeleteAsync($"licenses/{license.Str("id")}", Ct)).DataAsync();
        var deleted = await (await client.DeleteAsync($"products/{id}", Ct)).DataAsync();
        Assert.Equal(id, deleted.Str("id"));
    }

    [Fact]
    public async Task AnotherAccountCannotSeeUpdateOrDeleteAProduct()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateAsync(client, new { name = "Private product" });
        var id = product.Str("id");
        var (_, otherKey) = await app.CreateAccountAsync("Other vendor (isolation)");
        using var other = app.CreateClient(otherKey);
        await (await other.GetAsync("products", Ct)).BodyAsync();
        var before = await SnapshotAsync(client);

        await (await other.GetAsync($"products/{id}", Ct)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await other.PatchJsonAsync($"products/{id}", new { name = "Hijacked" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await other.DeleteAsync($"products/{id}", Ct)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        var theirs = await WalkAsync(other, "products?limit=100");

        Assert.DoesNotContain(id, theirs.SelectMany(p => p.Items));
        Assert.Equal(0, theirs[0].Total);
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
        var fetched = await (await client.GetAsync($"products/{id}", Ct)).DataAsync();
        Assert.Equal(product.GetRawText(), fetched.GetRawText());
    }

    private static async Task<JsonElement> CreateAsync(HttpClient client, object body) =>
        await (await client.PostJsonAsync("products", body)).DataAsync(HttpStatusCode.Created);

    /// <summary>A snapshot taken after a request with <paramref name="client"/>, so its key's last-used time is already written.</summary>
    private async Task<string> SnapshotAsync(HttpClient client)
    {
        await (await client.GetAsync("products?limit=1", Ct)).DataAsync();
        return await app.SnapshotDatabaseAsync();
    }

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private sealed record Page(IReadOnlyList<string> Items, int Total, int Limit, bool HasMore, string? NextCursor);

    /// <summary>Follows <c>next_cursor</c> from the first page to the last, checking the page links on the way.</summary>
    private static async Task<List<Page>> WalkAsync(HttpClient client, string firstPath)
    {
        var pages = new List<Page>();
        var path = firstPath;
        while (true)
        {
            var body = await (await client.GetAsync(path, Ct)).BodyAsync();
            var pagination = body.GetProperty("pagination");
            var page = new Page(
                body.GetProperty("data").EnumerateArray().Select(p => p.Str("id")).ToList(),
                pagination.GetProperty("total").GetInt32(),
                pagination.GetProperty("limit").GetInt32(),
                pagination.GetProperty("has_more").GetBoolean(),
                pagination.GetProperty("next_cursor").GetString());
            pages.Add(page);
            Assert.Equal(page.HasMore, page.NextCursor is not null);
            if (!page.HasMore)
            {
                return pages;
            }

            Assert.True(pages.Count < 1_000, "The list does not end.");
            var separator = firstPath.Contains('?', StringComparison.Ordinal) ? '&' : '?';
            path = $"{firstPath}{separator}cursor={Uri.EscapeDataString(page.NextCursor!)}";
        }
    }
}

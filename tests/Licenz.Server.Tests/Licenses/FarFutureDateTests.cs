using System.Net;
using System.Text.Json;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.Licenses;

/// <summary>
/// Dates at the end of the calendar: the latest timestamp the API stores is 9999-12-31T23:59:59Z. Every request
/// that would compute a later one (renewing, a license's default length, a license file's time to live) is a
/// <c>bad_request</c> that says why and changes nothing; dates up to the end are accepted and stay usable.
/// </summary>
public sealed class FarFutureDateTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private const string LastSecond = "9999-12-31T23:59:59Z";

    [Fact]
    public async Task RenewingALicenseThatExpiresAtTheEndOfTheCalendarIsABadRequestThatChangesNothing()
    {
        using var client = app.CreateAdminClient();
        var license = await CreateLicenseAsync(client, await CreateProductAsync(client), LastSecond);
        var before = await app.SnapshotDatabaseAsync();

        foreach (var body in new[] { null, """{"days":1}""", """{"days":36500}""" })
        {
            using var response = await client.PostAsync($"licenses/{license.Str("id")}/renew", body is null ? null : Infrastructure.Api.Json(body));

            var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
            Assert.Contains("9999-12-31", error.Str("message"), StringComparison.Ordinal);
            Assert.Contains(license.Str("id"), error.Str("message"), StringComparison.Ordinal);
        }

        Assert.Equal(before, await app.SnapshotDatabaseAsync());
        Assert.Equal(LastSecond, (await (await client.GetAsync($"licenses/{license.Str("id")}")).DataAsync()).Str("expires_at"));
    }

    [Fact]
    public async Task RenewingByTheProductsLengthAgainAndAgainStopsWithABadRequestAtTheEndOfTheCalendar()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client, subscriptionDays: 36_500);
        var license = await CreateLicenseAsync(client, product, "9000-01-01T00:00:00Z");

        var renewals = 0;
        while (true)
        {
            using var response = await client.PostAsync($"licenses/{license.Str("id")}/renew", null);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
                Assert.Contains("9999-12-31", error.Str("message"), StringComparison.Ordinal);
                break;
            }

            renewals++;
            Assert.True(renewals < 20, "Renewing never stopped.");
        }

        // 9000-01-01 + 10 × 36,500 days is in 9999 (1,000 years are 365,242 days); an eleventh renewal would pass it.
        Assert.Equal(10, renewals);
        var current = await (await client.GetAsync($"licenses/{license.Str("id")}")).DataAsync();
        Assert.StartsWith("9999-", current.Str("expires_at"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALicenseCanBeCreatedAndChangedToExpireAtTheLastSecondAndStaysUsable()
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var created = await CreateLicenseAsync(client, product, LastSecond);
        Assert.Equal(LastSecond, created.Str("expires_at"));

        var other = await CreateLicenseAsync(client, product, expiresAt: null);
        var patched = await (await client.PatchJsonAsync($"licenses/{other.Str("id")}", new { expires_at = LastSecond })).DataAsync();
        Assert.Equal(LastSecond, patched.Str("expires_at"));

        // Every other action and read on such a license still answers.
        var verified = await (await client.PostJsonAsync("licenses/verify", new { key = created.Str("key") })).DataAsync();
        Assert.True(verified.GetProperty("valid").GetBoolean());
        var file = await (await client.PostJsonAsync($"licenses/{created.Str("id")}/license-file", new { ttl = 31_536_000 })).DataAsync();
        Assert.Equal(created.Str("id"), file.Str("license_id"));
        await (await client.PostAsync($"licenses/{created.Str("id")}/suspend", null)).DataAsync();
        await (await client.PostAsync($"licenses/{created.Str("id")}/reinstate", null)).DataAsync();
        var listed = await (await client.GetAsync($"licenses?product_id={product}&status=active")).DataAsync();
        Assert.Equal(2, listed.GetArrayLength());
    }

    [Theory]
    [InlineData("9999-12-31T23:59:59-01:00")]
    [InlineData("10000-01-01T00:00:00Z")]
    [InlineData("+10000-01-01T00:00:00Z")]
    public async Task AnExpiryPastTheEndOfTheCalendarIsABadRequestNamingTheField(string expiresAt)
    {
        using var client = app.CreateAdminClient();
        var product = await CreateProductAsync(client);
        var license = await CreateLicenseAsync(client, product, expiresAt: null);
        var before = await app.SnapshotDatabaseAsync();

        using var create = await client.PostJsonAsync("licenses", new { product_id = product, email = "late@example.com", type = "subscription", expires_at = expiresAt });
        using var patch = await client.PatchJsonAsync($"licenses/{license.Str("id")}", new { expires_at = expiresAt });
        using var key = await client.PostJsonAsync("api-keys", new { type = "read_only", name = "Late", expires_at = expiresAt });

        foreach (var response in new[] { create, patch, key })
        {
            var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
            Assert.Equal("expires_at", error.Str("field"));
        }

        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Fact]
    public async Task AnApiKeyThatExpiresAtTheLastSecondWorks()
    {
        using var admin = app.CreateAdminClient();
        var key = await (await admin.PostJsonAsync("api-keys", new { type = "read_only", name = "Forever-ish", expires_at = LastSecond }))
            .DataAsync(HttpStatusCode.Created);
        Assert.Equal(LastSecond, key.Str("expires_at"));

        using var reader = app.CreateClient(key.Str("key"));
        Assert.Equal(JsonValueKind.Array, (await (await reader.GetAsync("products")).DataAsync()).ValueKind);
    }

    private static async Task<string> CreateProductAsync(HttpClient client, int? subscriptionDays = null) =>
        (await (await client.PostJsonAsync("products", subscriptionDays is null
            ? new { name = "Far future" }
            : new { name = "Far future", subscription_days = subscriptionDays })).DataAsync(HttpStatusCode.Created)).Str("id");

    private static async Task<JsonElement> CreateLicenseAsync(HttpClient client, string productId, string? expiresAt) =>
        await (await client.PostJsonAsync("licenses", expiresAt is null
            ? new { product_id = productId, email = "far@example.com", type = "subscription" }
            : new { product_id = productId, email = "far@example.com", type = "subscription", expires_at = expiresAt })).DataAsync(HttpStatusCode.Created);
}

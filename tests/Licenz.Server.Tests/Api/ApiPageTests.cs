using System.Net;
using System.Text.RegularExpressions;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.Api;

/// <summary>The API page's own examples, replayed against the server.</summary>
public sealed partial class ApiPageTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    [Fact]
    public async Task TheCreateLicenseExampleAnswersWithThePagesFields()
    {
        using var client = app.CreateAdminClient();
        var product = await (await client.PostJsonAsync("products", new { name = "Page example" })).DataAsync(HttpStatusCode.Created);

        var response = await client.PostJsonAsync("licenses", new
        {
            product_id = product.Str("id"),
            email = "customer@example.com",
            type = "subscription",
        });

        var license = await response.DataAsync(HttpStatusCode.Created);
        Assert.Matches("^lic_[0-9a-z]+$", license.Str("id"));
        Assert.Matches(LicenseKeyPattern(), license.Str("key"));
        Assert.Equal(product.Str("id"), license.Str("product_id"));
        Assert.Equal("active", license.Str("status"));
        Assert.Equal("2026-01-15T10:30:00Z", license.Str("created_at"));
    }

    [GeneratedRegex("^LIC-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$")]
    private static partial Regex LicenseKeyPattern();
}

using System.Net;
using System.Text.Json;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.Signing;

/// <summary>The account's signing keys: published as a JWKS without authentication, rotated, retired.</summary>
public sealed class SigningKeyTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    [Theory]
    [InlineData("/.well-known/jwks.json")]
    [InlineData("/api/v1/.well-known/jwks.json")]
    [InlineData("/v1/.well-known/jwks.json")]
    public async Task TheJwksIsServedWithoutAuthentication(string path)
    {
        using var anonymous = app.CreateClient(apiKey: null, basePath: "/");

        var response = await anonymous.GetAsync(path.TrimStart('/'));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/jwk-set+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.GetValues("X-RateLimit-Limit").Single());
        var jwks = await response.BodyAsync();
        var key = Assert.Single(jwks.GetProperty("keys").EnumerateArray());
        Assert.Equal("OKP", key.Str("kty"));
        Assert.Equal("Ed25519", key.Str("crv"));
        Assert.Equal("EdDSA", key.Str("alg"));
        Assert.False(key.TryGetProperty("d", out _), "The JWKS must never carry a private key.");
        Assert.Equal(key.Str("kid"), SigningKey.Thumbprint(Convert.FromBase64String(Pad(key.Str("x")))));
    }

    [Fact]
    public async Task EachAccountHasItsOwnKeysAndAnUnknownAccountIsNotFound()
    {
        var (otherAccount, _) = await app.CreateAccountAsync("Second vendor");
        using var anonymous = app.CreateClient(apiKey: null, basePath: "/");

        var defaultKeys = await KeyIdsAsync(anonymous, ".well-known/jwks.json");
        var otherKeys = await KeyIdsAsync(anonymous, $".well-known/jwks.json?account={otherAccount}");
        var missing = await anonymous.GetAsync(".well-known/jwks.json?account=acct_nope");

        Assert.Single(otherKeys);
        Assert.Empty(defaultKeys.Intersect(otherKeys));
        await missing.ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task RotationSignsWithANewKeyAndKeepsTheOldOneUntilItIsRetired()
    {
        var (accountId, adminKey) = await app.CreateAccountAsync("Rotating vendor");
        using var admin = app.CreateClient(adminKey);
        using var anonymous = app.CreateClient(apiKey: null, basePath: "/");
        var accountKeys = await admin.GetAsync("signing-keys");
        var first = Assert.Single((await accountKeys.DataAsync()).EnumerateArray());
        Assert.Equal("current", first.Str("status"));
        var jwksPath = $".well-known/jwks.json?account={accountId}";

        var license = await Fixtures.CreateLicenseAsync(admin);
        var oldFile = await Fixtures.CheckOutAsync(admin, license.Str("id"));
        Assert.Equal(first.Str("id"), oldFile.Str("key_id"));

        app.Time.Advance(TimeSpan.FromMinutes(1));
        var rotated = await (await admin.PostAsync("signing-keys/rotate", null)).DataAsync(HttpStatusCode.Created);
        var newFile = await Fixtures.CheckOutAsync(admin, license.Str("id"));
        var afterRotation = await KeyIdsAsync(anonymous, jwksPath);

        Assert.Equal(rotated.Str("id"), newFile.Str("key_id"));
        Assert.NotEqual(first.Str("id"), rotated.Str("id"));
        Assert.Equal([first.Str("id"), rotated.Str("id")], afterRotation);
        var keys = PublicKeySet.FromJwks(await (await anonymous.GetAsync(jwksPath)).Content.ReadAsStringAsync());
        Assert.True(Fixtures.VerifyOffline(app, oldFile.Str("license_file"), keys).IsValid);
        Assert.True(Fixtures.VerifyOffline(app, newFile.Str("license_file"), keys).IsValid);

        var retired = await (await admin.PostAsync($"signing-keys/{first.Str("id")}/retire", null)).DataAsync();
        Assert.Equal("retired", retired.Str("status"));
        var afterRetirement = await KeyIdsAsync(anonymous, jwksPath);
        var remaining = PublicKeySet.FromJwks(await (await anonymous.GetAsync(jwksPath)).Content.ReadAsStringAsync());

        Assert.Equal([rotated.Str("id")], afterRetirement);
        Assert.Equal(LicenseFileCodes.UnknownKey, Fixtures.VerifyOffline(app, oldFile.Str("license_file"), remaining).Code);
        Assert.True(Fixtures.VerifyOffline(app, newFile.Str("license_file"), remaining).IsValid);
    }

    [Fact]
    public async Task TheCurrentKeyCannotBeRetired()
    {
        var (_, adminKey) = await app.CreateAccountAsync("Careful vendor");
        using var admin = app.CreateClient(adminKey);
        var current = Assert.Single((await (await admin.GetAsync("signing-keys")).DataAsync()).EnumerateArray());
        var before = await app.SnapshotDatabaseAsync();

        var response = await admin.PostAsync($"signing-keys/{current.Str("id")}/retire", null);

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Contains("rotate first", error.Str("message"), StringComparison.Ordinal);
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
        await (await admin.PostAsync("signing-keys/sk_unknown/retire", null)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task RotationRetiresThePublishedKeysBeyondTheBoundOldestFirst()
    {
        // Licenz:Signing:MaxPublishedKeys is 3 by default: five rotations leave the current key and the three before it.
        var (accountId, adminKey) = await app.CreateAccountAsync("Often rotating vendor");
        using var admin = app.CreateClient(adminKey);
        using var anonymous = app.CreateClient(apiKey: null, basePath: "/");
        var created = new List<string> { Assert.Single((await (await admin.GetAsync("signing-keys")).DataAsync()).EnumerateArray()).Str("id") };
        for (var i = 0; i < 5; i++)
        {
            app.Time.Advance(TimeSpan.FromMinutes(1));
            created.Add((await (await admin.PostAsync("signing-keys/rotate", null)).DataAsync(HttpStatusCode.Created)).Str("id"));
        }

        var jwks = await KeyIdsAsync(anonymous, $".well-known/jwks.json?account={accountId}");
        var listed = (await (await admin.GetAsync("signing-keys")).DataAsync()).EnumerateArray().ToDictionary(k => k.Str("id"), k => k.Str("status"));
        var retirements = (await (await admin.GetAsync("events?type=signing_key.retired")).DataAsync()).EnumerateArray().Select(e => e.Str("resource_id"));

        Assert.Equal(created[2..], jwks);
        Assert.Equal("current", listed[created[^1]]);
        Assert.All(created[2..^1], id => Assert.Equal("published", listed[id]));
        Assert.All(created[..2], id => Assert.Equal("retired", listed[id]));
        Assert.Equal([created[1], created[0]], retirements);
    }

    private static async Task<List<string>> KeyIdsAsync(HttpClient client, string path)
    {
        var jwks = await (await client.GetAsync(path)).BodyAsync();
        return jwks.GetProperty("keys").EnumerateArray().Select(k => k.Str("kid")).ToList();
    }

    private static string Pad(string base64Url)
    {
        var text = base64Url.Replace('-', '+').Replace('_', '/');
        return text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
    }
}

using System.Net;
using System.Text.Json;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.Signing;

/// <summary>
/// The account's signed revocation list: served without authentication beside the JWKS, signed by the account's key;
/// its version grows with every revocation, suspension, reinstatement, deletion and machine deactivation, in the same
/// transaction as the change, and only then; every verification answer and license file carries it; each account has
/// its own.
/// </summary>
public sealed class RevocationListTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private sealed record Listed(long Version, Dictionary<string, string> Licenses, List<string> Machines, string Issuer);

    /// <summary>The account's list as an application reads it: fetched anonymously and checked against the account's JWKS.</summary>
    private async Task<Listed> ListAsync(string accountId)
    {
        using var anonymous = app.CreateClient(apiKey: null, basePath: "/");
        var response = await anonymous.GetAsync($".well-known/licenz-revocations.jwt?account={accountId}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.True(RevocationList.TryVerify(text, await Fixtures.JwksAsync(app, accountId), out var list, out var problem), problem);
        return new Listed(list.Version, list.Licenses.ToDictionary(), [.. list.Machines], list.Issuer);
    }

    private static void AssertEmpty(Listed list, string accountId)
    {
        Assert.Equal((0L, accountId), (list.Version, list.Issuer));
        Assert.Empty(list.Licenses);
        Assert.Empty(list.Machines);
    }

    private static async Task<long> VerifiedVersionAsync(HttpClient client, string key) =>
        (await (await client.PostJsonAsync("licenses/verify", new { key })).DataAsync()).GetProperty("revocation_version").GetInt64();

    [Theory]
    [InlineData("/.well-known/licenz-revocations.jwt")]
    [InlineData("/api/v1/.well-known/licenz-revocations.jwt")]
    public async Task TheListIsServedSignedWithoutAuthentication(string path)
    {
        using var anonymous = app.CreateClient(apiKey: null, basePath: "/");

        var response = await anonymous.GetAsync(path.TrimStart('/'));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/jwt", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        Assert.NotNull(response.Headers.GetValues("X-RateLimit-Limit").Single());
        Assert.True(RevocationList.TryVerify(text, await Fixtures.JwksAsync(app), out var list, out var problem), problem);
        Assert.StartsWith("acct_", list.Issuer, StringComparison.Ordinal);
        var header = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(text.Split('.')[0])).RootElement;
        Assert.Equal("licenz-revocations+jwt", header.Str("typ"));
        Assert.Equal("EdDSA", header.Str("alg"));
    }

    [Fact]
    public async Task AnUnknownAccountIsNotFoundAndAnUnknownParameterIsRefused()
    {
        using var anonymous = app.CreateClient(apiKey: null, basePath: "/");

        var missing = await anonymous.GetAsync(".well-known/licenz-revocations.jwt?account=acct_nope");
        var unknown = await anonymous.GetAsync(".well-known/licenz-revocations.jwt?version=3");

        Assert.Contains("acct_nope", (await missing.ErrorAsync(HttpStatusCode.NotFound, "not_found")).Str("message"), StringComparison.Ordinal);
        Assert.Contains("version", (await unknown.ErrorAsync(HttpStatusCode.BadRequest, "bad_request")).Str("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryChangeOfTheListRaisesItsVersionAndTheListSaysWhatIsRevokedNow()
    {
        var (accountId, adminKey) = await app.CreateAccountAsync("Revoking vendor");
        var (otherAccount, otherKey) = await app.CreateAccountAsync("Untouched vendor");
        using var admin = app.CreateClient(adminKey);
        using var other = app.CreateClient(otherKey);
        var suspended = await Fixtures.CreateLicenseAsync(admin);
        var revoked = await Fixtures.CreateLicenseAsync(admin);
        var deleted = await Fixtures.CreateLicenseAsync(admin);
        var bystander = await Fixtures.CreateLicenseAsync(other);
        AssertEmpty(await ListAsync(accountId), accountId);

        // Changes that revoke nothing leave the version alone.
        await (await admin.PatchJsonAsync($"licenses/{suspended.Str("id")}", new { metadata = new { seats = 3 } })).DataAsync();
        await (await admin.PostJsonAsync($"licenses/{suspended.Str("id")}/renew", new { days = 30 })).DataAsync();
        var machine = await (await admin.PostJsonAsync("machines", new { key = revoked.Str("key"), fingerprint = "revocation-test-machine" })).DataAsync(HttpStatusCode.Created);
        Assert.Equal(0, (await ListAsync(accountId)).Version);

        await (await admin.PostAsync($"licenses/{suspended.Str("id")}/suspend", null)).DataAsync();
        Assert.Equal(new Dictionary<string, string> { [suspended.Str("id")] = "suspended" }, (await ListAsync(accountId)).Licenses);
        Assert.Equal(1, await VerifiedVersionAsync(admin, revoked.Str("key")));

        await (await admin.PostAsync($"licenses/{suspended.Str("id")}/reinstate", null)).DataAsync();
        await (await admin.PostAsync($"licenses/{revoked.Str("id")}/revoke", null)).DataAsync();
        (await admin.DeleteAsync($"licenses/{deleted.Str("id")}")).EnsureSuccessStatusCode();
        (await admin.DeleteAsync($"machines/{machine.Str("id")}")).EnsureSuccessStatusCode();

        var list = await ListAsync(accountId);
        Assert.Equal(5, list.Version);
        Assert.Equal(new Dictionary<string, string> { [revoked.Str("id")] = "revoked", [deleted.Str("id")] = "deleted" }, list.Licenses);
        Assert.Equal([machine.Str("id")], list.Machines);
        Assert.Equal(5, await VerifiedVersionAsync(admin, suspended.Str("key")));
        var file = await Fixtures.CheckOutAsync(admin, suspended.Str("id"));
        var claims = Fixtures.VerifyOffline(app, file.Str("license_file"), await Fixtures.JwksAsync(app, accountId)).Claims!;
        Assert.Equal(5, claims.RevocationVersion);

        // Another account's list, answers and files know nothing of it.
        AssertEmpty(await ListAsync(otherAccount), otherAccount);
        Assert.Equal(0, await VerifiedVersionAsync(other, bystander.Str("key")));
    }

    [Fact]
    public async Task ARefusedChangeLeavesTheVersionAsItWas()
    {
        var (accountId, adminKey) = await app.CreateAccountAsync("Careful vendor");
        using var admin = app.CreateClient(adminKey);
        var license = await Fixtures.CreateLicenseAsync(admin);
        await (await admin.PostAsync($"licenses/{license.Str("id")}/revoke", null)).DataAsync();

        var again = await admin.PostAsync($"licenses/{license.Str("id")}/revoke", null);
        var suspend = await admin.PostAsync($"licenses/{license.Str("id")}/suspend", null);

        await again.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        await suspend.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        var list = await ListAsync(accountId);
        Assert.Equal(1, list.Version);
        Assert.Equal(new Dictionary<string, string> { [license.Str("id")] = "revoked" }, list.Licenses);
    }

    [Fact]
    public async Task AnEntryLeavesTheListAfterAYearAndADayAndTheVersionStillCountsIt()
    {
        var (accountId, adminKey) = await app.CreateAccountAsync("Patient vendor");
        using var admin = app.CreateClient(adminKey);
        var license = await Fixtures.CreateLicenseAsync(admin, type: "perpetual");
        await (await admin.PostAsync($"licenses/{license.Str("id")}/revoke", null)).DataAsync();
        Assert.Single((await ListAsync(accountId)).Licenses);

        app.Time.Advance(TimeSpan.FromDays(366) + TimeSpan.FromMinutes(2));
        var later = await ListAsync(accountId);

        Assert.Equal(1, later.Version);
        Assert.Empty(later.Licenses);
    }
}

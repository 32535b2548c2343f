using System.Net;
using System.Net.Http.Json;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.Signing;

/// <summary><c>POST /licenses/{id}/license-file</c>: who may check out, and what the file says.</summary>
public sealed class LicenseFileCheckoutTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    [Fact]
    public async Task AnAdminChecksOutAFileThatVerifiesOfflineWithTheLicensesClaims()
    {
        using var admin = app.CreateAdminClient();
        var license = await Fixtures.CreateLicenseAsync(admin);

        var checkout = await Fixtures.CheckOutAsync(admin, license.Str("id"));
        var result = Fixtures.VerifyOffline(app, checkout.Str("license_file"), await Fixtures.JwksAsync(app), license.Str("key"));

        Assert.True(result.IsValid, result.Message);
        var claims = result.Claims!;
        Assert.Equal(license.Str("id"), claims.LicenseId);
        Assert.Equal(license.Str("key"), claims.License.Key);
        Assert.Equal(license.Str("product_id"), claims.License.ProductId);
        Assert.Equal("subscription", claims.License.Type);
        Assert.Equal("active", claims.License.Status);
        Assert.Equal(DateTimeOffset.Parse(license.Str("expires_at"), System.Globalization.CultureInfo.InvariantCulture), claims.License.ExpiresAt);
        Assert.Empty(claims.License.Entitlements);
        Assert.Equal(app.Time.GetUtcNow(), claims.IssuedAt);
        Assert.Equal(app.Time.GetUtcNow().AddDays(30), claims.ExpiresAt);
        Assert.Equal(claims.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"), checkout.Str("expires_at"));
        Assert.False(checkout.GetProperty("encrypted").GetBoolean());
        Assert.StartsWith(LicenseFile.BeginLine + "\n", checkout.Str("license_file"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("accept")]
    [InlineData("download")]
    public async Task AskedForTheFileItselfTheCheckOutAnswersTheBareFileReadyToSave(string how)
    {
        using var admin = app.CreateAdminClient();
        var license = await Fixtures.CreateLicenseAsync(admin);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"licenses/{license.Str("id")}/license-file" + (how == "download" ? "?download=true" : ""))
        {
            Content = JsonContent.Create(new { encrypt = true }),
        };
        if (how == "accept")
        {
            request.Headers.Accept.ParseAdd("application/x-licenz-license");
        }

        using var response = await admin.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-licenz-license", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal($"{license.Str("id")}.lic", response.Content.Headers.ContentDisposition!.FileName!.Trim('"'));
        var file = await response.Content.ReadAsStringAsync();
        Assert.StartsWith(LicenseFile.BeginLine + "\n", file, StringComparison.Ordinal);
        Assert.EndsWith(LicenseFile.EndLine + "\n", file, StringComparison.Ordinal);
        var result = Fixtures.VerifyOffline(app, file, await Fixtures.JwksAsync(app), license.Str("key"));
        Assert.True(result.IsValid, result.Message);
    }

    [Fact]
    public async Task AVerifyOnlyKeyChecksOutByPresentingTheLicenseKeyOnly()
    {
        using var admin = app.CreateAdminClient();
        var license = await Fixtures.CreateLicenseAsync(admin);
        var verifyKey = await (await admin.PostJsonAsync("api-keys", new { type = "verify_only", name = "Desktop app" })).DataAsync(HttpStatusCode.Created);
        var readKey = await (await admin.PostJsonAsync("api-keys", new { type = "read_only", name = "Reports" })).DataAsync(HttpStatusCode.Created);
        using var verifier = app.CreateClient(verifyKey.Str("key"));
        using var reader = app.CreateClient(readKey.Str("key"));
        var before = await app.SnapshotDatabaseAsync();

        var byId = await verifier.PostAsync($"licenses/{license.Str("id")}/license-file", null);
        var byReader = await reader.PostAsync($"licenses/{license.Str("key")}/license-file", null);

        await byId.ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await byReader.ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(before, await app.SnapshotDatabaseAsync());

        var byKey = await Fixtures.CheckOutAsync(verifier, license.Str("key").ToLowerInvariant());
        Assert.True(Fixtures.VerifyOffline(app, byKey.Str("license_file"), await Fixtures.JwksAsync(app)).IsValid);
    }

    [Fact]
    public async Task AFileCanBeBoundToAMachineAndEncrypted()
    {
        using var admin = app.CreateAdminClient();
        var license = await Fixtures.CreateLicenseAsync(admin);
        var keys = await Fixtures.JwksAsync(app);
        var fingerprint = MachineFingerprint.FromIdentifier("machine-a", "prod");
        var machine = await (await admin.PostJsonAsync("machines", new { key = license.Str("key"), fingerprint })).DataAsync(HttpStatusCode.Created);

        var bound = await Fixtures.CheckOutAsync(admin, license.Str("id"), new { fingerprint, encrypt = true, ttl = 3600 });
        Assert.Equal(machine.Str("id"), bound.Str("machine_id"));

        Assert.True(bound.GetProperty("encrypted").GetBoolean());
        Assert.Equal(fingerprint, bound.Str("fingerprint"));
        var file = bound.Str("license_file");
        Assert.DoesNotContain(license.Str("key"), file, StringComparison.Ordinal);
        var result = Fixtures.VerifyOffline(app, file, keys, license.Str("key"), fingerprint);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(fingerprint, result.Claims!.License.Fingerprint);
        Assert.Equal(app.Time.GetUtcNow().AddHours(1), result.Claims.ExpiresAt);
        Assert.Equal(LicenseFileCodes.FingerprintMismatch,
            Fixtures.VerifyOffline(app, file, keys, license.Str("key"), MachineFingerprint.FromIdentifier("machine-b", "prod")).Code);
    }

    [Theory]
    [InlineData("""{"ttl":3599}""", "ttl")]
    [InlineData("""{"ttl":31536001}""", "ttl")]
    [InlineData("""{"ttl":"long"}""", "ttl")]
    [InlineData("""{"encrypt":"yes"}""", "encrypt")]
    [InlineData("""{"fingerprint":""}""", "fingerprint")]
    [InlineData("""{"format":"pem"}""", "format")]
    public async Task BadCheckoutOptionsAreRefusedNamingTheField(string body, string field)
    {
        using var admin = app.CreateAdminClient();
        var license = await Fixtures.CreateLicenseAsync(admin);
        var before = await app.SnapshotDatabaseAsync();

        var response = await admin.PostRawAsync($"licenses/{license.Str("id")}/license-file", body);

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal(field, error.Str("field"));
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Theory]
    [InlineData("suspend")]
    [InlineData("revoke")]
    public async Task OnlyAnActiveLicenseGetsAFile(string action)
    {
        using var admin = app.CreateAdminClient();
        var license = await Fixtures.CreateLicenseAsync(admin);
        await (await admin.PostAsync($"licenses/{license.Str("id")}/{action}", null)).DataAsync();

        var response = await admin.PostAsync($"licenses/{license.Str("id")}/license-file", null);

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Contains("active licenses only", error.Str("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherAccountsLicenseIsNotFound()
    {
        using var admin = app.CreateAdminClient();
        var license = await Fixtures.CreateLicenseAsync(admin);
        var (_, otherKey) = await app.CreateAccountAsync("Other vendor");
        using var other = app.CreateClient(otherKey);

        await (await other.PostAsync($"licenses/{license.Str("id")}/license-file", null)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await other.PostAsync($"licenses/{license.Str("key")}/license-file", null)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task ACheckOutCountsAsACheckIn()
    {
        using var admin = app.CreateAdminClient();
        var license = await Fixtures.CreateLicenseAsync(admin);
        app.Time.Advance(TimeSpan.FromMinutes(7));

        await Fixtures.CheckOutAsync(admin, license.Str("id"));
        await app.FlushActivityAsync();

        var reread = await (await admin.GetAsync($"licenses/{license.Str("id")}")).DataAsync();
        Assert.Equal(app.Time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"), reread.Str("last_validated_at"));
    }
}

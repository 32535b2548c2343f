using System.Net;
using System.Net.Http.Headers;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.Signing;

/// <summary>Every answer of <c>POST /licenses/verify</c> is signed (RFC 9421) and digested (RFC 9530).</summary>
public sealed class SignedVerifyResponseTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private const string Nonce = "c2lnbmVkLXJlc3BvbnNl";

    public static TheoryData<string> Cases => ["valid", "not found", "bad body", "missing key", "unknown key", "short base"];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EveryAnswerIsSignedAndVerifiesWithTheJwks(string kind)
    {
        using var admin = app.CreateAdminClient();
        var license = await Fixtures.CreateLicenseAsync(admin);
        var (client, body, status) = kind switch
        {
            "valid" => (admin, new { key = license.Str("key"), nonce = Nonce } as object, HttpStatusCode.OK),
            "not found" => (admin, new { key = LicenseKeyGenerator.Generate(), nonce = Nonce }, HttpStatusCode.OK),
            "bad body" => (admin, new { key = 42 }, HttpStatusCode.BadRequest),
            "missing key" => (app.CreateClient(apiKey: null), new { key = license.Str("key"), nonce = Nonce }, HttpStatusCode.Unauthorized),
            "unknown key" => (app.CreateClient("lz_verify_" + new string('a', 40)), new { key = license.Str("key"), nonce = Nonce }, HttpStatusCode.Unauthorized),
            _ => (app.CreateClient(app.AdminKey, "/v1/"), new { key = license.Str("key"), nonce = Nonce }, HttpStatusCode.OK),
        };

        var response = await client.PostJsonAsync("licenses/verify", body);
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(status, response.StatusCode);
        // Refusals that never reach the endpoint (bad body, no or unknown key) are signed without a nonce:
        // the body was not read. Replaying a refusal gains nothing; only 200 answers carry a verdict.
        var expectedNonce = status == HttpStatusCode.OK ? Nonce : null;
        var result = Verify(response, bytes, expectedNonce, await Fixtures.JwksAsync(app));
        Assert.True(result.IsValid, $"{result.Code}: {result.Message}");
        Assert.Equal(app.Time.GetUtcNow(), result.SignedDate);
        if (expectedNonce is not null && status == HttpStatusCode.OK)
        {
            Assert.Equal(Nonce, (await response.DataAsync()).Str("nonce"));
        }
    }

    [Fact]
    public async Task TheSignatureBindsTheCallersNonceAndTheStatus()
    {
        using var admin = app.CreateAdminClient();
        var license = await Fixtures.CreateLicenseAsync(admin);
        var response = await admin.PostJsonAsync("licenses/verify", new { key = license.Str("key"), nonce = Nonce });
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var keys = await Fixtures.JwksAsync(app);

        Assert.Equal(ResponseSignatureCodes.NonceMismatch, Verify(response, bytes, "another-nonce-123", keys).Code);
        Assert.Equal(ResponseSignatureCodes.BadSignature, Verify(response, bytes, Nonce, keys, status: 201).Code);
        var altered = (byte[])bytes.Clone();
        altered[^3] ^= 1;
        Assert.Equal(ResponseSignatureCodes.DigestMismatch, Verify(response, altered, Nonce, keys).Code);
    }

    [Fact]
    public async Task AnotherAccountsAnswersAreSignedWithThatAccountsKey()
    {
        var (accountId, adminKey) = await app.CreateAccountAsync("Signed elsewhere");
        using var other = app.CreateClient(adminKey);

        var response = await other.PostJsonAsync("licenses/verify", new { key = LicenseKeyGenerator.Generate(), nonce = Nonce });
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.True(Verify(response, bytes, Nonce, await Fixtures.JwksAsync(app, accountId)).IsValid);
        Assert.Equal(ResponseSignatureCodes.UnknownKey, Verify(response, bytes, Nonce, await Fixtures.JwksAsync(app)).Code);
    }

    private static ResponseSignatureResult Verify(HttpResponseMessage response, byte[] body, string? nonce, PublicKeySet keys, int? status = null) =>
        ResponseSignature.Verify(
            status ?? (int)response.StatusCode,
            Raw(response.Headers, "Content-Digest") ?? Raw(response.Content.Headers, "Content-Digest"),
            Raw(response.Headers, "Date"),
            Raw(response.Headers, "Signature-Input"),
            Raw(response.Headers, "Signature"),
            body,
            nonce,
            keys);

    private static string? Raw(HttpHeaders headers, string name) =>
        headers.NonValidated.TryGetValues(name, out var values) ? string.Join(", ", values) : null;
}

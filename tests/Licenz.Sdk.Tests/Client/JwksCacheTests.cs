using System.Text.RegularExpressions;
using Licenz.Sdk.Tests.Infrastructure;

namespace Licenz.Sdk.Tests.Client;

/// <summary>
/// A client without shipped keys keeps the server's JWKS for <see cref="LicenzClientOptions.JwksMaxAge"/> (so a key the
/// server retired stops being trusted), and fetches it for a key it does not know at most once per
/// <see cref="LicenzClientOptions.JwksRefetchCooldown"/> (so responses naming unknown keys cannot make it fetch without end).
/// </summary>
public sealed partial class JwksCacheTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    [Fact]
    public async Task TheJwksIsFetchedAgainOnceOlderThanItsMaxAge()
    {
        var license = await LicenseAsync();
        var interceptor = new Interceptor();
        using var client = app.CreateClient(interceptor, configure: o => o.JwksMaxAge = TimeSpan.FromMinutes(30));

        await client.Licenses.VerifyAsync(license.Key);
        app.Time.Advance(TimeSpan.FromMinutes(29));
        await client.Licenses.VerifyAsync(license.Key);
        Assert.Equal(1, JwksFetches(interceptor));

        app.Time.Advance(TimeSpan.FromMinutes(1));
        var verified = await client.Licenses.VerifyAsync(license.Key);

        Assert.True(verified.IsValid);
        Assert.Equal(2, JwksFetches(interceptor));
    }

    [Fact]
    public async Task ARetiredKeyStopsBeingTrustedWithinTheMaxAge()
    {
        using var admin = app.CreateClient();
        var license = await LicenseAsync();
        var interceptor = new Interceptor();
        using var client = app.CreateClient(interceptor, configure: o => o.JwksMaxAge = TimeSpan.FromMinutes(10));
        var first = await client.Licenses.VerifyAsync(license.Key);
        var oldKeyId = first.SigningKeyId;

        // The old key signs again (a stolen key, a replayed signer): the client trusts it while its JWKS is young, not after.
        await admin.SigningKeys.RotateAsync();
        var retired = (await admin.SigningKeys.ListAsync()).Data.Single(k => k.Id == oldKeyId);
        await admin.SigningKeys.RetireAsync(retired.Id);
        app.Time.Advance(TimeSpan.FromMinutes(10));
        interceptor.OnResponse = async (request, response, _) =>
        {
            if (request.Path != "/api/v1/licenses/verify")
            {
                return response;
            }

            // Whatever the server sent, the client must not accept a response naming the retired key once it refetched.
            var captured = await CapturedResponse.CaptureAsync(response);
            response.Dispose();
            return captured.WithHeader("Signature-Input", KeyId().Replace(captured.Header("Signature-Input"), $"keyid=\"{oldKeyId}\"")).ToMessage();
        };

        var error = await Assert.ThrowsAsync<LicenzException>(() => client.Licenses.VerifyAsync(license.Key));

        Assert.Equal(LicenzErrorCodes.InvalidResponseSignature, error.Code);
        Assert.Contains(ResponseSignatureCodes.UnknownKey, error.Message, StringComparison.Ordinal);
        Assert.Equal(2, JwksFetches(interceptor));
    }

    [Fact]
    public async Task AResponseNamingAnUnknownKeyFetchesTheJwksAtMostOncePerCooldown()
    {
        var license = await LicenseAsync();
        var interceptor = new Interceptor();
        using var client = app.CreateClient(interceptor, configure: o => o.JwksRefetchCooldown = TimeSpan.FromMinutes(1));
        await client.Licenses.VerifyAsync(license.Key);
        interceptor.OnResponse = async (request, response, _) =>
        {
            if (request.Path != "/api/v1/licenses/verify")
            {
                return response;
            }

            var captured = await CapturedResponse.CaptureAsync(response);
            response.Dispose();
            return captured.WithHeader("Signature-Input", KeyId().Replace(captured.Header("Signature-Input"), "keyid=\"a-key-nobody-has\"")).ToMessage();
        };

        for (var i = 0; i < 5; i++)
        {
            var error = await Assert.ThrowsAsync<LicenzException>(() => client.Licenses.VerifyAsync(license.Key));
            Assert.Equal(LicenzErrorCodes.InvalidResponseSignature, error.Code);
        }

        // One fetch at the start, one for the unknown key; the four after it fell within the cooldown.
        Assert.Equal(2, JwksFetches(interceptor));
        app.Time.Advance(TimeSpan.FromMinutes(1));
        await Assert.ThrowsAsync<LicenzException>(() => client.Licenses.VerifyAsync(license.Key));
        Assert.Equal(3, JwksFetches(interceptor));
    }

    [Theory]
    [InlineData(0, 60)]
    [InlineData(-1, 60)]
    [InlineData(3600, -1)]
    public void NonsensicalJwksTimesAreRefusedWhenTheClientIsMade(int maxAgeSeconds, int cooldownSeconds)
    {
        var error = Assert.Throws<ArgumentException>(() => app.CreateClient(configure: o =>
        {
            o.JwksMaxAge = TimeSpan.FromSeconds(maxAgeSeconds);
            o.JwksRefetchCooldown = TimeSpan.FromSeconds(cooldownSeconds);
        }));

        Assert.Contains("JwksMaxAge", error.Message, StringComparison.Ordinal);
    }

    private async Task<LicenseInfo> LicenseAsync()
    {
        using var admin = app.CreateClient();
        var product = await admin.Products.CreateAsync(new ProductCreateOptions { Name = "Keys " + Guid.NewGuid().ToString("N")[..6] });
        return await admin.Licenses.CreateAsync(new LicenseCreateOptions { ProductId = product.Id, Email = "keys@example.com", Type = LicenseTypeNames.Perpetual });
    }

    private static int JwksFetches(Interceptor interceptor) => interceptor.Requests.Count(r => r.Path.EndsWith("/.well-known/jwks.json", StringComparison.Ordinal));

    [GeneratedRegex("keyid=\"[^\"]*\"")]
    private static partial Regex KeyId();
}

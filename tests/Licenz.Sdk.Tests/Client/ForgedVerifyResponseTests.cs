using System.Globalization;
using System.Text;
using Licenz.Sdk.Tests.Infrastructure;

namespace Licenz.Sdk.Tests.Client;

/// <summary>
/// A man in the middle between the application and the server: whatever he changes in a verification response,
/// the client raises <c>invalid_response_signature</c> and never returns the answer.
/// </summary>
public sealed class ForgedVerifyResponseTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    [Theory]
    [InlineData(0)]
    [InlineData(40)]
    [InlineData(-2)]
    public async Task AnAlteredBodyByteIsRejected(int position)
    {
        var error = await ForgedAsync(suspended: false, (_, response) =>
        {
            var body = response.Body.ToArray();
            var index = position >= 0 ? position : body.Length + position;
            body[index] ^= 0x01;
            return response with { Body = body };
        });

        Assert.Contains(ResponseSignatureCodes.DigestMismatch, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASuspendedLicenseForgedValidWithAMatchingDigestIsRejected()
    {
        var error = await ForgedAsync(suspended: true, (_, response) =>
        {
            var text = Encoding.UTF8.GetString(response.Body);
            Assert.Contains("\"valid\":false", text, StringComparison.Ordinal);
            var body = Encoding.UTF8.GetBytes(text
                .Replace("\"valid\":false", "\"valid\":true", StringComparison.Ordinal)
                .Replace("\"SUSPENDED\"", "\"VALID\"", StringComparison.Ordinal)
                .Replace("\"suspended\"", "\"active\"", StringComparison.Ordinal));
            return (response with { Body = body }).WithHeader("Content-Digest", ResponseSignature.ContentDigest(body));
        });

        Assert.Contains(ResponseSignatureCodes.BadSignature, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAlteredStatusIsRejected()
    {
        var error = await ForgedAsync(suspended: false, (_, response) => response with { Status = 201 });

        Assert.Contains(ResponseSignatureCodes.BadSignature, error.Message, StringComparison.Ordinal);
        Assert.Equal(201, error.Status);
    }

    [Fact]
    public async Task AnAlteredDateIsRejected()
    {
        var error = await ForgedAsync(suspended: false, (_, response) =>
        {
            var date = DateTimeOffset.ParseExact(response.Header("Date"), "r", CultureInfo.InvariantCulture);
            return response.WithHeader("Date", ResponseSignature.HttpDate(date.AddDays(30)));
        });

        Assert.Contains(ResponseSignatureCodes.BadSignature, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Signature")]
    [InlineData("Signature-Input")]
    [InlineData("Content-Digest")]
    [InlineData("Date")]
    public async Task AResponseWithoutItsSignatureHeadersIsRejected(string header)
    {
        var error = await ForgedAsync(suspended: false, (_, response) => response.WithHeader(header, null));

        Assert.Contains(ResponseSignatureCodes.Unsigned, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AResponseReplayedToAnotherRequestIsRejected()
    {
        CapturedResponse? recorded = null;
        using var admin = app.CreateClient();
        var license = await LicenseAsync(admin, suspended: false);
        using var interceptor = new Interceptor
        {
            OnResponse = async (request, response, _) =>
            {
                if (request.Path != "/api/v1/licenses/verify")
                {
                    return response;
                }

                if (recorded is null)
                {
                    recorded = await CapturedResponse.CaptureAsync(response);
                    return recorded.ToMessage();
                }

                response.Dispose();
                return recorded.ToMessage();
            },
        };
        using var client = app.CreateClient(interceptor);

        var genuine = await client.Licenses.VerifyAsync(license.Key);
        var error = await Assert.ThrowsAsync<LicenzException>(() => client.Licenses.VerifyAsync(license.Key));

        Assert.True(genuine.IsValid);
        Assert.Equal(LicenzErrorCodes.InvalidResponseSignature, error.Code);
        Assert.Contains(ResponseSignatureCodes.NonceMismatch, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheNonceEchoedInTheBodyMustBeTheOneSent()
    {
        // A key the client trusts signs an old body under the new request's nonce: the headers hold, the body does not.
        using var trusted = SigningKey.Generate();
        using var admin = app.CreateClient();
        var license = await LicenseAsync(admin, suspended: false);
        CapturedResponse? old = null;
        var replay = false;
        using var interceptor = new Interceptor
        {
            OnResponse = async (request, response, _) =>
            {
                if (request.Path != "/api/v1/licenses/verify")
                {
                    return response;
                }

                var current = await CapturedResponse.CaptureAsync(response);
                response.Dispose();
                old ??= current;
                var body = replay ? old.Body : current.Body;
                var digest = ResponseSignature.ContentDigest(body);
                var date = current.Header("Date");
                var (input, signature) = ResponseSigner.Sign(current.Status, digest, date, request.Field("nonce"), app.Time.GetUtcNow(), trusted);
                return (current with { Body = body })
                    .WithHeader("Content-Digest", digest)
                    .WithHeader("Signature-Input", input)
                    .WithHeader("Signature", signature)
                    .ToMessage();
            },
        };
        using var client = app.CreateClient(interceptor, configure: o => o.VerificationKeys = PublicKeySet.FromKeys(trusted.ToJsonWebKey()));

        var resigned = await client.Licenses.VerifyAsync(license.Key);
        Assert.Equal(trusted.KeyId, resigned.SigningKeyId);

        replay = true;
        var error = await Assert.ThrowsAsync<LicenzException>(() => client.Licenses.VerifyAsync(license.Key));
        Assert.Equal(LicenzErrorCodes.InvalidResponseSignature, error.Code);
        Assert.Contains(ResponseSignatureCodes.NonceMismatch, error.Message, StringComparison.Ordinal);
        Assert.Contains("body", error.Message, StringComparison.Ordinal);
    }

    private async Task<LicenzException> ForgedAsync(bool suspended, Func<RecordedRequest, CapturedResponse, CapturedResponse> forge)
    {
        using var admin = app.CreateClient();
        var license = await LicenseAsync(admin, suspended);
        var forged = 0;
        using var interceptor = new Interceptor
        {
            OnResponse = async (request, response, _) =>
            {
                if (request.Path != "/api/v1/licenses/verify")
                {
                    return response;
                }

                var captured = await CapturedResponse.CaptureAsync(response);
                response.Dispose();
                Interlocked.Increment(ref forged);
                return forge(request, captured).ToMessage();
            },
        };
        using var client = app.CreateClient(interceptor);

        var error = await Assert.ThrowsAsync<LicenzException>(() => client.Licenses.VerifyAsync(license.Key));

        Assert.Equal(1, forged);
        Assert.Equal(LicenzErrorCodes.InvalidResponseSignature, error.Code);
        Assert.Contains("was not trusted", error.Message, StringComparison.Ordinal);
        return error;
    }

    private static async Task<LicenseInfo> LicenseAsync(LicenzClient admin, bool suspended)
    {
        var product = await admin.Products.CreateAsync(new ProductCreateOptions { Name = "Forged " + Guid.NewGuid().ToString("N")[..8] });
        var license = await admin.Licenses.CreateAsync(new LicenseCreateOptions { ProductId = product.Id, Email = "mitm@example.com", Type = LicenseTypeNames.Perpetual });
        return suspended ? await admin.Licenses.SuspendAsync(license.Id) : license;
    }
}

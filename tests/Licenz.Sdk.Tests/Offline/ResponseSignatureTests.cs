using System.Text;

namespace Licenz.Sdk.Tests.Offline;

/// <summary>RFC 9421 response signatures: what the server signs verifies; any alteration or replay does not.</summary>
public sealed class ResponseSignatureTests
{
    private const string Nonce = "q5Xb0xg2Jk1m-nonce";
    private static readonly DateTimeOffset Created = TestLicenses.IssuedAt;
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"data":{"valid":true,"code":"VALID","nonce":"q5Xb0xg2Jk1m-nonce"}}""");

    private static (string Digest, string Date, string Input, string Signature) Signed(SigningKey key, int status = 200, string? nonce = Nonce)
    {
        var digest = ResponseSignature.ContentDigest(Body);
        var date = ResponseSignature.HttpDate(Created);
        var (input, signature) = ResponseSigner.Sign(status, digest, date, nonce, Created, key);
        return (digest, date, input, signature);
    }

    [Fact]
    public void ASignedResponseVerifiesWithTheJwksAlone()
    {
        using var key = TestLicenses.SigningKey();
        var (digest, date, input, signature) = Signed(key);

        var result = ResponseSignature.Verify(200, digest, date, input, signature, Body, Nonce, TestLicenses.Keys(key));

        Assert.True(result.IsValid, result.Message);
        Assert.Equal(key.KeyId, result.KeyId);
        Assert.Equal(Created, result.SignedDate);
        Assert.Equal("Thu, 15 Jan 2026 10:30:00 GMT", date);
        Assert.Equal($"licenz=(\"@status\" \"content-digest\" \"date\");created=1768473000;keyid=\"{key.KeyId}\";alg=\"ed25519\";nonce=\"{Nonce}\"", input);
    }

    [Fact]
    public void TheSignatureBaseIsTheOneRfc9421Describes()
    {
        var parameters = "(\"@status\" \"content-digest\" \"date\");created=1;keyid=\"k\";alg=\"ed25519\"";
        Assert.Equal(
            "\"@status\": 200\n\"content-digest\": sha-256=:X:\n\"date\": D\n\"@signature-params\": " + parameters,
            ResponseSignature.SignatureBase(200, "sha-256=:X:", "D", parameters));
    }

    [Fact]
    public void AnAlteredBodyFailsTheDigest()
    {
        using var key = TestLicenses.SigningKey();
        var (digest, date, input, signature) = Signed(key);
        var altered = Encoding.UTF8.GetBytes("""{"data":{"valid":true,"code":"VALID","nonce":"q5Xb0xg2Jk1m-nonce"} }""");

        Assert.Equal(ResponseSignatureCodes.DigestMismatch,
            ResponseSignature.Verify(200, digest, date, input, signature, altered, Nonce, TestLicenses.Keys(key)).Code);
    }

    [Fact]
    public void ABodyAndDigestReplacedTogetherFailTheSignature()
    {
        using var key = TestLicenses.SigningKey();
        var (_, date, input, signature) = Signed(key);
        var forged = Encoding.UTF8.GetBytes("""{"data":{"valid":true,"code":"VALID","nonce":"other"}}""");

        Assert.Equal(ResponseSignatureCodes.BadSignature,
            ResponseSignature.Verify(200, ResponseSignature.ContentDigest(forged), date, input, signature, forged, Nonce, TestLicenses.Keys(key)).Code);
    }

    [Theory]
    [InlineData(201)]
    [InlineData(400)]
    [InlineData(500)]
    public void AnAlteredStatusFailsTheSignature(int status)
    {
        using var key = TestLicenses.SigningKey();
        var (digest, date, input, signature) = Signed(key);

        Assert.Equal(ResponseSignatureCodes.BadSignature,
            ResponseSignature.Verify(status, digest, date, input, signature, Body, Nonce, TestLicenses.Keys(key)).Code);
    }

    [Fact]
    public void AnAlteredDateFailsTheSignature()
    {
        using var key = TestLicenses.SigningKey();
        var (digest, _, input, signature) = Signed(key);

        Assert.Equal(ResponseSignatureCodes.BadSignature,
            ResponseSignature.Verify(200, digest, "Fri, 16 Jan 2026 10:30:00 GMT", input, signature, Body, Nonce, TestLicenses.Keys(key)).Code);
    }

    [Fact]
    public void AReplayedResponseToAnotherNonceIsRefused()
    {
        using var key = TestLicenses.SigningKey();
        var (digest, date, input, signature) = Signed(key);

        Assert.Equal(ResponseSignatureCodes.NonceMismatch,
            ResponseSignature.Verify(200, digest, date, input, signature, Body, "a-fresh-nonce-0001", TestLicenses.Keys(key)).Code);
    }

    [Fact]
    public void ANonceRemovedFromTheParametersFailsTheSignature()
    {
        using var key = TestLicenses.SigningKey();
        var (digest, date, input, signature) = Signed(key);
        var stripped = input.Replace($";nonce=\"{Nonce}\"", "", StringComparison.Ordinal);

        Assert.Equal(ResponseSignatureCodes.BadSignature,
            ResponseSignature.Verify(200, digest, date, stripped, signature, Body, null, TestLicenses.Keys(key)).Code);
    }

    [Fact]
    public void ASignatureByAnUntrustedKeyIsRefused()
    {
        using var key = TestLicenses.SigningKey();
        using var stranger = SigningKey.Generate();
        var (digest, date, input, signature) = Signed(stranger);

        Assert.Equal(ResponseSignatureCodes.UnknownKey,
            ResponseSignature.Verify(200, digest, date, input, signature, Body, Nonce, TestLicenses.Keys(key)).Code);
    }

    [Fact]
    public void AnUnsignedResponseIsRefused()
    {
        using var key = TestLicenses.SigningKey();
        Assert.Equal(ResponseSignatureCodes.Unsigned,
            ResponseSignature.Verify(200, null, null, null, null, Body, Nonce, TestLicenses.Keys(key)).Code);
    }

    [Theory]
    [InlineData("licenz=(\"@status\" \"date\");keyid=\"k\"")]
    [InlineData("licenz=(\"@status\" \"content-digest\" \"date\");alg=\"ed25519\"")]
    [InlineData("licenz=(\"@status\" \"content-digest\" \"date\");keyid=\"k\";alg=\"rsa-pss-sha512\"")]
    [InlineData("other=(\"@status\" \"content-digest\" \"date\");keyid=\"k\"")]
    [InlineData("licenz=(\"@status\" \"content-digest\" \"date\"")]
    [InlineData("licenz=(@status content-digest date)")]
    [InlineData("")]
    [InlineData("\u0000\u00ff")]
    public void MalformedSignatureInputIsReportedNotThrown(string input)
    {
        using var key = TestLicenses.SigningKey();
        var (digest, date, _, signature) = Signed(key);

        var result = ResponseSignature.Verify(200, digest, date, input, signature, Body, Nonce, TestLicenses.Keys(key));

        Assert.Equal(ResponseSignatureCodes.Malformed, result.Code);
    }

    [Fact]
    public void ExtraSignaturesFromIntermediariesDoNotStopTheCheck()
    {
        using var key = TestLicenses.SigningKey();
        var (digest, date, input, signature) = Signed(key);

        var result = ResponseSignature.Verify(200, digest, date,
            "proxy=(\"@status\");keyid=\"p\", " + input, "proxy=:AAAA:, " + signature, Body, Nonce, TestLicenses.Keys(key));

        Assert.True(result.IsValid, result.Message);
    }

    [Theory]
    [InlineData("quote\"and\\backslash", "\"quote\\\"and\\\\backslash\"")]
    [InlineData("~ !#$%&'()*+,-./:;<=>?@[]^_`{|}", "\"~ !#$%&'()*+,-./:;<=>?@[]^_`{|}\"")]
    public void NoncesAreQuotedAndEscapedAsStructuredFieldStrings(string nonce, string quoted)
    {
        using var key = TestLicenses.SigningKey();
        var (digest, date, input, signature) = Signed(key, nonce: nonce);

        Assert.EndsWith($";nonce={quoted}", input);
        Assert.True(ResponseSignature.Verify(200, digest, date, input, signature, Body, nonce, TestLicenses.Keys(key)).IsValid);
    }

    [Fact]
    public void ALongNonceIsSignedWhole()
    {
        using var key = TestLicenses.SigningKey();
        var nonce = new string('n', 1000) + "\"";
        var (digest, date, input, signature) = Signed(key, nonce: nonce);

        Assert.EndsWith($";nonce=\"{new string('n', 1000)}\\\"\"", input);
        Assert.True(ResponseSignature.Verify(200, digest, date, input, signature, Body, nonce, TestLicenses.Keys(key)).IsValid);
    }

    [Fact]
    public void ANonceOutsidePrintableAsciiCannotBeSigned()
    {
        using var key = TestLicenses.SigningKey();

        Assert.Throws<ArgumentException>(() => Signed(key, nonce: "caf\u00e9"));
    }

    [Fact]
    public void TheContentDigestIsSha256InBase64()
    {
        Assert.Equal("sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:", ResponseSignature.ContentDigest([]));
    }
}

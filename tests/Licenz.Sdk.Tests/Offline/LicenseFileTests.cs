using System.Text;
using Licenz.Tests.Shared;

namespace Licenz.Sdk.Tests.Offline;

/// <summary>Offline verification of license files: every outcome code, and that nothing malformed throws.</summary>
public sealed class LicenseFileTests
{
    private static readonly DateTimeOffset Now = TestLicenses.IssuedAt.AddDays(1);

    [Fact]
    public void AFileSignedByATrustedKeyIsValidAndCarriesItsClaims()
    {
        using var key = TestLicenses.SigningKey();
        var file = LicenseFileIssuer.Issue(TestLicenses.Claims(), key);

        var result = LicenseFile.Verify(file, TestLicenses.Keys(key), TestLicenses.Options(Now));

        Assert.True(result.IsValid, result.Message);
        Assert.Equal(LicenseFileCodes.Valid, result.Code);
        var claims = Assert.IsType<LicenseFileClaims>(result.Claims);
        Assert.Equal("acct_test", claims.Issuer);
        Assert.Equal("lic_test", claims.LicenseId);
        Assert.Equal(TestLicenses.Key, claims.License.Key);
        Assert.Equal("prod_test", claims.License.ProductId);
        Assert.Equal("pro", claims.License.Metadata.GetProperty("plan").GetString());
        Assert.Equal(TestLicenses.IssuedAt.AddDays(30), claims.ExpiresAt);
        Assert.Null(claims.License.Fingerprint);
    }

    [Fact]
    public void TheFileIsArmoredInLinesOfSixtyFourCharacters()
    {
        using var key = TestLicenses.SigningKey();
        var lines = LicenseFileIssuer.Issue(TestLicenses.Claims(), key).Split('\n');

        Assert.Equal(LicenseFile.BeginLine, lines[0]);
        Assert.Equal(LicenseFile.EndLine, lines[^2]);
        Assert.Equal("", lines[^1]);
        Assert.All(lines[1..^3], line => Assert.Equal(64, line.Length));
        Assert.InRange(lines[^3].Length, 1, 64);
    }

    [Fact]
    public void AnEncryptedFileOpensOnlyWithItsLicenseKey()
    {
        using var key = TestLicenses.SigningKey();
        var file = LicenseFileIssuer.Issue(TestLicenses.Claims(), key, encrypt: true);
        var keys = TestLicenses.Keys(key);

        Assert.Equal(5, LicenseFileText.Token(file).Split('.').Length);
        Assert.True(LicenseFile.Verify(file, keys, TestLicenses.Options(Now)).IsValid);
        Assert.True(LicenseFile.Verify(file, keys, TestLicenses.Options(Now, licenseKey: "lic testv ect0r 0001h")).IsValid);
        Assert.Equal(LicenseFileCodes.LicenseKeyRequired, LicenseFile.Verify(file, keys, TestLicenses.Options(Now, licenseKey: null)).Code);
        Assert.Equal(LicenseFileCodes.DecryptionFailed, LicenseFile.Verify(file, keys, TestLicenses.Options(Now, licenseKey: LicenseKeyGenerator.Generate())).Code);
        Assert.DoesNotContain("prod_test", Encoding.ASCII.GetString(Convert.FromBase64String(ToBase64(LicenseFileText.Token(file).Split('.')[3]))));
    }

    [Fact]
    public void ABoundFileIsValidOnlyOnItsMachine()
    {
        using var key = TestLicenses.SigningKey();
        var keys = TestLicenses.Keys(key);
        var plain = LicenseFileIssuer.Issue(TestLicenses.Claims(fingerprint: TestLicenses.Fingerprint), key);
        var encrypted = LicenseFileIssuer.Issue(TestLicenses.Claims(fingerprint: TestLicenses.Fingerprint), key, encrypt: true);
        var other = MachineFingerprint.FromIdentifier("another-machine");

        foreach (var file in new[] { plain, encrypted })
        {
            Assert.True(LicenseFile.Verify(file, keys, TestLicenses.Options(Now, fingerprint: TestLicenses.Fingerprint)).IsValid);
            Assert.Equal(LicenseFileCodes.FingerprintMismatch, LicenseFile.Verify(file, keys, TestLicenses.Options(Now, fingerprint: other)).Code);
            Assert.Equal(LicenseFileCodes.FingerprintRequired, LicenseFile.Verify(file, keys, TestLicenses.Options(Now, fingerprint: null)).Code);
        }
    }

    [Fact]
    public void EachReasonAnEncryptedFileCannotBeOpenedHasItsOwnCode()
    {
        using var key = TestLicenses.SigningKey();
        var keys = TestLicenses.Keys(key);
        var unbound = LicenseFileIssuer.Issue(TestLicenses.Claims(), key, encrypt: true);
        var bound = LicenseFileIssuer.Issue(TestLicenses.Claims(fingerprint: TestLicenses.Fingerprint), key, encrypt: true);

        LicenseFileResult Verify(string file, string? licenseKey, string? fingerprint) =>
            LicenseFile.Verify(file, keys, TestLicenses.Options(Now, licenseKey, fingerprint));

        // Checked without the license key: the key is missing, nothing else.
        Assert.Equal(LicenseFileCodes.LicenseKeyRequired, Verify(unbound, null, null).Code);
        Assert.Equal(LicenseFileCodes.LicenseKeyRequired, Verify(bound, null, TestLicenses.Fingerprint).Code);
        Assert.Equal(LicenseFileCodes.LicenseKeyRequired, Verify(bound, "not a key", TestLicenses.Fingerprint).Code);
        // A machine's file checked without a fingerprint.
        Assert.Equal(LicenseFileCodes.FingerprintRequired, Verify(bound, TestLicenses.Key, null).Code);
        // Opened by neither key: another license's key, or another machine's; told apart by the header's check values.
        var otherKey = LicenseKeyGenerator.Generate();
        Assert.Equal(LicenseFileCodes.DecryptionFailed, Verify(unbound, otherKey, null).Code);
        Assert.Equal(LicenseFileCodes.DecryptionFailed, Verify(bound, otherKey, TestLicenses.Fingerprint).Code);
        Assert.Equal(LicenseFileCodes.DecryptionFailed, Verify(bound, otherKey, MachineFingerprint.FromIdentifier("another-machine")).Code);
        Assert.Equal(LicenseFileCodes.FingerprintMismatch, Verify(bound, TestLicenses.Key, MachineFingerprint.FromIdentifier("another-machine")).Code);
        Assert.True(Verify(bound, TestLicenses.Key, TestLicenses.Fingerprint).IsValid);

        // Damaged: the right key and machine, a changed byte of the ciphertext.
        foreach (var file in new[] { unbound, bound })
        {
            var damaged = LicenseFileText.ChangeCharacter(file, 3, 9);
            var result = Verify(damaged, TestLicenses.Key, TestLicenses.Fingerprint);
            Assert.Equal(LicenseFileCodes.Malformed, result.Code);
            Assert.Contains("damaged", result.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \n\r\n")]
    public void NoTextIsNoLicenseFileNotAMalformedOne(string? text)
    {
        using var key = TestLicenses.SigningKey();

        var result = LicenseFile.Verify(text, TestLicenses.Keys(key), TestLicenses.Options(Now));

        Assert.Equal(LicenseFileCodes.NoLicenseFile, result.Code);
        Assert.Contains("no license file", result.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void AFileSignedByAKeyOutsideTheTrustedSetIsUnknownKey()
    {
        using var key = TestLicenses.SigningKey();
        using var stranger = SigningKey.Generate();
        var file = LicenseFileIssuer.Issue(TestLicenses.Claims(), stranger);

        var result = LicenseFile.Verify(file, TestLicenses.Keys(key), TestLicenses.Options(Now));

        Assert.Equal(LicenseFileCodes.UnknownKey, result.Code);
        Assert.Null(result.Claims);
    }

    [Fact]
    public void AFileSignedByAnotherKeyUnderATrustedKidIsABadSignature()
    {
        using var key = TestLicenses.SigningKey();
        using var impostor = SigningKey.Generate();
        var keys = PublicKeySet.FromKeys(new JsonWebKey(key.KeyId, impostor.PublicKey));

        var result = LicenseFile.Verify(LicenseFileIssuer.Issue(TestLicenses.Claims(), key), keys, TestLicenses.Options(Now));

        Assert.Equal(LicenseFileCodes.BadSignature, result.Code);
    }

    [Fact]
    public void AFilePastItsTimeToLiveHasExpired()
    {
        using var key = TestLicenses.SigningKey();
        var file = LicenseFileIssuer.Issue(TestLicenses.Claims(ttl: TimeSpan.FromDays(7)), key);
        var keys = TestLicenses.Keys(key);

        Assert.True(LicenseFile.Verify(file, keys, TestLicenses.Options(TestLicenses.IssuedAt.AddDays(7).AddSeconds(-1))).IsValid);
        var expired = LicenseFile.Verify(file, keys, TestLicenses.Options(TestLicenses.IssuedAt.AddDays(7).AddMinutes(3)));
        Assert.Equal(LicenseFileCodes.FileExpired, expired.Code);
        Assert.NotNull(expired.Claims);
    }

    [Fact]
    public void ALicensePastItsOwnExpiryHasExpiredEvenInsideTheFilesTimeToLive()
    {
        using var key = TestLicenses.SigningKey();
        var file = LicenseFileIssuer.Issue(TestLicenses.Claims(licenseExpiresAt: TestLicenses.IssuedAt.AddDays(2)), key);

        var result = LicenseFile.Verify(file, TestLicenses.Keys(key), TestLicenses.Options(TestLicenses.IssuedAt.AddDays(3)));

        Assert.Equal(LicenseFileCodes.Expired, result.Code);
    }

    [Fact]
    public void APerpetualLicenseNeverExpiresButItsFileDoes()
    {
        using var key = TestLicenses.SigningKey();
        var claims = TestLicenses.Claims(type: "perpetual") with { };
        claims = claims with { License = claims.License with { ExpiresAt = null } };
        var file = LicenseFileIssuer.Issue(claims, key);
        var keys = TestLicenses.Keys(key);

        Assert.True(LicenseFile.Verify(file, keys, TestLicenses.Options(Now)).IsValid);
        Assert.Equal(LicenseFileCodes.FileExpired, LicenseFile.Verify(file, keys, TestLicenses.Options(TestLicenses.IssuedAt.AddYears(5))).Code);
    }

    [Fact]
    public void AFileIssuedAfterTheCurrentTimeIsNotYetValid()
    {
        using var key = TestLicenses.SigningKey();
        var file = LicenseFileIssuer.Issue(TestLicenses.Claims(), key);

        var result = LicenseFile.Verify(file, TestLicenses.Keys(key), TestLicenses.Options(TestLicenses.IssuedAt.AddHours(-1)));

        Assert.Equal(LicenseFileCodes.NotYetValid, result.Code);
    }

    [Fact]
    public void AClockSetBackBehindATrustedTimeIsReported()
    {
        using var key = TestLicenses.SigningKey();
        var keys = TestLicenses.Keys(key);
        var clock = TrustedClock.InMemory();
        var older = LicenseFileIssuer.Issue(TestLicenses.Claims(), key);
        var newer = LicenseFileIssuer.Issue(TestLicenses.Claims(issuedAt: TestLicenses.IssuedAt.AddDays(10)), key);

        // Checking the newer file teaches the application that day 10 has come.
        Assert.True(LicenseFile.Verify(newer, keys, TestLicenses.Options(TestLicenses.IssuedAt.AddDays(10).AddHours(1), clock: clock)).IsValid);

        // The older file is still within its time to live, but the clock now says day 2: it was set back.
        var result = LicenseFile.Verify(older, keys, TestLicenses.Options(TestLicenses.IssuedAt.AddDays(2), clock: clock));
        Assert.Equal(LicenseFileCodes.ClockTampered, result.Code);

        // Within the tolerance it is skew, not tampering.
        Assert.True(LicenseFile.Verify(older, keys, TestLicenses.Options(TestLicenses.IssuedAt.AddDays(10).AddMinutes(-5), clock: clock)).IsValid);
    }

    [Fact]
    public void TheTrustedTimeSurvivesARestartInItsFile()
    {
        var folder = Path.Combine(Path.GetTempPath(), "licenz-clock-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var key = TestLicenses.SigningKey();
            var keys = TestLicenses.Keys(key);
            var newer = LicenseFileIssuer.Issue(TestLicenses.Claims(issuedAt: TestLicenses.IssuedAt.AddDays(10)), key);
            Assert.True(LicenseFile.Verify(newer, keys, TestLicenses.Options(TestLicenses.IssuedAt.AddDays(11), clock: TrustedClock.InFolder(folder))).IsValid);

            // A new process: a new store over the same folder.
            var older = LicenseFileIssuer.Issue(TestLicenses.Claims(), key);
            var result = LicenseFile.Verify(older, keys, TestLicenses.Options(TestLicenses.IssuedAt.AddDays(1), clock: TrustedClock.InFolder(folder)));

            Assert.Equal(LicenseFileCodes.ClockTampered, result.Code);
            Assert.Equal(TestLicenses.IssuedAt.AddDays(10), TrustedClock.InFolder(folder).Read("acct_test"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void AnUnwritableClockFolderNeverStopsVerification()
    {
        var blocker = Path.GetTempFileName();
        try
        {
            using var key = TestLicenses.SigningKey();
            var clock = TrustedClock.InFolder(Path.Combine(blocker, "cannot-be-a-folder"));
            var result = LicenseFile.Verify(LicenseFileIssuer.Issue(TestLicenses.Claims(), key), TestLicenses.Keys(key), TestLicenses.Options(Now, clock: clock));

            Assert.True(result.IsValid);
            // Kept for this process, written nowhere: another process (a new store on the same folder) knows nothing.
            Assert.Equal(TestLicenses.IssuedAt, clock.Read("acct_test"));
            Assert.Null(TrustedClock.InFolder(Path.Combine(blocker, "cannot-be-a-folder")).Read("acct_test"));
        }
        finally
        {
            File.Delete(blocker);
        }
    }

    [Theory]
    [InlineData("suspended", LicenseFileCodes.Suspended)]
    [InlineData("revoked", LicenseFileCodes.Revoked)]
    public void ALicenseThatWasNotActiveWhenIssuedIsNotValid(string status, string code)
    {
        using var key = TestLicenses.SigningKey();
        var file = LicenseFileIssuer.Issue(TestLicenses.Claims(status: status), key);

        Assert.Equal(code, LicenseFile.Verify(file, TestLicenses.Keys(key), TestLicenses.Options(Now)).Code);
    }

    [Fact]
    public void AFileForAnotherProductIssuerOrKeyIsRefusedWhenTheApplicationSaysWhatItExpects()
    {
        using var key = TestLicenses.SigningKey();
        var file = LicenseFileIssuer.Issue(TestLicenses.Claims(), key);
        var keys = TestLicenses.Keys(key);
        LicenseFileOptions With(string? product = null, string? issuer = null, string? licenseKey = TestLicenses.Key) => new()
        {
            Time = new TestLicenses.FixedTime(Now),
            ProductId = product,
            Issuer = issuer,
            LicenseKey = licenseKey,
            TrustedClock = TrustedClock.InMemory(),
        };

        Assert.True(LicenseFile.Verify(file, keys, With("prod_test", "acct_test")).IsValid);
        Assert.Equal(LicenseFileCodes.ProductMismatch, LicenseFile.Verify(file, keys, With(product: "prod_other")).Code);
        Assert.Equal(LicenseFileCodes.IssuerMismatch, LicenseFile.Verify(file, keys, With(issuer: "acct_other")).Code);
        Assert.Equal(LicenseFileCodes.LicenseKeyMismatch, LicenseFile.Verify(file, keys, With(licenseKey: LicenseKeyGenerator.Generate())).Code);
        Assert.Equal(LicenseFileCodes.LicenseKeyMismatch, LicenseFile.Verify(file, keys, With(licenseKey: "not a key")).Code);
    }

    public static TheoryData<string> SavedTheOrdinaryWays =>
    [
        "no final line end",
        "a second final line end (jq -r)",
        "blank lines before",
        "spaces around",
        "CRLF",
        "CRLF, blank lines and spaces",
        "indented as pasted from an email",
        "tabs",
        "a blank line between two lines",
    ];

    [Theory]
    [MemberData(nameof(SavedTheOrdinaryWays))]
    public void AFileSavedTheOrdinaryWaysVerifies(string how)
    {
        using var key = TestLicenses.SigningKey();
        var file = LicenseFileIssuer.Issue(TestLicenses.Claims(), key, encrypt: how.Contains("CRLF", StringComparison.Ordinal));
        string Lines(Func<string, string> line, string end = "\n") => string.Join(end, file.TrimEnd('\n').Split('\n').Select(line)) + end;
        var saved = how switch
        {
            "no final line end" => file.TrimEnd('\n'),
            "a second final line end (jq -r)" => file + "\n",
            "blank lines before" => "\n\n" + file,
            "spaces around" => "  " + file + "  ",
            "CRLF" => file.Replace("\n", "\r\n", StringComparison.Ordinal),
            "CRLF, blank lines and spaces" => "\r\n \r\n" + Lines(line => " " + line + " ", "\r\n") + "\r\n\r\n",
            "indented as pasted from an email" => Lines(line => "    " + line),
            "tabs" => Lines(line => "\t" + line + "\t"),
            "a blank line between two lines" => file.Replace(LicenseFile.BeginLine + "\n", LicenseFile.BeginLine + "\n\n", StringComparison.Ordinal),
            _ => throw new ArgumentOutOfRangeException(nameof(how)),
        };

        var result = LicenseFile.Verify(saved, TestLicenses.Keys(key), TestLicenses.Options(Now));

        Assert.True(result.IsValid, $"{how}: {result.Code} {result.Message}");
    }

    public static TheoryData<string> NotTheArmor =>
    [
        "a line of text before",
        "a line of text after",
        "a space inside a line",
        "a vertical tab around a line",
        "two short lines",
        "a long line",
        "the END line twice",
        "no END line",
    ];

    [Theory]
    [MemberData(nameof(NotTheArmor))]
    public void AnythingBesidesWhitespaceAroundTheArmorsLinesIsMalformed(string what)
    {
        using var key = TestLicenses.SigningKey();
        var file = LicenseFileIssuer.Issue(TestLicenses.Claims(), key);
        var lines = file.TrimEnd('\n').Split('\n');
        var altered = what switch
        {
            "a line of text before" => "Your license:\n" + file,
            "a line of text after" => file + "Thank you\n",
            "a space inside a line" => file.Replace(lines[1], lines[1][..10] + " " + lines[1][10..], StringComparison.Ordinal),
            "a vertical tab around a line" => file.Replace(lines[1], "\v" + lines[1], StringComparison.Ordinal),
            "two short lines" => file.Replace(lines[1], lines[1][..32] + "\n" + lines[1][32..], StringComparison.Ordinal),
            "a long line" => file.Replace(lines[1] + "\n" + lines[2], lines[1] + lines[2], StringComparison.Ordinal),
            "the END line twice" => file + LicenseFile.EndLine + "\n",
            "no END line" => file.Replace(LicenseFile.EndLine, "", StringComparison.Ordinal),
            _ => throw new ArgumentOutOfRangeException(nameof(what)),
        };

        Assert.Equal(LicenseFileCodes.Malformed, LicenseFile.Verify(altered, TestLicenses.Keys(key), TestLicenses.Options(Now)).Code);
    }

    [Theory]
    [InlineData("-----BEGIN LICENZ LICENSE-----\n-----END LICENZ LICENSE-----\n")]
    [InlineData("-----BEGIN LICENZ LICENSE-----\n....\n-----END LICENZ LICENSE-----\n")]
    [InlineData("-----BEGIN LICENZ LICENSE-----\neyJhbGciOiJub25lIn0.eyJ9.\n-----END LICENZ LICENSE-----\n")]
    [InlineData("-----BEGIN LICENZ LICENSE-----\na.b.c.d.e\n-----END LICENZ LICENSE-----\n")]
    [InlineData("eyJhbGciOiJFZERTQSJ9.e30.AAAA")]
    [InlineData("\0\0\0\ud800")]
    public void MalformedInputIsReportedNotThrown(string? text)
    {
        using var key = TestLicenses.SigningKey();

        var result = LicenseFile.Verify(text, TestLicenses.Keys(key), TestLicenses.Options(Now));

        Assert.False(result.IsValid);
        Assert.Contains(result.Code, new[] { LicenseFileCodes.Malformed, LicenseFileCodes.DecryptionFailed });
        Assert.Null(result.Claims);
    }

    [Fact]
    public void ATokenSignedWithAlgNoneOrAnotherTypeIsMalformed()
    {
        using var key = TestLicenses.SigningKey();
        var token = LicenseFileText.Token(LicenseFileIssuer.Issue(TestLicenses.Claims(), key));
        var parts = token.Split('.');
        string Header(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        foreach (var header in new[]
                 {
                     $$"""{"alg":"none","typ":"licenz-license+jwt","kid":"{{key.KeyId}}"}""",
                     $$"""{"alg":"EdDSA","typ":"JWT","kid":"{{key.KeyId}}"}""",
                     $$"""{"alg":"EdDSA","typ":"licenz-license+jwt","kid":"{{key.KeyId}}","crit":["exp"]}""",
                     """{"alg":"EdDSA","typ":"licenz-license+jwt"}""",
                 })
        {
            var forged = LicenseFileText.Armor($"{Header(header)}.{parts[1]}.{parts[2]}");
            var result = LicenseFile.Verify(forged, TestLicenses.Keys(key), TestLicenses.Options(Now));
            Assert.Equal(LicenseFileCodes.Malformed, result.Code);
        }
    }

    [Fact]
    public void HugeOrDeeplyNestedInputIsRefusedWithoutThrowing()
    {
        using var key = TestLicenses.SigningKey();
        var nested = new string('[', 100_000);
        var huge = LicenseFile.BeginLine + "\n" + new string('A', 2_000_000) + "\n" + LicenseFile.EndLine;
        var payload = Convert.ToBase64String(Encoding.UTF8.GetBytes(nested)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        Assert.Equal(LicenseFileCodes.Malformed, LicenseFile.Verify(huge, TestLicenses.Keys(key), TestLicenses.Options(Now)).Code);
        Assert.False(LicenseFile.Verify(LicenseFileText.Armor($"{payload}.{payload}.{payload}"), TestLicenses.Keys(key), TestLicenses.Options(Now)).IsValid);
    }

    private static string ToBase64(string base64Url)
    {
        var text = base64Url.Replace('-', '+').Replace('_', '/');
        return text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
    }
}

namespace Licenz.Sdk.Tests.Offline;

/// <summary>
/// What a license file of the licensing model says, checked offline: the machine it is bound to (by fingerprint, or by
/// most of its components), the entitlements the application requires, and the grace after the license's expiry.
/// </summary>
public sealed class LicensingModelFileTests
{
    private static readonly DateTimeOffset Now = TestLicenses.IssuedAt.AddDays(1);
    private static readonly string OtherFingerprint = MachineFingerprint.FromIdentifier("the same machine, reinstalled");

    [Fact]
    public void TheMachineEntitlementsAndPolicyRulesAreReadBackAsIssued()
    {
        using var key = TestLicenses.SigningKey();
        var file = LicenseFileIssuer.Issue(TestLicenses.MachineClaims(), key, encrypt: true);

        var result = LicenseFile.Verify(file, TestLicenses.Keys(key), TestLicenses.Options(Now, fingerprint: TestLicenses.Fingerprint));

        Assert.True(result.IsValid, result.Message);
        var license = result.Claims!.License;
        Assert.Equal("mach_test", license.MachineId);
        Assert.Equal(TestLicenses.Components, license.Components);
        Assert.Equal(FingerprintMatchingNames.MostComponents, license.FingerprintMatching);
        Assert.Equal(["export.pdf", "sso"], license.Entitlements);
        Assert.Equal(TimeSpan.FromDays(7), license.GracePeriod);
        Assert.Equal(TimeSpan.FromDays(30), license.CheckInInterval);
        Assert.False(result.MatchedByComponents);
        Assert.False(result.InGrace);
        Assert.True(result.HasEntitlement("sso"));
        Assert.False(result.HasEntitlement("SSO"));
        Assert.False(result.HasEntitlement("api"));
    }

    [Fact]
    public void AFileWithoutTheModelsClaimsReadsThemAsAbsent()
    {
        using var key = TestLicenses.SigningKey();
        var result = LicenseFile.Verify(LicenseFileIssuer.Issue(TestLicenses.Claims(), key), TestLicenses.Keys(key), TestLicenses.Options(Now));

        Assert.True(result.IsValid, result.Message);
        var license = result.Claims!.License;
        Assert.Null(license.MachineId);
        Assert.Null(license.Components);
        Assert.Null(license.FingerprintMatching);
        Assert.Null(license.GracePeriod);
        Assert.Null(license.CheckInInterval);
    }

    [Fact]
    public void UnderMostComponentsAMachineWhoseFingerprintChangedIsKnownByMostOfItsComponents()
    {
        using var key = TestLicenses.SigningKey();
        var keys = TestLicenses.Keys(key);
        var newDisk = new Dictionary<string, string>(TestLicenses.Components) { ["disk"] = "0000new0" };
        var newDiskAndOs = new Dictionary<string, string>(newDisk) { ["os"] = "0000new1" };

        // Encrypted too: a file recognised by its components is keyed to the license key alone, or a changed machine could not open it.
        foreach (var file in new[] { LicenseFileIssuer.Issue(TestLicenses.MachineClaims(), key), LicenseFileIssuer.Issue(TestLicenses.MachineClaims(), key, encrypt: true) })
        {
            var rebound = LicenseFile.Verify(file, keys, TestLicenses.Options(Now, fingerprint: OtherFingerprint, components: newDisk));
            Assert.True(rebound.IsValid, rebound.Message);
            Assert.True(rebound.MatchedByComponents);

            // Two of four is not most; no components at all say nothing.
            Assert.Equal(LicenseFileCodes.FingerprintMismatch,
                LicenseFile.Verify(file, keys, TestLicenses.Options(Now, fingerprint: OtherFingerprint, components: newDiskAndOs)).Code);
            Assert.Equal(LicenseFileCodes.FingerprintMismatch, LicenseFile.Verify(file, keys, TestLicenses.Options(Now, fingerprint: OtherFingerprint)).Code);
        }
    }

    [Fact]
    public void UnderExactMatchingTheComponentsDoNotStandInForTheFingerprint()
    {
        using var key = TestLicenses.SigningKey();
        var keys = TestLicenses.Keys(key);
        var file = LicenseFileIssuer.Issue(TestLicenses.MachineClaims(FingerprintMatchingNames.Exact), key);

        var result = LicenseFile.Verify(file, keys, TestLicenses.Options(Now, fingerprint: OtherFingerprint, components: TestLicenses.Components));

        Assert.Equal(LicenseFileCodes.FingerprintMismatch, result.Code);
        Assert.True(LicenseFile.Verify(file, keys, TestLicenses.Options(Now, fingerprint: TestLicenses.Fingerprint)).IsValid);

        // And an encrypted exact file stays keyed to its machine: elsewhere it does not even open.
        var encrypted = LicenseFileIssuer.Issue(TestLicenses.MachineClaims(FingerprintMatchingNames.Exact), key, encrypt: true);
        Assert.Equal(LicenseFileCodes.FingerprintMismatch,
            LicenseFile.Verify(encrypted, keys, TestLicenses.Options(Now, fingerprint: OtherFingerprint, components: TestLicenses.Components)).Code);
    }

    [Fact]
    public void ARequiredEntitlementTheLicenseLacksIsNamed()
    {
        using var key = TestLicenses.SigningKey();
        var keys = TestLicenses.Keys(key);
        var file = LicenseFileIssuer.Issue(TestLicenses.MachineClaims(), key);

        var granted = LicenseFile.Verify(file, keys, TestLicenses.Options(Now, fingerprint: TestLicenses.Fingerprint, entitlements: ["export.pdf", "sso"]));
        var lacking = LicenseFile.Verify(file, keys, TestLicenses.Options(Now, fingerprint: TestLicenses.Fingerprint, entitlements: ["sso", "api", "audit"]));

        Assert.True(granted.IsValid, granted.Message);
        Assert.Equal(LicenseFileCodes.EntitlementsMissing, lacking.Code);
        Assert.Equal("The license lacks the entitlements api, audit.", lacking.Message);
        Assert.False(lacking.HasEntitlement("sso"));
        Assert.NotNull(lacking.Claims);
    }

    [Fact]
    public void AnExpiredLicenseVerifiesWithinItsGraceFlaggedAndSaysWhenTheGraceEnds()
    {
        using var key = TestLicenses.SigningKey();
        var keys = TestLicenses.Keys(key);
        var expiry = TestLicenses.IssuedAt.AddDays(10);
        var file = LicenseFileIssuer.Issue(TestLicenses.MachineClaims(licenseExpiresAt: expiry, grace: TimeSpan.FromDays(7)), key);
        LicenseFileResult At(DateTimeOffset time) => LicenseFile.Verify(file, keys, TestLicenses.Options(time, fingerprint: TestLicenses.Fingerprint));

        var before = At(expiry.AddSeconds(-1));
        var inGrace = At(expiry.AddDays(3));
        var graceOver = At(expiry.AddDays(7));

        Assert.True(before.IsValid);
        Assert.False(before.InGrace);
        Assert.Null(before.GraceEndsAt);
        Assert.True(inGrace.IsValid, inGrace.Message);
        Assert.True(inGrace.InGrace);
        Assert.Equal(expiry.AddDays(7), inGrace.GraceEndsAt);
        Assert.Contains("grace period until", inGrace.Message, StringComparison.Ordinal);
        Assert.Equal(LicenseFileCodes.Expired, graceOver.Code);
        Assert.Contains("grace period ended", graceOver.Message, StringComparison.Ordinal);

        // Without a grace period, expired is expired.
        var strict = LicenseFileIssuer.Issue(TestLicenses.MachineClaims(licenseExpiresAt: expiry, grace: TimeSpan.Zero), key);
        Assert.Equal(LicenseFileCodes.Expired,
            LicenseFile.Verify(strict, keys, TestLicenses.Options(expiry.AddSeconds(1), fingerprint: TestLicenses.Fingerprint)).Code);
    }
}

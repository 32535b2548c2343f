using Licenz.Tests.Shared;

namespace Licenz.Sdk.Tests.Offline;

/// <summary>
/// The signed revocation list, offline: what makes one hold, what a kept list refuses (a license revoked, suspended or
/// deleted, a deactivated machine's bound file) and what it leaves alone, how a newer version is noticed, and that a
/// kept list is never replaced by an older one, survives the process and is ignored when it does not hold.
/// </summary>
public sealed class RevocationListTests : IDisposable
{
    private static readonly DateTimeOffset Now = TestLicenses.IssuedAt.AddDays(2);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "licenz-revocations-" + Guid.NewGuid().ToString("N"));
    private readonly SigningKey _key = TestLicenses.SigningKey();

    public void Dispose()
    {
        _key.Dispose();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private PublicKeySet Keys => TestLicenses.Keys(_key);

    private string List(long version, Dictionary<string, string>? licenses = null, string[]? machines = null, string issuer = "acct_test", SigningKey? key = null) =>
        RevocationListIssuer.Issue(issuer, version, TestLicenses.IssuedAt.AddDays(1), licenses ?? [], machines ?? [], key ?? _key);

    private string File(LicenseFileClaims claims, bool encrypt = false) => LicenseFileIssuer.Issue(claims, _key, encrypt);

    private LicenseFileResult Verify(string file, ITrustedClock clock, string? fingerprint = null) =>
        LicenseFile.Verify(file, Keys, TestLicenses.Options(Now, clock: clock, fingerprint: fingerprint));

    private static ITrustedClock Keeping(string list)
    {
        var clock = TrustedClock.InMemory();
        clock.StoreRevocationList("acct_test", list);
        return clock;
    }

    [Theory]
    [InlineData("suspended", LicenseFileCodes.Suspended)]
    [InlineData("revoked", LicenseFileCodes.Revoked)]
    [InlineData("deleted", LicenseFileCodes.Revoked)]
    public void AListedLicenseIsRefusedWithTheServersCodeForItsState(string state, string code)
    {
        var clock = Keeping(List(3, new() { ["lic_test"] = state }));

        var plain = Verify(File(TestLicenses.Claims()), clock);
        var encrypted = Verify(File(TestLicenses.Claims(), encrypt: true), clock);
        var bound = Verify(File(TestLicenses.MachineClaims()), clock, TestLicenses.Fingerprint);

        Assert.All([plain, encrypted, bound], result =>
        {
            Assert.Equal(code, result.Code);
            Assert.Contains("revocation list version 3", result.Message, StringComparison.Ordinal);
            Assert.Equal(3, result.RevocationListVersion);
            Assert.False(result.IsValid);
        });
    }

    [Fact]
    public void ADeactivatedMachinesBoundFileIsRefusedAndOtherFilesOfItsLicenseAreNot()
    {
        var clock = Keeping(List(4, machines: ["mach_test"]));

        var bound = Verify(File(TestLicenses.MachineClaims()), clock, TestLicenses.Fingerprint);
        var unbound = Verify(File(TestLicenses.Claims()), clock);
        var otherMachine = Verify(File(TestLicenses.MachineClaims() with
        {
            License = TestLicenses.MachineClaims().License with { MachineId = "mach_new" },
        }), clock, TestLicenses.Fingerprint);

        Assert.Equal(LicenseFileCodes.NoMachine, bound.Code);
        Assert.Contains("mach_test", bound.Message, StringComparison.Ordinal);
        Assert.True(unbound.IsValid, unbound.Message);
        Assert.True(otherMachine.IsValid, otherMachine.Message);
    }

    [Fact]
    public void AFileIssuedAtTheListsVersionOrLaterIsNotRefusedByIt()
    {
        // Suspended at version 5, reinstated at 6: a file issued since (version 6) stands against the list kept at 5.
        var clock = Keeping(List(5, new() { ["lic_test"] = "suspended" }, ["mach_test"]));

        var issuedSince = Verify(File(TestLicenses.Claims() with { RevocationVersion = 6 }), clock);
        var issuedAtIt = Verify(File(TestLicenses.MachineClaims() with { RevocationVersion = 5 }), clock, TestLicenses.Fingerprint);
        var issuedBefore = Verify(File(TestLicenses.Claims() with { RevocationVersion = 4 }), clock);

        Assert.Equal((LicenseFileCodes.Valid, true), (issuedSince.Code, issuedSince.RevocationListOutdated));
        // Still outdated: version 6, seen in the first file, is remembered.
        Assert.Equal((LicenseFileCodes.Valid, true), (issuedAtIt.Code, issuedAtIt.RevocationListOutdated));
        Assert.Equal(LicenseFileCodes.Suspended, issuedBefore.Code);
    }

    [Fact]
    public void AListOfAnotherIssuerOrNotNamingTheLicenseChangesNothing()
    {
        var other = Verify(File(TestLicenses.Claims()), Keeping(List(5, new() { ["lic_other"] = "revoked" })));
        var clock = TrustedClock.InMemory();
        clock.StoreRevocationList("acct_test", List(5, new() { ["lic_test"] = "revoked" }, issuer: "acct_elsewhere"));
        var elsewhere = Verify(File(TestLicenses.Claims()), clock);

        Assert.Equal((LicenseFileCodes.Valid, 5L), (other.Code, other.RevocationListVersion));
        Assert.Equal((LicenseFileCodes.Valid, 0L), (elsewhere.Code, elsewhere.RevocationListVersion));
    }

    [Fact]
    public void AFileOfANewerVersionShowsTheKeptListIsBehindAndTheVersionIsRemembered()
    {
        var clock = Keeping(List(3));
        var newer = TestLicenses.Claims() with { RevocationVersion = 7 };

        var first = Verify(File(newer), clock);
        var older = Verify(File(TestLicenses.Claims()), clock);

        Assert.Equal((true, 3L, true), (first.IsValid, first.RevocationListVersion, first.RevocationListOutdated));
        Assert.Equal(7, clock.ReadRevocationVersion("acct_test"));
        Assert.True(older.RevocationListOutdated, "A file of an older version does not make the seen version forgotten.");
        Assert.False(Verify(File(TestLicenses.Claims() with { RevocationVersion = 3 }), Keeping(List(3))).RevocationListOutdated);
    }

    [Fact]
    public void AKeptListThatDoesNotHoldIsAsGoodAsNone()
    {
        using var stranger = SigningKey.Generate();
        var list = List(3, new() { ["lic_test"] = "revoked" });

        var forged = Verify(File(TestLicenses.Claims()), Keeping(List(3, new() { ["lic_test"] = "revoked" }, key: stranger)));
        var parts = list.Split('.');
        var altered = Verify(File(TestLicenses.Claims()), Keeping($"{parts[0]}.{parts[1]}.{(parts[2][0] == 'A' ? 'B' : 'A')}{parts[2][1..]}"));

        Assert.Equal((LicenseFileCodes.Valid, 0L), (forged.Code, forged.RevocationListVersion));
        Assert.Equal((LicenseFileCodes.Valid, 0L), (altered.Code, altered.RevocationListVersion));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("not a list", "compact JWS")]
    [InlineData("a.b", "compact JWS")]
    public void TextThatIsNotAListIsRefusedWithAReason(string text, string reason)
    {
        Assert.False(RevocationList.TryVerify(text, Keys, out var list, out var problem));
        Assert.Null(list);
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ALicenseFileIsNotARevocationListNorAListSignedByAnUnknownKey()
    {
        using var stranger = SigningKey.Generate();

        Assert.False(RevocationList.TryVerify(LicenseFileText.Token(File(TestLicenses.Claims())), Keys, out _, out var asFile));
        Assert.False(RevocationList.TryVerify(List(1, key: stranger), Keys, out _, out var unknown));
        var token = List(1, new() { ["lic_test"] = "revoked" });
        var parts = token.Split('.');
        Assert.False(RevocationList.TryVerify(parts[0] + "." + parts[1] + "." + LicenseFileText.Token(List(1)).Split('.')[2], Keys, out _, out var swapped));

        Assert.Contains("licenz-revocations+jwt", asFile, StringComparison.Ordinal);
        Assert.Contains("not among the trusted keys", unknown, StringComparison.Ordinal);
        Assert.Contains("signature does not match", swapped, StringComparison.Ordinal);
        Assert.True(RevocationList.TryVerify("  " + token + "\n", Keys, out var trimmed, out _), "Surrounding whitespace, as saved, is ignored.");
        Assert.Equal(token, trimmed.Text);
    }

    [Fact]
    public void AnInstalledListIsKeptOnlyWhenNewerAndNeverGivesARevokedLicenseBack()
    {
        using var client = new LicenzClient(new LicenzClientOptions { ApiKey = "lz_test_unused", BaseUrl = new Uri("https://127.0.0.1:9/api/v1") });
        var clock = TrustedClock.InMemory();
        var checker = new LicenseChecker(client, new LicenseCheckerOptions
        {
            LicenseKey = TestLicenses.Key,
            Keys = Keys,
            StorageDirectory = _folder,
            TrustedClock = clock,
            Time = new TestLicenses.FixedTime(Now),
        });

        Assert.True(checker.TryInstallRevocationList(List(4, new() { ["lic_test"] = "revoked" }), out var problem), problem);
        Assert.False(checker.TryInstallRevocationList(List(3), out var older));
        Assert.False(checker.TryInstallRevocationList(List(4), out var same));
        Assert.False(checker.TryInstallRevocationList("garbage", out var garbage));

        Assert.Contains("not newer", older, StringComparison.Ordinal);
        Assert.Contains("not newer", same, StringComparison.Ordinal);
        Assert.NotNull(garbage);
        Assert.Equal(4, clock.ReadRevocationVersion("acct_test"));
        Assert.Equal(LicenseFileCodes.Revoked, Verify(File(TestLicenses.Claims()), clock).Code);
        Assert.True(checker.TryInstallRevocationList(List(5), out problem), problem);
        Assert.True(Verify(File(TestLicenses.Claims()), clock).IsValid, "A newer list without the license (it was deleted from the list) is what counts.");
    }

    [Fact]
    public void TheDefaultStoreKeepsTheListAndTheSeenVersionAcrossProcessesAndReadsAnOlderTimeFile()
    {
        var clock = TrustedClock.InFolder(_folder);
        clock.Advance("acct_test", TestLicenses.IssuedAt);
        var timeFile = Assert.Single(Directory.GetFiles(_folder));
        Assert.Equal("1768473000", System.IO.File.ReadAllText(timeFile));

        var first = Verify(File(TestLicenses.Claims() with { RevocationVersion = 6 }), clock);
        clock.StoreRevocationList("acct_test", List(6, new() { ["lic_test"] = "suspended" }));

        var later = TrustedClock.InFolder(_folder);
        Assert.True(first.RevocationListOutdated);
        Assert.Equal(TestLicenses.IssuedAt, later.Read("acct_test"));
        Assert.Equal(6, later.ReadRevocationVersion("acct_test"));
        Assert.Equal(LicenseFileCodes.Suspended, Verify(File(TestLicenses.Claims()), later).Code);
        Assert.Equal(0, TrustedClock.InFolder(_folder).ReadRevocationVersion("acct_other"));
        Assert.Null(TrustedClock.InFolder(_folder).ReadRevocationList("acct_other"));
    }
}

using Licenz.Sdk.Tests.Infrastructure;

namespace Licenz.Sdk.Tests.Client;

/// <summary>Server → SDK: files checked out through the client, checked offline with the JWKS, for every outcome code.</summary>
public sealed class LicenseFileRoundTripTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private static readonly string Machine = MachineFingerprint.FromIdentifier("round-trip-machine", "app");

    private async Task<(LicenzClient Admin, LicenseInfo License, PublicKeySet Keys)> LicenseAsync(string type = LicenseTypeNames.Subscription)
    {
        var admin = app.CreateClient();
        var product = await admin.Products.CreateAsync(new ProductCreateOptions { Name = "Round trip " + Guid.NewGuid().ToString("N")[..6], TrialDays = 14 });
        var license = await admin.Licenses.CreateAsync(new LicenseCreateOptions { ProductId = product.Id, Email = "rt@example.com", Type = type });
        return (admin, license, await admin.SigningKeys.GetJwksAsync());
    }

    private LicenseFileOptions At(DateTimeOffset now, LicenseInfo license, ITrustedClock? clock = null, string? fingerprint = null) => new()
    {
        Time = new FixedTime(now),
        LicenseKey = license.Key,
        Fingerprint = fingerprint,
        ProductId = license.ProductId,
        TrustedClock = clock ?? TrustedClock.InMemory(),
    };

    [Fact]
    public async Task ValidThenFileExpiredAtTheEndOfItsTimeToLive()
    {
        var (admin, license, keys) = await LicenseAsync();
        var file = (await admin.Licenses.CheckOutLicenseFileAsync(license.Id, new LicenseFileCheckoutOptions { TimeToLive = TimeSpan.FromDays(7) })).LicenseFile;
        var issued = app.Time.GetUtcNow();

        Assert.Equal(LicenseFileCodes.Valid, LicenseFile.Verify(file, keys, At(issued.AddDays(6), license)).Code);
        Assert.Equal(LicenseFileCodes.FileExpired, LicenseFile.Verify(file, keys, At(issued.AddDays(8), license)).Code);
        admin.Dispose();
    }

    [Fact]
    public async Task LicenseExpiredWhenATrialEndsInsideTheFilesTimeToLive()
    {
        var (admin, license, keys) = await LicenseAsync(LicenseTypeNames.Trial);
        var file = (await admin.Licenses.CheckOutLicenseFileAsync(license.Id)).LicenseFile;

        var result = LicenseFile.Verify(file, keys, At(app.Time.GetUtcNow().AddDays(15), license));

        Assert.Equal(LicenseFileCodes.Expired, result.Code);
        admin.Dispose();
    }

    [Fact]
    public async Task MalformedAndBadSignature()
    {
        var (admin, license, keys) = await LicenseAsync();
        var file = (await admin.Licenses.CheckOutLicenseFileAsync(license.Id)).LicenseFile;
        var now = app.Time.GetUtcNow();
        var lines = file.Split('\n');

        var truncated = string.Join('\n', lines.Take(2).Append(LicenseFile.EndLine)) + "\n";
        Assert.Equal(LicenseFileCodes.Malformed, LicenseFile.Verify(truncated, keys, At(now, license)).Code);

        // One bit of the signature flipped (a high bit, so the base64 stays canonical).
        var last = lines[^3];
        var flipped = last[..^3] + (char)(last[^3] == 'A' ? 'Q' : 'A') + last[^2..];
        var altered = string.Join('\n', lines[..^3].Append(flipped).Concat(lines[^2..]));
        Assert.Equal(LicenseFileCodes.BadSignature, LicenseFile.Verify(altered, keys, At(now, license)).Code);
        admin.Dispose();
    }

    [Fact]
    public async Task UnknownKeyOnceTheSigningKeyIsRetired()
    {
        var (accountId, adminKey) = await app.CreateAccountAsync("Retiring " + Guid.NewGuid().ToString("N")[..6]);
        using var admin = app.CreateClient(adminKey, o => o.AccountId = accountId);
        var product = await admin.Products.CreateAsync(new ProductCreateOptions { Name = "Retired key product" });
        var license = await admin.Licenses.CreateAsync(new LicenseCreateOptions { ProductId = product.Id, Email = "r@example.com", Type = LicenseTypeNames.Perpetual });
        var old = (await admin.Licenses.CheckOutLicenseFileAsync(license.Id)).LicenseFile;
        var oldKey = (await admin.SigningKeys.ListAsync()).Single(k => k.Status == SigningKeyStatusNames.Current);

        app.Time.Advance(TimeSpan.FromMinutes(1));
        await admin.SigningKeys.RotateAsync();
        await admin.SigningKeys.RetireAsync(oldKey.Id);
        var keys = await admin.SigningKeys.GetJwksAsync();

        Assert.Equal(LicenseFileCodes.UnknownKey, LicenseFile.Verify(old, keys, At(app.Time.GetUtcNow(), license)).Code);
        var fresh = (await admin.Licenses.CheckOutLicenseFileAsync(license.Id)).LicenseFile;
        Assert.Equal(LicenseFileCodes.Valid, LicenseFile.Verify(fresh, keys, At(app.Time.GetUtcNow(), license)).Code);
    }

    [Fact]
    public async Task NotYetValidWhenTheClockIsBehindTheFile()
    {
        var (admin, license, keys) = await LicenseAsync();
        var file = (await admin.Licenses.CheckOutLicenseFileAsync(license.Id)).LicenseFile;

        Assert.Equal(LicenseFileCodes.NotYetValid, LicenseFile.Verify(file, keys, At(app.Time.GetUtcNow().AddHours(-2), license)).Code);
        admin.Dispose();
    }

    [Fact]
    public async Task FingerprintMismatchOnAnotherMachineForPlainAndEncryptedFiles()
    {
        var (admin, license, keys) = await LicenseAsync();
        var other = MachineFingerprint.FromIdentifier("another-machine", "app");
        await admin.Machines.ActivateAsync(license.Key, Machine);
        foreach (var encrypt in new[] { false, true })
        {
            var file = (await admin.Licenses.CheckOutLicenseFileAsync(license.Key, new LicenseFileCheckoutOptions { Fingerprint = Machine, Encrypt = encrypt })).LicenseFile;
            var now = app.Time.GetUtcNow();

            Assert.Equal(LicenseFileCodes.Valid, LicenseFile.Verify(file, keys, At(now, license, fingerprint: Machine)).Code);
            Assert.Equal(LicenseFileCodes.FingerprintMismatch, LicenseFile.Verify(file, keys, At(now, license, fingerprint: other)).Code);
        }

        admin.Dispose();
    }

    [Fact]
    public async Task ClockTamperedWhenTheClockGoesBackBehindANewerFile()
    {
        var (admin, license, keys) = await LicenseAsync();
        var older = (await admin.Licenses.CheckOutLicenseFileAsync(license.Id)).LicenseFile;
        var olderIssued = app.Time.GetUtcNow();
        app.Time.Advance(TimeSpan.FromDays(5));
        var newer = (await admin.Licenses.CheckOutLicenseFileAsync(license.Id)).LicenseFile;
        var clock = TrustedClock.InMemory();

        Assert.Equal(LicenseFileCodes.Valid, LicenseFile.Verify(newer, keys, At(app.Time.GetUtcNow(), license, clock)).Code);
        Assert.Equal(LicenseFileCodes.ClockTampered, LicenseFile.Verify(older, keys, At(olderIssued.AddDays(1), license, clock)).Code);
        admin.Dispose();
    }

    [Fact]
    public async Task EncryptedFilesOpenOnlyWithTheirLicenseKey()
    {
        var (admin, license, keys) = await LicenseAsync();
        var file = (await admin.Licenses.CheckOutLicenseFileAsync(license.Key, new LicenseFileCheckoutOptions { Encrypt = true })).LicenseFile;
        var now = app.Time.GetUtcNow();

        Assert.Equal(LicenseFileCodes.Valid, LicenseFile.Verify(file, keys, At(now, license)).Code);
        var withOtherKey = At(now, license);
        Assert.Equal(LicenseFileCodes.DecryptionFailed, LicenseFile.Verify(file, keys, new LicenseFileOptions
        {
            Time = withOtherKey.Time,
            LicenseKey = LicenseKeyGenerator.Generate(),
            TrustedClock = TrustedClock.InMemory(),
        }).Code);
        admin.Dispose();
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

using System.Net;
using System.Text;
using Licenz.Server.Tests.Infrastructure;
using Licenz.Server.Tests.Signing;
using Licenz.Tests.Shared;
using Microsoft.Data.Sqlite;

namespace Licenz.Server.Tests.Licenses;

/// <summary>
/// License keys are not stored: a row holds a keyed hash of its key and the key sealed under the master key. A copy of
/// the data folder holds no usable key, and yet every way the API finds, shows or checks a key still works.
/// </summary>
public sealed class LicenseKeysAtRestTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task NoLicenseKeyIsInAnyFileOfTheDataFolderAfterEveryUseOfTheKeys()
    {
        await using var app = new LicenzApplication();
        await app.InitializeAsync();
        using var admin = app.CreateAdminClient();
        var keys = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var license = await Fixtures.CreateLicenseAsync(admin);
            var key = license.Str("key");
            keys.Add(key);

            // Every way a key is used: verified (as typed, in any form), found, changed and checked out by key.
            Assert.Equal("VALID", (await (await admin.PostJsonAsync("licenses/verify", new { key })).DataAsync()).Str("code"));
            Assert.Equal("VALID", (await (await admin.PostJsonAsync("licenses/verify", new { key = key.Replace("-", "").ToLowerInvariant() })).DataAsync()).Str("code"));
            Assert.Equal(license.Str("id"), (await (await admin.GetAsync($"licenses/{key}", Cancel)).DataAsync()).Str("id"));
            Assert.Equal(key, (await (await admin.PatchJsonAsync($"licenses/{key}", new { metadata = new { seats = 3 } })).DataAsync()).Str("key"));
            var file = await Fixtures.CheckOutAsync(admin, key);
            Assert.True(Fixtures.VerifyOffline(app, file.Str("license_file"), await Fixtures.JwksAsync(app), licenseKey: key).IsValid);
        }

        await (await admin.PostAsync($"licenses/{keys[0]}/suspend", null, Cancel)).DataAsync();
        await (await admin.DeleteAsync($"licenses/{keys[1]}", Cancel)).DataAsync();
        Assert.Equal("SUSPENDED", (await (await admin.PostJsonAsync("licenses/verify", new { key = keys[0] })).DataAsync()).Str("code"));
        Assert.Equal("NOT_FOUND", (await (await admin.PostJsonAsync("licenses/verify", new { key = keys[1] })).DataAsync()).Str("code"));
        var listed = (await (await admin.GetAsync("licenses?limit=100", Cancel)).DataAsync()).EnumerateArray().Select(l => l.Str("key")).ToList();
        Assert.Contains(keys[0], listed);
        Assert.Contains(keys[2], listed);

        await app.FlushActivityAsync();
        // Every row as the database returns it (either engine), and every file the server keeps, byte for byte (on SQLite
        // the database itself, its write-ahead log and shared memory).
        var snapshot = await DatabaseSnapshot.TakeAsync(app.Services);
        var files = Directory.EnumerateFiles(app.DataDirectory, "*", SearchOption.AllDirectories).ToList();
        if (!app.Engine.IsPostgreSql)
        {
            Assert.Contains(app.DatabasePath + "-wal", files);
        }

        foreach (var key in keys)
        {
            // The key in every form it could be written, and its first two groups (which the masked form leaves out).
            var forms = new[] { key, key.Replace("-", ""), key[4..15] };
            foreach (var form in forms)
            {
                Assert.DoesNotContain(form, snapshot, StringComparison.OrdinalIgnoreCase);
                foreach (var path in files)
                {
                    var bytes = await File.ReadAllBytesAsync(path, Cancel);
                    Assert.True(bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(form)) < 0, $"{form} is in {path}.");
                    Assert.True(bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(form)) < 0, $"{form} (UTF-16) is in {path}.");
                }
            }
        }
    }

    [Fact]
    public async Task TheEventLogShowsALicensesKeyMaskedToItsLastGroup()
    {
        await using var app = new LicenzApplication();
        await app.InitializeAsync();
        using var admin = app.CreateAdminClient();
        var license = await Fixtures.CreateLicenseAsync(admin);
        var key = license.Str("key");
        await (await admin.PostAsync($"licenses/{license.Str("id")}/suspend", null, Cancel)).DataAsync();
        await (await admin.DeleteAsync($"licenses/{license.Str("id")}", Cancel)).DataAsync();

        var events = (await (await admin.GetAsync($"events?resource_id={license.Str("id")}", Cancel)).DataAsync()).EnumerateArray().ToList();

        Assert.Equal(["license.deleted", "license.suspended", "license.created"], events.Select(e => e.Str("type")));
        Assert.All(events, e => Assert.Equal("LIC-*****-*****-" + key[^5..], e.GetProperty("data").Str("key")));
        Assert.Equal("holder@example.com", events[^1].GetProperty("data").Str("email"));
    }

    [Fact]
    public async Task AStoredKeyThatTheMasterKeyDoesNotOpenStopsTheStartWithNoFallback()
    {
        var folder = Path.Combine(Path.GetTempPath(), "licenz-tests", "sealed-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var masterKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        try
        {
            string licenseId;
            // On SQLite in every run: the test alters the stored row in the file, as a restore from elsewhere would.
            await using (var first = LicenzApplication.Over(Path.Combine(folder, "licenz-data"), TestDatabase.Sqlite).WithSetting("Licenz:KeyEncryption:Key", masterKey))
            {
                await first.InitializeAsync();
                using var admin = first.CreateAdminClient();
                licenseId = (await Fixtures.CreateLicenseAsync(admin)).Str("id");
            }

            // As if sealed under another master key: the tag no longer matches.
            await using (var connection = new SqliteConnection($"Data Source={Path.Combine(folder, "licenz-data", "licenz.db")};Pooling=False"))
            {
                await connection.OpenAsync(Cancel);
                await using var command = connection.CreateCommand();
                command.CommandText = "UPDATE licenses SET SealedKey = zeroblob(length(SealedKey)) WHERE Id = $id";
                command.Parameters.AddWithValue("$id", licenseId);
                Assert.Equal(1, await command.ExecuteNonQueryAsync(Cancel));
            }

            await using var second = Hosting.LicenzProcess.Start(folder, ["--urls", "https://127.0.0.1:0"],
                new() { ["Licenz__KeyEncryption__Key"] = masterKey });
            var exitCode = await second.WaitForExitAsync();

            Assert.True(exitCode == 1, $"Exit code {exitCode}.{second.Describe()}");
            Assert.Contains($"Licenz:KeyEncryption: this master key does not open the license keys stored in the database (license {licenseId})",
                second.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", second.Error, StringComparison.Ordinal);
        }
        finally
        {
            LicenzApplication.TryDelete(folder);
        }
    }
}

using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.ApiKeys;

/// <summary>
/// API keys from creation to revocation: the prefix tells the type, the secret is shown once and never
/// stored, revocation and expiry act on the next request, and the last use is recorded.
/// The tests share one server and move its clock forward only, so every time is read from the clock.
/// </summary>
public sealed class ApiKeyLifecycleTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private const string InvalidKeyMessage = "The API key provided is invalid or expired";
    private const int BodyLength = 40;
    private const int LookupLength = 12;

    public static TheoryData<string, string> KeyTypes => new()
    {
        { "admin", "lz_admin_" },
        { "read_only", "lz_read_" },
        { "verify_only", "lz_verify_" },
    };

    [Theory]
    [MemberData(nameof(KeyTypes))]
    public async Task EachKeyTypeIsCreatedWithAPrefixThatTellsItsType(string type, string prefix)
    {
        using var admin = app.CreateAdminClient();

        using var response = await admin.PostJsonAsync("api-keys", new { type, name = $"Created as {type}" });

        var created = await response.DataAsync(HttpStatusCode.Created);
        var key = created.Str("key");
        Assert.StartsWith(prefix, key, StringComparison.Ordinal);
        Assert.Matches("^[0-9A-Za-z]{40}$", key[prefix.Length..]);
        Assert.Equal(prefix + key.Substring(prefix.Length, LookupLength) + "…", created.Str("prefix"));
        Assert.Matches("^key_[0-9a-z]+$", created.Str("id"));
        Assert.Equal(type, created.Str("type"));
        Assert.Equal($"Created as {type}", created.Str("name"));
        Assert.Equal("active", created.Str("status"));
        Assert.Equal(Now(), created.Str("created_at"));
        Assert.Equal(JsonValueKind.Null, created.GetProperty("expires_at").ValueKind);
        Assert.EndsWith($"/api/v1/api-keys/{created.Str("id")}", response.Headers.Location?.ToString(), StringComparison.Ordinal);

        // The key works straight away, for what its type allows.
        using var client = app.CreateClient(key);
        using var verify = await client.PostJsonAsync("licenses/verify", new { key = "LIC-00000-00000-00000" });
        await verify.DataAsync();
    }

    [Theory]
    [MemberData(nameof(KeyTypes))]
    public async Task TheSecretIsInTheCreationAnswerOnlyNeverInTheListing(string type, string prefix)
    {
        using var admin = app.CreateAdminClient();
        var created = await CreateKeyAsync(admin, type, "Shown once");
        var key = created.Str("key");
        var secret = key[(prefix.Length + LookupLength)..];

        using var list = await admin.GetAsync("api-keys?limit=100");
        var text = await list.Content.ReadAsStringAsync();
        var listed = (await list.DataAsync()).EnumerateArray().Single(k => k.Str("id") == created.Str("id"));

        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(app.AdminKey[(ApiKeyPrefixOf(app.AdminKey).Length + LookupLength)..], text, StringComparison.Ordinal);
        Assert.Equal(
            ["created_at", "expires_at", "id", "last_used_at", "name", "prefix", "revoked_at", "status", "type"],
            listed.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(created.Str("prefix"), listed.Str("prefix"));
        Assert.StartsWith(prefix, listed.Str("prefix"), StringComparison.Ordinal);

        using var revoked = await admin.DeleteAsync($"api-keys/{created.Str("id")}");
        Assert.DoesNotContain(secret, await revoked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnExpiryWithAnOffsetIsStoredAndShownInUtc()
    {
        using var admin = app.CreateAdminClient();
        var local = Clock().AddDays(30).ToOffset(TimeSpan.FromHours(2));

        var created = await CreateKeyAsync(admin, "read_only", "Expires in a month",
            local.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));

        Assert.Equal(Iso(local), created.Str("expires_at"));
        Assert.EndsWith("Z", created.Str("expires_at"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoIssuedKeyIsStoredInTheDatabaseFilesOnlyItsLookupId()
    {
        using var admin = app.CreateAdminClient();
        var issued = new List<string> { app.AdminKey };
        foreach (var type in new[] { "admin", "read_only", "verify_only" })
        {
            issued.Add((await CreateKeyAsync(admin, type, $"Grep me {type}")).Str("key"));
        }

        issued.Add((await CreateKeyAsync(admin, "verify_only", "Grep me expiring", Iso(Clock().AddDays(1)))).Str("key"));
        var revoked = await CreateKeyAsync(admin, "read_only", "Grep me revoked");
        issued.Add(revoked.Str("key"));
        var (_, otherAdmin) = await app.CreateAccountAsync("Grep vendor");
        issued.Add(otherAdmin);

        // Use every key, so their rows are written to again (last use) before the files are read.
        foreach (var key in issued)
        {
            using var client = app.CreateClient(key);
            using var verify = await client.PostJsonAsync("licenses/verify", new { key = "LIC-00000-00000-00000" });
            await verify.DataAsync();
        }

        (await admin.DeleteAsync($"api-keys/{revoked.Str("id")}")).EnsureSuccessStatusCode();
        await app.FlushActivityAsync();

        var files = await app.StoredDataAsync();
        if (!app.Engine.IsPostgreSql)
        {
            Assert.Contains("licenz.db", files.Keys);
            Assert.Contains("licenz.db-wal", files.Keys);
        }

        foreach (var key in issued)
        {
            var body = key[ApiKeyPrefixOf(key).Length..];
            var secret = body[LookupLength..];
            foreach (var (name, bytes) in files)
            {
                Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(key)), $"{name} holds the key {Shown(key)}");
                Assert.False(Contains(bytes, Encoding.Unicode.GetBytes(key)), $"{name} holds the key {Shown(key)} as UTF-16");
                Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(secret)), $"{name} holds the secret part of {Shown(key)}");
                Assert.False(Contains(bytes, Encoding.Unicode.GetBytes(secret)), $"{name} holds the secret part of {Shown(key)} as UTF-16");
            }

            // The search does find what is stored: the lookup id that finds the row.
            Assert.True(files.Values.Any(bytes => Contains(bytes, Encoding.UTF8.GetBytes(body[..LookupLength]))),
                $"The lookup id of {Shown(key)} is in none of {string.Join(", ", files.Keys)}");
        }

        static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

        static string Shown(string key) => key[..(ApiKeyPrefixOf(key).Length + LookupLength)] + "…";
    }

    [Theory]
    [MemberData(nameof(KeyTypes))]
    public async Task ARevokedKeyIsRefusedOnTheVeryNextRequest(string type, string prefix)
    {
        using var admin = app.CreateAdminClient();
        var created = await CreateKeyAsync(admin, type, "Revoke me");
        Assert.StartsWith(prefix, created.Str("key"), StringComparison.Ordinal);
        using var client = app.CreateClient(created.Str("key"));
        await (await VerifySomethingAsync(client)).DataAsync();
        var lastUse = Now();

        var revoked = await (await admin.DeleteAsync($"api-keys/{created.Str("id")}")).DataAsync();
        Assert.Equal("revoked", revoked.Str("status"));
        Assert.Equal(Now(), revoked.Str("revoked_at"));

        var error = await (await VerifySomethingAsync(client)).ErrorAsync(HttpStatusCode.Unauthorized, "invalid_api_key");
        Assert.Equal(InvalidKeyMessage, error.Str("message"));

        // A refused attempt later on is not a use.
        app.Time.Advance(TimeSpan.FromMinutes(3));
        await (await VerifySomethingAsync(client)).ErrorAsync(HttpStatusCode.Unauthorized, "invalid_api_key");
        await app.FlushActivityAsync();
        var listed = await FindKeyAsync(admin, created.Str("id"));
        Assert.Equal("revoked", listed.Str("status"));
        Assert.Equal(lastUse, listed.Str("last_used_at"));
    }

    [Fact]
    public async Task AnAdminKeyThatRevokesItselfStopsWorkingAtOnce()
    {
        using var admin = app.CreateAdminClient();
        var created = await CreateKeyAsync(admin, "admin", "Self-destructing");
        using var client = app.CreateClient(created.Str("key"));

        var revoked = await (await client.DeleteAsync($"api-keys/{created.Str("id")}")).DataAsync();

        Assert.Equal("revoked", revoked.Str("status"));
        await (await client.GetAsync("api-keys")).ErrorAsync(HttpStatusCode.Unauthorized, "invalid_api_key");
    }

    [Fact]
    public async Task AnExpiredKeyIsRefusedOnTheNextRequest()
    {
        using var admin = app.CreateAdminClient();
        var expiresAt = Clock().AddHours(1);
        var created = await CreateKeyAsync(admin, "read_only", "Expires in an hour", Iso(expiresAt));
        Assert.Equal(Iso(expiresAt), created.Str("expires_at"));
        using var client = app.CreateClient(created.Str("key"));
        await (await client.GetAsync("licenses")).DataAsync();

        app.Time.SetUtcNow(expiresAt.AddSeconds(-1));
        await (await client.GetAsync("licenses")).DataAsync();
        Assert.Equal("active", (await FindKeyAsync(admin, created.Str("id"))).Str("status"));

        app.Time.SetUtcNow(expiresAt.AddSeconds(1));
        var error = await (await client.GetAsync("licenses")).ErrorAsync(HttpStatusCode.Unauthorized, "invalid_api_key");
        Assert.Equal(InvalidKeyMessage, error.Str("message"));
        Assert.Equal("expired", (await FindKeyAsync(admin, created.Str("id"))).Str("status"));
    }

    [Fact]
    public async Task LastUsedAtIsNullUntilTheKeyIsUsedThenTheTimeOfItsLatestRequest()
    {
        using var admin = app.CreateAdminClient();
        var created = await CreateKeyAsync(admin, "verify_only", "Desktop app 2.x");
        await app.FlushActivityAsync();
        Assert.Equal(JsonValueKind.Null, (await FindKeyAsync(admin, created.Str("id"))).GetProperty("last_used_at").ValueKind);
        using var client = app.CreateClient(created.Str("key"));

        app.Time.Advance(TimeSpan.FromSeconds(7 * 60 + 3));
        var firstUse = Now();
        await (await VerifySomethingAsync(client)).DataAsync();
        app.Time.Advance(TimeSpan.FromSeconds(5));
        await app.FlushActivityAsync();
        Assert.Equal(firstUse, (await FindKeyAsync(admin, created.Str("id"))).Str("last_used_at"));

        app.Time.Advance(TimeSpan.FromHours(1));
        var secondUse = Now();
        await (await VerifySomethingAsync(client)).DataAsync();
        await app.FlushActivityAsync();
        Assert.Equal(secondUse, (await FindKeyAsync(admin, created.Str("id"))).Str("last_used_at"));
    }

    [Fact]
    public async Task AForbiddenRequestDoesNotRecordLastUse()
    {
        using var admin = app.CreateAdminClient();
        var created = await CreateKeyAsync(admin, "verify_only", "Only verifies");
        using var client = app.CreateClient(created.Str("key"));

        await (await client.GetAsync("licenses")).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await client.PostJsonAsync("api-keys", new { type = "admin", name = "Escalation" })).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await app.FlushActivityAsync();

        Assert.Equal(JsonValueKind.Null, (await FindKeyAsync(admin, created.Str("id"))).GetProperty("last_used_at").ValueKind);

        // The same key's permitted request is recorded: the recorder works for it.
        app.Time.Advance(TimeSpan.FromSeconds(1));
        await (await VerifySomethingAsync(client)).DataAsync();
        await app.FlushActivityAsync();
        Assert.Equal(Now(), (await FindKeyAsync(admin, created.Str("id"))).Str("last_used_at"));
    }

    [Fact]
    public async Task ARequestRefusedForItsContentDoesNotRecordLastUse()
    {
        using var admin = app.CreateAdminClient();
        var created = await CreateKeyAsync(admin, "admin", "Makes mistakes");
        using var client = app.CreateClient(created.Str("key"));

        await (await client.DeleteAsync("api-keys/key_00000000000000000000000000")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await client.PostJsonAsync("api-keys", new { type = "root", name = "Nope" })).ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        await app.FlushActivityAsync();

        Assert.Equal(JsonValueKind.Null, (await FindKeyAsync(admin, created.Str("id"))).GetProperty("last_used_at").ValueKind);
    }

    public static TheoryData<string, string> BadCreateBodies => new()
    {
        { """{"type": "superuser", "name": "CI deploy"}""", "type" },
        { """{"name": "CI deploy"}""", "type" },
        { """{"type": 1, "name": "CI deploy"}""", "type" },
        { """{"type": "admin"}""", "name" },
        { """{"type": "admin", "name": "   "}""", "name" },
        { """{"type": "admin", "name": "CI deploy", "expires_at": "2020-01-15T10:30:00Z"}""", "expires_at" },
        { """{"type": "admin", "name": "CI deploy", "expires_at": "2030-01-15T10:30:00"}""", "expires_at" },
        { """{"type": "admin", "name": "CI deploy", "expires_at": "next tuesday"}""", "expires_at" },
        { """{"type": "admin", "name": "CI deploy", "scopes": ["everything"]}""", "scopes" },
    };

    [Theory]
    [MemberData(nameof(BadCreateBodies))]
    public async Task ABadCreateBodyIsABadRequestNamingTheFieldAndCreatesNothing(string body, string field)
    {
        using var admin = app.CreateAdminClient();
        var before = await SnapshotAfterWarmUpAsync(admin);

        using var response = await admin.PostRawAsync("api-keys", body);

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal(field, error.Str("field"));
        Assert.Contains($"'{field}'", error.Str("message"), StringComparison.Ordinal);
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Fact]
    public async Task AnExpiryAtTheCurrentInstantIsRefused()
    {
        using var admin = app.CreateAdminClient();
        var before = await SnapshotAfterWarmUpAsync(admin);

        using var response = await admin.PostJsonAsync("api-keys", new { type = "admin", name = "Born expired", expires_at = Now() });

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("expires_at", error.Str("field"));
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Theory]
    [InlineData("key_00000000000000000000000000")]
    [InlineData("key_does-not-exist")]
    [InlineData("lz_admin_0123456789")]
    public async Task RevokingAnUnknownKeyIsNotFound(string id)
    {
        using var admin = app.CreateAdminClient();
        var before = await SnapshotAfterWarmUpAsync(admin);

        using var response = await admin.DeleteAsync($"api-keys/{id}");

        await response.ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Fact]
    public async Task RevokingTwiceIsHarmless()
    {
        using var admin = app.CreateAdminClient();
        var created = await CreateKeyAsync(admin, "read_only", "Revoked twice");
        var first = await (await admin.DeleteAsync($"api-keys/{created.Str("id")}")).DataAsync();
        app.Time.Advance(TimeSpan.FromMinutes(10));
        var before = await SnapshotAfterWarmUpAsync(admin);

        var second = await (await admin.DeleteAsync($"api-keys/{created.Str("id")}")).DataAsync();

        Assert.Equal("revoked", second.Str("status"));
        Assert.Equal(first.Str("revoked_at"), second.Str("revoked_at"));
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
        using var client = app.CreateClient(created.Str("key"));
        await (await client.GetAsync("licenses")).ErrorAsync(HttpStatusCode.Unauthorized, "invalid_api_key");
    }

    [Fact]
    public async Task AKeyOfOneAccountCannotSeeOrRevokeTheKeysOfAnother()
    {
        using var admin = app.CreateAdminClient();
        var ours = await CreateKeyAsync(admin, "read_only", "Ours");
        var (_, otherKey) = await app.CreateAccountAsync("Neighbour vendor");
        using var other = app.CreateClient(otherKey);
        var theirs = await CreateKeyAsync(other, "read_only", "Theirs");

        var ourIds = (await (await admin.GetAsync("api-keys?limit=100")).DataAsync()).EnumerateArray().Select(k => k.Str("id")).ToList();
        var theirList = (await (await other.GetAsync("api-keys?limit=100")).DataAsync()).EnumerateArray().ToList();
        Assert.Contains(ours.Str("id"), ourIds);
        Assert.DoesNotContain(theirs.Str("id"), ourIds);
        Assert.Equal(2, theirList.Count);
        Assert.Contains(theirs.Str("id"), theirList.Select(k => k.Str("id")));
        Assert.Empty(theirList.Select(k => k.Str("id")).Intersect(ourIds));

        var before = await SnapshotAfterWarmUpAsync(admin, other);
        await (await other.DeleteAsync($"api-keys/{ours.Str("id")}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await admin.DeleteAsync($"api-keys/{theirs.Str("id")}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(before, await app.SnapshotDatabaseAsync());

        using var ourClient = app.CreateClient(ours.Str("key"));
        using var theirClient = app.CreateClient(theirs.Str("key"));
        await (await ourClient.GetAsync("licenses")).DataAsync();
        await (await theirClient.GetAsync("licenses")).DataAsync();
    }

    [Fact]
    public async Task AKeyThatOnlyResemblesAnIssuedKeyIsInvalid()
    {
        using var admin = app.CreateAdminClient();
        var key = (await CreateKeyAsync(admin, "admin", "The real one")).Str("key");
        var body = key["lz_admin_".Length..];
        var lastChanged = key[..^1] + (key[^1] == 'a' ? 'b' : 'a');
        var sameLookupOtherSecret = "lz_admin_" + body[..LookupLength] + new string('x', BodyLength - LookupLength);
        var otherTypeSameBody = "lz_read_" + body;
        var lowerCased = key.ToLowerInvariant() == key ? key.ToUpperInvariant() : key.ToLowerInvariant();

        foreach (var forged in new[] { lastChanged, sameLookupOtherSecret, otherTypeSameBody, lowerCased, key + "0" })
        {
            using var client = app.CreateClient(forged);
            var error = await (await client.GetAsync("api-keys")).ErrorAsync(HttpStatusCode.Unauthorized, "invalid_api_key");
            Assert.Equal(InvalidKeyMessage, error.Str("message"));
        }

        using var real = app.CreateClient(key);
        await (await real.GetAsync("api-keys")).DataAsync();
    }

    private async Task<JsonElement> CreateKeyAsync(HttpClient admin, string type, string name, string? expiresAt = null)
    {
        object body = expiresAt is null ? new { type, name } : new { type, name, expires_at = expiresAt };
        return await (await admin.PostJsonAsync("api-keys", body)).DataAsync(HttpStatusCode.Created);
    }

    private static async Task<JsonElement> FindKeyAsync(HttpClient admin, string id)
    {
        var list = await (await admin.GetAsync("api-keys?limit=100")).DataAsync();
        return list.EnumerateArray().Single(k => k.Str("id") == id);
    }

    /// <summary>A verification any key type may make; the license need not exist.</summary>
    private static Task<HttpResponseMessage> VerifySomethingAsync(HttpClient client) =>
        client.PostJsonAsync("licenses/verify", new { key = "LIC-00000-00000-00000" });

    /// <summary>
    /// Uses the clients once at the current instant, so that recording their last use cannot change the
    /// snapshot again until the clock moves; then takes the snapshot.
    /// </summary>
    private async Task<string> SnapshotAfterWarmUpAsync(params HttpClient[] clients)
    {
        foreach (var client in clients)
        {
            (await client.GetAsync("api-keys")).EnsureSuccessStatusCode();
        }

        return await app.SnapshotDatabaseAsync();
    }

    private static string ApiKeyPrefixOf(string key) => key[..(key.IndexOf('_', 3) + 1)];

    private DateTimeOffset Clock() => app.Time.GetUtcNow();

    private string Now() => Iso(Clock());

    private static string Iso(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

using System.Net;
using System.Text.Json;
using Licenz.Server.Activity;
using Licenz.Server.Data;
using Licenz.Server.Products;
using Licenz.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Licenz.Server.Tests.Events;

/// <summary>
/// Every state change appends its event in the same transaction, with the acting key and the resource as it now is;
/// <c>GET /events</c> serves them, newest first, filtered and paged.
/// </summary>
public sealed class EventLogTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<(HttpClient Admin, string AdminKeyId, string AccountId)> FreshAccountAsync()
    {
        var (accountId, adminKey) = await app.CreateAccountAsync("Events " + Guid.NewGuid().ToString("N")[..8]);
        var admin = app.CreateClient(adminKey);
        var keys = await (await admin.GetAsync("api-keys", Cancel)).DataAsync();
        return (admin, keys.EnumerateArray().Single().Str("id"), accountId);
    }

    private static async Task<List<JsonElement>> EventsAsync(HttpClient client, string query)
    {
        var data = await (await client.GetAsync("events?" + query, Cancel)).DataAsync();
        return [.. data.EnumerateArray()];
    }

    [Fact]
    public async Task EachLicenseChangeAppendsOneEventWithTheActingKeyAndTheLicenseAsItNowIs()
    {
        var (admin, adminKeyId, _) = await FreshAccountAsync();
        var product = await (await admin.PostJsonAsync("products", new { name = "Events product" })).DataAsync(HttpStatusCode.Created);
        var license = await (await admin.PostJsonAsync("licenses", new { product_id = product.Str("id"), email = "e@example.com", type = "subscription" }))
            .DataAsync(HttpStatusCode.Created);
        var id = license.Str("id");

        await (await admin.PatchJsonAsync($"licenses/{id}", new { email = "new@example.com" })).DataAsync();
        foreach (var action in new[] { "suspend", "reinstate", "renew", "revoke" })
        {
            await (await admin.PostAsync($"licenses/{id}/{action}", null, Cancel)).DataAsync();
        }

        await (await admin.DeleteAsync($"licenses/{id}", Cancel)).DataAsync();

        var events = await EventsAsync(admin, $"resource_id={id}");
        Assert.Equal(
            ["license.deleted", "license.revoked", "license.renewed", "license.reinstated", "license.suspended", "license.updated", "license.created"],
            events.Select(e => e.Str("type")));
        Assert.All(events, e =>
        {
            Assert.Equal("license", e.Str("resource_type"));
            Assert.Equal(id, e.Str("resource_id"));
            Assert.Equal(adminKeyId, e.Str("actor_key_id"));
            Assert.Equal(id, e.GetProperty("data").Str("id"));
            Assert.StartsWith("evt_", e.Str("id"), StringComparison.Ordinal);
        });
        Assert.Equal("suspended", events.Single(e => e.Str("type") == "license.suspended").GetProperty("data").Str("status"));
        Assert.Equal("new@example.com", events.Single(e => e.Str("type") == "license.updated").GetProperty("data").Str("email"));
        Assert.Equal("revoked", events.Single(e => e.Str("type") == "license.deleted").GetProperty("data").Str("status"));
    }

    [Fact]
    public async Task ProductApiKeyAndSigningKeyChangesAreEventsToo()
    {
        var (admin, _, _) = await FreshAccountAsync();
        var product = await (await admin.PostJsonAsync("products", new { name = "Evented" })).DataAsync(HttpStatusCode.Created);
        await (await admin.PatchJsonAsync($"products/{product.Str("id")}", new { name = "Evented 2" })).DataAsync();
        await (await admin.DeleteAsync($"products/{product.Str("id")}", Cancel)).DataAsync();
        var key = await (await admin.PostJsonAsync("api-keys", new { type = "read_only", name = "Reports" })).DataAsync(HttpStatusCode.Created);
        await (await admin.DeleteAsync($"api-keys/{key.Str("id")}", Cancel)).DataAsync();
        var before = (await (await admin.GetAsync("signing-keys", Cancel)).DataAsync()).EnumerateArray().Single().Str("id");
        await (await admin.PostAsync("signing-keys/rotate", null, Cancel)).DataAsync(HttpStatusCode.Created);
        await (await admin.PostAsync($"signing-keys/{before}/retire", null, Cancel)).DataAsync();

        var types = (await EventsAsync(admin, "limit=100")).Select(e => e.Str("type")).ToList();

        Assert.Equal(["product.created", "product.updated", "product.deleted"], types.Where(t => t.StartsWith("product.", StringComparison.Ordinal)).Reverse());
        Assert.Equal(["api_key.created", "api_key.revoked"], types.Where(t => t.StartsWith("api_key.", StringComparison.Ordinal)).Reverse().Skip(1));
        Assert.Contains("signing_key.rotated", types);
        Assert.Contains("signing_key.retired", types);
        Assert.Equal(2, types.Count(t => t == "signing_key.created"));
        Assert.Contains("account.created", types);
    }

    [Fact]
    public async Task TheLogFiltersByTypeAndTimeAndPagesWithACursor()
    {
        var (admin, _, _) = await FreshAccountAsync();
        var product = await (await admin.PostJsonAsync("products", new { name = "Paged" })).DataAsync(HttpStatusCode.Created);
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var license = await (await admin.PostJsonAsync("licenses", new { product_id = product.Str("id"), email = $"p{i}@example.com", type = "perpetual" }))
                .DataAsync(HttpStatusCode.Created);
            created.Add(license.Str("id"));
        }

        var firstPage = await (await admin.GetAsync("events?type=license.created&limit=3", Cancel)).BodyAsync();
        var cursor = firstPage.GetProperty("pagination").Str("next_cursor");
        var secondPage = await EventsAsync(admin, $"type=license.created&limit=3&cursor={cursor}");
        var future = await EventsAsync(admin, $"since={Uri.EscapeDataString(app.Time.GetUtcNow().AddMinutes(1).ToString("O"))}");
        var past = await EventsAsync(admin, $"until={Uri.EscapeDataString(app.Time.GetUtcNow().AddMinutes(1).ToString("O"))}&type=license.created");

        var paged = firstPage.GetProperty("data").EnumerateArray().Concat(secondPage).Select(e => e.Str("resource_id")).ToList();
        Assert.Equal(Enumerable.Reverse(created), paged);
        Assert.Equal(5, firstPage.GetProperty("pagination").GetProperty("total").GetInt32());
        Assert.Empty(future);
        Assert.Equal(5, past.Count);
    }

    [Theory]
    [InlineData("since=yesterday", "since")]
    [InlineData("until=2026-01-15T10:30:00", "until")]
    [InlineData("limit=0", "limit")]
    [InlineData("cursor=bm9wZQ", "cursor")]
    [InlineData("resource=lic_1", "resource")]
    public async Task ABadFilterIsABadRequestNamingIt(string query, string field)
    {
        using var admin = app.CreateAdminClient();

        using var response = await admin.GetAsync("events?" + query, Cancel);

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal(field, error.Str("field"));
    }

    [Fact]
    public async Task AChangeThatFailsToSaveLeavesNoEvent()
    {
        var (admin, _, accountId) = await FreshAccountAsync();
        var product = await (await admin.PostJsonAsync("products", new { name = "Taken", code = "taken" })).DataAsync(HttpStatusCode.Created);

        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<Tenancy>().Serve(accountId);
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        var before = await db.Events.CountAsync(Cancel);
        db.Products.Add(new Product { Id = "prod_duplicate0000000000000000", AccountId = accountId, Name = "Again", Code = "taken" });

        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync(Cancel));

        Assert.Equal(before, await db.Events.CountAsync(Cancel));
        Assert.DoesNotContain(await db.Events.Select(e => e.ResourceId).ToListAsync(Cancel), id => id == "prod_duplicate0000000000000000");
        Assert.NotNull(product.Str("id"));
    }

    [Fact]
    public async Task AChangeMadeOutsideTheApiIsAnEventAndIsSeenByTheNextVerification()
    {
        var (admin, _, accountId) = await FreshAccountAsync();
        var product = await (await admin.PostJsonAsync("products", new { name = "Direct" })).DataAsync(HttpStatusCode.Created);
        var license = await (await admin.PostJsonAsync("licenses", new { product_id = product.Str("id"), email = "d@example.com", type = "perpetual" }))
            .DataAsync(HttpStatusCode.Created);
        Assert.Equal("VALID", (await (await admin.PostJsonAsync("licenses/verify", new { key = license.Str("key") })).DataAsync()).Str("code"));

        await using (var scope = app.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<Tenancy>().Serve(accountId);
            var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
            var row = await db.Licenses.SingleAsync(l => l.Id == license.Str("id"), Cancel);
            row.Status = Licenz.Server.Licenses.LicenseStatus.Suspended;
            await db.SaveChangesAsync(Cancel);
        }

        var verified = await (await admin.PostJsonAsync("licenses/verify", new { key = license.Str("key") })).DataAsync();
        var events = await EventsAsync(admin, $"resource_id={license.Str("id")}");

        Assert.Equal("SUSPENDED", verified.Str("code"));
        Assert.Equal("license.updated", events[0].Str("type"));
        Assert.Equal(JsonValueKind.Null, events[0].GetProperty("actor_key_id").ValueKind);
    }

    [Fact]
    public void OnlyTheWriteOnlyActivityTablesAreWrittenWithExecuteUpdateOrExecuteDelete()
    {
        // Set-based writes skip the change tracker, so they would skip their events (and cache invalidation): only the
        // activity writer, whose last-used and last-validated times are not events, may use them; machine heartbeats
        // (a ping is not a change); the conditional writes that hold a license's limits (Seats: their events are the
        // tracked rows saved beside them); the claim of a dashboard invitation, which must work once (MemberInvitations: a
        // link is no event); and the start-up steps that change storage the API does not show (sealing an
        // older version's plain-text license keys, giving licenses from before policies their default policy).
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Licenz.slnx")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Repository root not found.");
        }

        var offenders = Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f) is var text && (text.Contains(".ExecuteUpdate", StringComparison.Ordinal) || text.Contains(".ExecuteDelete", StringComparison.Ordinal)))
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .ToList();

        Assert.Equal(
            [
                "src/Licenz.Server/Activity/ActivityRecorder.cs", "src/Licenz.Server/Dashboard/Members/MemberInvitations.cs",
                "src/Licenz.Server/Licenses/LicenseKeyUpgrade.cs",
                "src/Licenz.Server/Machines/MachineHeartbeats.cs", "src/Licenz.Server/Machines/Seats.cs", "src/Licenz.Server/Policies/DefaultPolicies.cs",
            ],
            offenders.Order(StringComparer.Ordinal));
    }
}

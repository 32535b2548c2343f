using System.Text.Json.Nodes;
using Licenz.Sdk.Tests.Infrastructure;

namespace Licenz.Sdk.Tests.Client;

public sealed class LicensesClientTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    [Fact]
    public async Task ReadsLikeTheApiPageExample()
    {
        using var client = new LicenzClient(new LicenzClientOptions
        {
            ApiKey = app.AdminKey,
            BaseUrl = app.ApiBaseUrl,
            TrustedCertificatePath = app.CertificatePath,
        });
        var product = await client.Products.CreateAsync(new ProductCreateOptions { Name = "Page Example" });
        var created = await client.Licenses.CreateAsync(new LicenseCreateOptions
        {
            ProductId = product.Id,
            Email = "customer@example.com",
            Type = LicenseTypeNames.Subscription,
        });

        var licenses = await client.Licenses.ListAsync();

        Assert.Contains(licenses, l => l.Id == created.Id);
        Assert.Equal(licenses.Count, licenses.Data.Count);
        Assert.True(licenses.Pagination.Total >= 1);
    }

    [Fact]
    public async Task CreateGetUpdateAndDeleteRoundTrip()
    {
        using var client = app.CreateClient();
        var product = await client.Products.CreateAsync(new ProductCreateOptions { Name = "Round Trip", SubscriptionDays = 30 });
        var expires = app.Time.GetUtcNow().AddDays(90);

        var created = await client.Licenses.CreateAsync(new LicenseCreateOptions
        {
            ProductId = product.Id,
            Email = "Customer@Example.com",
            Type = LicenseTypeNames.Subscription,
            ExpiresAt = expires,
            Metadata = new JsonObject { ["seats"] = 5, ["plan"] = "pro" },
        });

        Assert.StartsWith("lic_", created.Id, StringComparison.Ordinal);
        Assert.True(LicenseKey.TryNormalize(created.Key, out var canonical) && canonical == created.Key, created.Key);
        Assert.Equal(product.Id, created.ProductId);
        Assert.Equal("customer@example.com", created.Email);
        Assert.Equal(LicenseTypeNames.Subscription, created.Type);
        Assert.Equal(LicenseStatusNames.Active, created.Status);
        Assert.Equal(expires, created.ExpiresAt);
        Assert.Equal(5, created.Metadata.GetProperty("seats").GetInt32());
        Assert.Equal(app.Time.GetUtcNow(), created.CreatedAt);
        Assert.Null(created.SuspendedAt);

        Same.License(created, await client.Licenses.GetAsync(created.Id));
        Same.License(created, await client.Licenses.GetAsync(created.Key.ToLowerInvariant().Replace("-", "", StringComparison.Ordinal)));

        app.Time.Advance(TimeSpan.FromMinutes(1));
        var later = app.Time.GetUtcNow().AddDays(400);
        var updated = await client.Licenses.UpdateAsync(created.Key, new LicenseUpdateOptions
        {
            Email = "new-owner@example.com",
            ExpiresAt = later,
            Metadata = new JsonObject { ["seats"] = 10 },
        });
        Assert.Equal(created.Id, updated.Id);
        Assert.Equal("new-owner@example.com", updated.Email);
        Assert.Equal(later, updated.ExpiresAt);
        Assert.Equal(10, updated.Metadata.GetProperty("seats").GetInt32());
        Assert.False(updated.Metadata.TryGetProperty("plan", out _));
        Assert.Equal(app.Time.GetUtcNow(), updated.UpdatedAt);
        Same.License(updated, await client.Licenses.GetAsync(created.Id));

        var unchanged = await client.Licenses.UpdateAsync(created.Id, new LicenseUpdateOptions());
        Assert.Equal("new-owner@example.com", unchanged.Email);

        var deleted = await client.Licenses.DeleteAsync(created.Id);
        Assert.Equal(created.Id, deleted.Id);
        Assert.True(deleted.Deleted);
        var gone = await Assert.ThrowsAsync<LicenzException>(() => client.Licenses.GetAsync(created.Id));
        Assert.Equal(LicenzErrorCodes.NotFound, gone.Code);
        Assert.Equal(404, gone.Status);
    }

    [Fact]
    public async Task LifecycleActionsChangeTheStatusAndRefuseImpossibleTransitions()
    {
        using var client = app.CreateClient();
        var product = await client.Products.CreateAsync(new ProductCreateOptions { Name = "Lifecycle", SubscriptionDays = 30 });
        var license = await client.Licenses.CreateAsync(new LicenseCreateOptions
        {
            ProductId = product.Id,
            Email = "lifecycle@example.com",
            Type = LicenseTypeNames.Subscription,
        });
        Assert.Equal(app.Time.GetUtcNow().AddDays(30), license.ExpiresAt);

        var suspended = await client.Licenses.SuspendAsync(license.Id);
        Assert.Equal(LicenseStatusNames.Suspended, suspended.Status);
        Assert.Equal(app.Time.GetUtcNow(), suspended.SuspendedAt);

        var reinstated = await client.Licenses.ReinstateAsync(license.Key);
        Assert.Equal(LicenseStatusNames.Active, reinstated.Status);
        Assert.Null(reinstated.SuspendedAt);

        var renewed = await client.Licenses.RenewAsync(license.Id, days: 10);
        Assert.Equal(license.ExpiresAt!.Value.AddDays(10), renewed.ExpiresAt);
        var renewedByProduct = await client.Licenses.RenewAsync(license.Id);
        Assert.Equal(license.ExpiresAt!.Value.AddDays(40), renewedByProduct.ExpiresAt);

        var revoked = await client.Licenses.RevokeAsync(license.Id);
        Assert.Equal(LicenseStatusNames.Revoked, revoked.Status);
        Assert.Equal(app.Time.GetUtcNow(), revoked.RevokedAt);

        var refused = await Assert.ThrowsAsync<LicenzException>(() => client.Licenses.SuspendAsync(license.Id));
        Assert.Equal(LicenzErrorCodes.BadRequest, refused.Code);
        Assert.Equal(400, refused.Status);
        Assert.Contains("revoked", refused.Message, StringComparison.Ordinal);
        Assert.Equal(LicenseStatusNames.Revoked, (await client.Licenses.GetAsync(license.Id)).Status);
    }

    [Fact]
    public async Task ListFiltersByProductStatusAndEmail()
    {
        using var client = app.CreateClient();
        var product = await client.Products.CreateAsync(new ProductCreateOptions { Name = "Filters" });
        var other = await client.Products.CreateAsync(new ProductCreateOptions { Name = "Filters Other" });
        var alice = await CreateAsync(client, product.Id, "alice@filters.example");
        var bob = await CreateAsync(client, product.Id, "bob@filters.example");
        var carol = await CreateAsync(client, other.Id, "alice@filters.example");
        await client.Licenses.SuspendAsync(bob.Id);

        var ofProduct = await client.Licenses.ListAsync(new LicenseListOptions { ProductId = product.Id });
        Assert.Equal(new[] { bob.Id, alice.Id }, ofProduct.Select(l => l.Id));
        Assert.Equal(2, ofProduct.Pagination.Total);
        Assert.False(ofProduct.Pagination.HasMore);
        Assert.Null(ofProduct.Pagination.NextCursor);

        var suspended = await client.Licenses.ListAsync(new LicenseListOptions { ProductId = product.Id, Status = LicenseStatusNames.Suspended });
        Assert.Equal(new[] { bob.Id }, suspended.Select(l => l.Id));

        var byEmail = await client.Licenses.ListAsync(new LicenseListOptions { Email = "ALICE@filters.example" });
        Assert.Equal(new[] { carol.Id, alice.Id }, byEmail.Select(l => l.Id));

        var bad = await Assert.ThrowsAsync<LicenzException>(() => client.Licenses.ListAsync(new LicenseListOptions { Status = "sleeping" }));
        Assert.Equal(LicenzErrorCodes.BadRequest, bad.Code);
        Assert.Equal("status", bad.Field);
    }

    [Fact]
    public async Task PagesFollowTheCursorAndTheAsyncEnumerableWalksEveryPageOnce()
    {
        using var interceptor = new Interceptor();
        using var client = app.CreateClient(interceptor);
        var product = await client.Products.CreateAsync(new ProductCreateOptions { Name = "Paging" });
        var created = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            created.Add((await CreateAsync(client, product.Id, $"page{i}@paging.example")).Id);
        }

        created.Reverse();
        var filter = new LicenseListOptions { ProductId = product.Id, Limit = 3 };

        var first = await client.Licenses.ListAsync(filter);
        Assert.Equal(created[..3], first.Select(l => l.Id));
        Assert.Equal(new PageInfo(3, true, first.Pagination.NextCursor, 7), first.Pagination);
        Assert.NotNull(first.Pagination.NextCursor);

        var second = await client.Licenses.ListAsync(new LicenseListOptions { ProductId = product.Id, Limit = 3, Cursor = first.Pagination.NextCursor });
        Assert.Equal(created[3..6], second.Select(l => l.Id));
        var third = await client.Licenses.ListAsync(new LicenseListOptions { ProductId = product.Id, Limit = 3, Cursor = second.Pagination.NextCursor });
        Assert.Equal(created[6..], third.Select(l => l.Id));
        Assert.False(third.Pagination.HasMore);
        Assert.Null(third.Pagination.NextCursor);

        var before = interceptor.Requests.Count;
        var all = new List<string>();
        await foreach (var license in client.Licenses.ListAllAsync(filter))
        {
            all.Add(license.Id);
        }

        Assert.Equal(created, all);
        var pageRequests = interceptor.Requests.Skip(before).ToList();
        Assert.Equal(3, pageRequests.Count);
        Assert.All(pageRequests, r => Assert.Contains("limit=3", r.Uri.Query, StringComparison.Ordinal));
        Assert.DoesNotContain("cursor", pageRequests[0].Uri.Query, StringComparison.Ordinal);
        Assert.Contains("cursor=" + Uri.EscapeDataString(first.Pagination.NextCursor!), pageRequests[1].Uri.Query, StringComparison.Ordinal);

        var fromSecondPage = await client.Licenses.ListAllAsync(new LicenseListOptions { ProductId = product.Id, Limit = 3, Cursor = first.Pagination.NextCursor })
            .Select(l => l.Id).ToListAsync();
        Assert.Equal(created[3..], fromSecondPage);
    }

    [Fact]
    public async Task TheAsyncEnumerableStopsWhenCancelled()
    {
        using var interceptor = new Interceptor();
        using var client = app.CreateClient(interceptor);
        var product = await client.Products.CreateAsync(new ProductCreateOptions { Name = "Cancelled Paging" });
        for (var i = 0; i < 4; i++)
        {
            await CreateAsync(client, product.Id, $"cancel{i}@paging.example");
        }

        using var cancellation = new CancellationTokenSource();
        var before = interceptor.Requests.Count;
        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var license in client.Licenses.ListAllAsync(new LicenseListOptions { ProductId = product.Id, Limit = 2 }).WithCancellation(cancellation.Token))
            {
                seen++;
                await cancellation.CancelAsync();
            }
        });

        Assert.Equal(2, seen);
        Assert.Equal(1, interceptor.Requests.Count - before);
    }

    [Fact]
    public async Task LicenseFilesAreCheckedOutAndVerifyOffline()
    {
        using var client = app.CreateClient();
        var product = await client.Products.CreateAsync(new ProductCreateOptions { Name = "Files" });
        var license = await CreateAsync(client, product.Id, "files@example.com");
        var keys = await client.SigningKeys.GetJwksAsync();
        var fingerprint = MachineFingerprint.FromIdentifier("machine-under-test");
        var machine = await client.Machines.ActivateAsync(license.Key, fingerprint);

        var checkout = await client.Licenses.CheckOutLicenseFileAsync(license.Id, new LicenseFileCheckoutOptions
        {
            TimeToLive = TimeSpan.FromDays(7),
            Fingerprint = fingerprint,
            Encrypt = true,
        });

        Assert.Equal(license.Id, checkout.LicenseId);
        Assert.True(checkout.Encrypted);
        Assert.Equal(fingerprint, checkout.Fingerprint);
        Assert.Equal(machine.Id, checkout.MachineId);
        Assert.Equal(app.Time.GetUtcNow(), checkout.IssuedAt);
        Assert.Equal(app.Time.GetUtcNow().AddDays(7), checkout.ExpiresAt);
        Assert.Contains(checkout.KeyId, keys.KeyIds);
        Assert.StartsWith(LicenseFile.BeginLine, checkout.LicenseFile, StringComparison.Ordinal);
        Assert.NotNull(checkout.RateLimit);

        var verified = LicenseFile.Verify(checkout.LicenseFile, keys, new LicenseFileOptions
        {
            Time = app.Time,
            TrustedClock = TrustedClock.InMemory(),
            LicenseKey = license.Key,
            Fingerprint = fingerprint,
        });
        Assert.True(verified.IsValid, verified.Message);
        Assert.Equal(license.Key, verified.Claims!.License.Key);

        // The kind of key shipped in applications checks out by presenting the license key, with the server's defaults.
        var verifyKey = await client.ApiKeys.CreateAsync(new ApiKeyCreateOptions { Type = ApiKeyTypeNames.VerifyOnly, Name = "Files app" });
        using var application = app.CreateClient(verifyKey.Key);
        var plain = await application.Licenses.CheckOutLicenseFileAsync(license.Key);
        Assert.False(plain.Encrypted);
        Assert.Null(plain.Fingerprint);
        Assert.Equal(app.Time.GetUtcNow().AddDays(30), plain.ExpiresAt);
        Assert.True(LicenseFile.Verify(plain.LicenseFile, keys, new LicenseFileOptions { Time = app.Time, TrustedClock = TrustedClock.InMemory() }).IsValid);

        var byId = await Assert.ThrowsAsync<LicenzException>(() => application.Licenses.CheckOutLicenseFileAsync(license.Id));
        Assert.Equal(LicenzErrorCodes.Forbidden, byId.Code);
        Assert.Equal(403, byId.Status);

        Assert.Throws<ArgumentException>(() => { _ = client.Licenses.CheckOutLicenseFileAsync(license.Id, new LicenseFileCheckoutOptions { TimeToLive = TimeSpan.FromMilliseconds(1500) }); });
    }

    /// <summary>Ids are time-ordered: licenses created a second apart list newest first in reverse order of creation.</summary>
    private Task<LicenseInfo> CreateAsync(LicenzClient client, string productId, string email)
    {
        app.Time.Advance(TimeSpan.FromSeconds(1));
        return client.Licenses.CreateAsync(new LicenseCreateOptions { ProductId = productId, Email = email, Type = LicenseTypeNames.Perpetual });
    }
}

using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Licenz.Server.Data;
using Licenz.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Licenz.Server.Tests.ApiKeys;

/// <summary>
/// Every endpoint of the API × every kind of caller: who gets in, who is refused with which code, and
/// that a refused request writes nothing; and, for each, what another account's admin gets (nothing of the
/// first account's, as if it had never been made). The expectations are written here from the API page (key
/// types and error codes) and <c>docs/licensing.md</c>, not read from the server's own scope table.
/// </summary>
public sealed class AuthorizationMatrixTests(AuthorizationMatrixServer app) : IClassFixture<AuthorizationMatrixServer>
{
    private const string InvalidKeyMessage = "The API key provided is invalid or expired";

    /// <summary>Each endpoint with a request that would succeed for an admin of the account owning the targets.</summary>
    public static readonly IReadOnlyList<MatrixEndpoint> Endpoints =
    [
        // Narrowed to the shared targets' product: the cells that write create licenses of their own, and more than a page of
        // them may come after the shared one.
        new("GET /licenses", HttpMethod.Get, "licenses?product_id={product}&limit=100", Needs.Read, OtherAccountOutcome.SeesOnlyItsOwnList,
            _ => null,
            (data, t) => Assert.Contains(t.LicenseId, Ids(data))),
        new("GET /licenses/{id}", HttpMethod.Get, "licenses/{license}", Needs.Read, OtherAccountOutcome.NotFound,
            _ => null,
            (data, t) =>
            {
                Assert.Equal(t.LicenseId, data.Str("id"));
                Assert.Equal(t.LicenseKey, data.Str("key"));
            }),
        new("POST /licenses", HttpMethod.Post, "licenses", Needs.Admin, OtherAccountOutcome.UnknownProduct,
            t => new { product_id = t.ProductId, email = "customer@example.com", type = "subscription" },
            (data, t) =>
            {
                Assert.Equal(t.ProductId, data.Str("product_id"));
                Assert.Equal("customer@example.com", data.Str("email"));
                Assert.Equal("active", data.Str("status"));
            },
            HttpStatusCode.Created),
        new("POST /licenses with a policy", HttpMethod.Post, "licenses", Needs.Admin, OtherAccountOutcome.UnknownProduct,
            t => new { product_id = t.ProductId, policy_id = t.PolicyId, email = "site@example.com", entitlements = new[] { t.EntitlementCode } },
            (data, t) =>
            {
                Assert.Equal(t.ProductId, data.Str("product_id"));
                Assert.Equal(t.PolicyId, data.Str("policy_id"));
                Assert.Equal("subscription", data.Str("type"));
                Assert.Equal([t.EntitlementCode], Codes(data));
            },
            HttpStatusCode.Created,
            Borrows:
            [
                new("policy_id", (own, first) => own with { PolicyId = first.PolicyId }),
                new("entitlements", (own, first) => own with { EntitlementCode = first.EntitlementCode }),
            ]),
        new("PATCH /licenses/{id}", HttpMethod.Patch, "licenses/{license}", Needs.Admin, OtherAccountOutcome.NotFound,
            _ => new { email = "new-owner@example.com", metadata = new { seats = 5 } },
            (data, t) =>
            {
                Assert.Equal(t.LicenseId, data.Str("id"));
                Assert.Equal("new-owner@example.com", data.Str("email"));
                Assert.Equal(5, data.GetProperty("metadata").GetProperty("seats").GetInt32());
            }),
        new("DELETE /licenses/{id}", HttpMethod.Delete, "licenses/{license}", Needs.Admin, OtherAccountOutcome.NotFound,
            _ => null,
            (data, t) =>
            {
                Assert.Equal(t.LicenseId, data.Str("id"));
                Assert.True(data.GetProperty("deleted").GetBoolean());
            }),
        new("POST /licenses/{id}/suspend", HttpMethod.Post, "licenses/{license}/suspend", Needs.Admin, OtherAccountOutcome.NotFound,
            _ => null,
            (data, t) =>
            {
                Assert.Equal(t.LicenseId, data.Str("id"));
                Assert.Equal("suspended", data.Str("status"));
            }),
        new("POST /licenses/{id}/reinstate", HttpMethod.Post, "licenses/{suspended_license}/reinstate", Needs.Admin, OtherAccountOutcome.NotFound,
            _ => null,
            (data, t) =>
            {
                Assert.Equal(t.SuspendedLicenseId, data.Str("id"));
                Assert.Equal("active", data.Str("status"));
            }),
        new("POST /licenses/{id}/revoke", HttpMethod.Post, "licenses/{license}/revoke", Needs.Admin, OtherAccountOutcome.NotFound,
            _ => null,
            (data, t) =>
            {
                Assert.Equal(t.LicenseId, data.Str("id"));
                Assert.Equal("revoked", data.Str("status"));
            }),
        new("POST /licenses/{id}/renew", HttpMethod.Post, "licenses/{license}/renew", Needs.Admin, OtherAccountOutcome.NotFound,
            _ => new { days = 30 },
            (data, t) =>
            {
                Assert.Equal(t.LicenseId, data.Str("id"));
                Assert.Equal(Iso(t.LicenseExpiresAt.AddDays(30)), data.Str("expires_at"));
            }),
        new("POST /licenses/verify", HttpMethod.Post, "licenses/verify", Needs.Verify, OtherAccountOutcome.VerifiesAsNotFound,
            t => new { key = t.LicenseKey, product_id = t.ProductId, nonce = "n-0123456789" },
            (data, t) =>
            {
                Assert.True(data.GetProperty("valid").GetBoolean());
                Assert.Equal("VALID", data.Str("code"));
                Assert.Equal("n-0123456789", data.Str("nonce"));
                Assert.Equal(t.LicenseId, data.GetProperty("license").Str("id"));
            }),
        new("POST /licenses/{id}/license-file", HttpMethod.Post, "licenses/{license}/license-file", Needs.Admin, OtherAccountOutcome.NotFound,
            _ => new { ttl = 86_400 },
            (data, t) =>
            {
                Assert.Equal(t.LicenseId, data.Str("license_id"));
                Assert.StartsWith("-----BEGIN LICENZ LICENSE-----", data.Str("license_file"), StringComparison.Ordinal);
            }),
        new("POST /licenses/{id}/license-file by key", HttpMethod.Post, "licenses/{license_key}/license-file", Needs.LicenseHolder, OtherAccountOutcome.NotFound,
            _ => new { ttl = 86_400 },
            (data, t) =>
            {
                Assert.Equal(t.LicenseId, data.Str("license_id"));
                Assert.StartsWith("-----BEGIN LICENZ LICENSE-----", data.Str("license_file"), StringComparison.Ordinal);
            }),
        new("POST /licenses/{id}/usage", HttpMethod.Post, "licenses/{limited_license}/usage", Needs.Admin, OtherAccountOutcome.NotFound,
            _ => new { increment = 3 },
            (data, t) =>
            {
                Assert.Equal(t.LimitedLicenseId, data.Str("license_id"));
                Assert.False(data.TryGetProperty("email", out _));
                Assert.Equal(3, data.GetProperty("uses").GetInt32());
                Assert.Equal(10, data.GetProperty("max_uses").GetInt32());
            }),
        new("POST /licenses/{id}/usage by key", HttpMethod.Post, "licenses/{limited_license_key}/usage", Needs.LicenseHolder, OtherAccountOutcome.NotFound,
            _ => new { increment = 3 },
            (data, t) =>
            {
                Assert.Equal(t.LimitedLicenseId, data.Str("license_id"));
                Assert.False(data.TryGetProperty("email", out _));
                Assert.Equal(3, data.GetProperty("uses").GetInt32());
                Assert.Equal(10, data.GetProperty("max_uses").GetInt32());
            }),
        new("POST /licenses/{id}/entitlements", HttpMethod.Post, "licenses/{license}/entitlements", Needs.Admin, OtherAccountOutcome.NotFound,
            t => new { entitlements = new[] { t.EntitlementCode } },
            (data, t) =>
            {
                Assert.Equal(t.LicenseId, data.Str("id"));
                Assert.Equal(new[] { t.EntitlementCode, t.GrantedCode }.Order(StringComparer.Ordinal), Codes(data));
            },
            Borrows: [new("entitlements", (own, first) => own with { EntitlementCode = first.EntitlementCode })]),
        new("DELETE /licenses/{id}/entitlements", HttpMethod.Delete, "licenses/{license}/entitlements", Needs.Admin, OtherAccountOutcome.NotFound,
            t => new { entitlements = new[] { t.GrantedCode } },
            (data, t) =>
            {
                Assert.Equal(t.LicenseId, data.Str("id"));
                Assert.Empty(Codes(data));
            }),
        new("POST /machines/offline-activations", HttpMethod.Post, "machines/offline-activations", Needs.LicenseHolder, OtherAccountOutcome.NotFound,
            t => new { request = OfflineActivationRequest.Create(t.LicenseKey, "fp-matrix-" + Guid.NewGuid().ToString("N")).ToString() },
            (data, t) =>
            {
                Assert.Equal(t.LicenseId, data.GetProperty("machine").Str("license_id"));
                Assert.StartsWith("-----BEGIN LICENZ LICENSE-----", data.GetProperty("license_file").Str("license_file"), StringComparison.Ordinal);
            },
            HttpStatusCode.Created),
        new("POST /machines/offline-deactivations", HttpMethod.Post, "machines/offline-deactivations", Needs.LicenseHolder, OtherAccountOutcome.NotFound,
            t => new { proof = t.OfflineProof },
            (data, t) =>
            {
                Assert.Equal(t.LicenseId, data.Str("license_id"));
                Assert.Equal(MatrixTargets.OfflineFingerprint, data.Str("fingerprint"));
            }),
        new("GET /signing-keys", HttpMethod.Get, "signing-keys", Needs.Read, OtherAccountOutcome.SeesOnlyItsOwnList,
            _ => null,
            (data, t) => Assert.Contains(t.SigningKeyId, Ids(data))),
        new("POST /signing-keys/rotate", HttpMethod.Post, "signing-keys/rotate", Needs.Admin, OtherAccountOutcome.CreatesInItsOwnAccount,
            _ => null,
            (data, t) =>
            {
                Assert.NotEqual(t.SigningKeyId, data.Str("id"));
                Assert.Equal("current", data.Str("status"));
            },
            HttpStatusCode.Created,
            CreatedListPath: "signing-keys"),
        new("POST /signing-keys/{id}/retire", HttpMethod.Post, "signing-keys/{signing_key}/retire", Needs.Admin, OtherAccountOutcome.NotFound,
            _ => null,
            (data, t) =>
            {
                Assert.Equal(t.SigningKeyId, data.Str("id"));
                Assert.Equal("retired", data.Str("status"));
            }),
        new("GET /.well-known/jwks.json", HttpMethod.Get, ".well-known/jwks.json", Needs.Nothing, OtherAccountOutcome.Public,
            _ => null,
            (jwks, t) => Assert.All(jwks.GetProperty("keys").EnumerateArray(), key =>
            {
                Assert.Equal("OKP", key.Str("kty"));
                Assert.Equal("Ed25519", key.Str("crv"));
                Assert.False(key.TryGetProperty("d", out _), "A private key part is published.");
            })),
        new("GET /.well-known/licenz-revocations.jwt", HttpMethod.Get, ".well-known/licenz-revocations.jwt", Needs.Nothing, OtherAccountOutcome.Public,
            _ => null,
            (claims, t) =>
            {
                Assert.StartsWith("acct_", claims.Str("iss"), StringComparison.Ordinal);
                Assert.True(claims.GetProperty("version").GetInt64() >= 0);
                Assert.Equal(JsonValueKind.Array, claims.GetProperty("licenses").ValueKind);
                Assert.Equal(JsonValueKind.Array, claims.GetProperty("machines").ValueKind);
            }),
        new("GET /products", HttpMethod.Get, "products?limit=100", Needs.Read, OtherAccountOutcome.SeesOnlyItsOwnList,
            _ => null,
            (data, t) => Assert.Contains(t.ProductId, Ids(data))),
        new("GET /products/{id}", HttpMethod.Get, "products/{product}", Needs.Read, OtherAccountOutcome.NotFound,
            _ => null,
            (data, t) => Assert.Equal(t.ProductId, data.Str("id"))),
        new("POST /products", HttpMethod.Post, "products", Needs.Admin, OtherAccountOutcome.CreatesInItsOwnAccount,
            _ => new { name = "Photo Editor Pro " + Guid.NewGuid().ToString("N")[..8], metadata = new { tier = "pro" } },
            (data, _) =>
            {
                Assert.StartsWith("prod_", data.Str("id"), StringComparison.Ordinal);
                Assert.StartsWith("Photo Editor Pro ", data.Str("name"), StringComparison.Ordinal);
            },
            HttpStatusCode.Created,
            CreatedListPath: "products?limit=100"),
        new("PATCH /products/{id}", HttpMethod.Patch, "products/{product}", Needs.Admin, OtherAccountOutcome.NotFound,
            _ => new { name = "Photo Editor Pro 2", trial_days = 30 },
            (data, t) =>
            {
                Assert.Equal(t.ProductId, data.Str("id"));
                Assert.Equal("Photo Editor Pro 2", data.Str("name"));
                Assert.Equal(30, data.GetProperty("trial_days").GetInt32());
            }),
        new("DELETE /products/{id}", HttpMethod.Delete, "products/{empty_product}", Needs.Admin, OtherAccountOutcome.NotFound,
            _ => null,
            (data, t) =>
            {
                Assert.Equal(t.EmptyProductId, data.Str("id"));
                Assert.True(data.GetProperty("deleted").GetBoolean());
            }),
        new("GET /policies", HttpMethod.Get, "policies?product_id={product}&limit=100", Needs.Read, OtherAccountOutcome.SeesOnlyItsOwnList,
            _ => null,
            (data, t) =>
            {
                Assert.Contains(t.PolicyId, Ids(data));
                Assert.Contains(t.LimitedPolicyId, Ids(data));
                Assert.All(data.EnumerateArray(), policy => Assert.Equal(t.ProductId, policy.Str("product_id")));
                // One default per license type.
                Assert.Equal(["perpetual", "subscription", "trial"],
                    data.EnumerateArray().Where(p => p.GetProperty("default").GetBoolean()).Select(p => p.Str("license_type")).Order(StringComparer.Ordinal));
            }),
        new("GET /policies/{id}", HttpMethod.Get, "policies/{policy}", Needs.Read, OtherAccountOutcome.NotFound,
            _ => null,
            (data, t) =>
            {
                Assert.Equal(t.PolicyId, data.Str("id"));
                Assert.Equal(t.ProductId, data.Str("product_id"));
                Assert.False(data.GetProperty("default").GetBoolean());
                Assert.Equal(30 * 86_400, data.GetProperty("duration").GetInt64());
            }),
        new("POST /policies", HttpMethod.Post, "policies", Needs.Admin, OtherAccountOutcome.UnknownProduct,
            t => new { product_id = t.ProductId, name = "Workstation", max_machines = 1, floating = false, entitlements = new[] { t.EntitlementCode } },
            (data, t) =>
            {
                Assert.StartsWith("pol_", data.Str("id"), StringComparison.Ordinal);
                Assert.Equal(t.ProductId, data.Str("product_id"));
                Assert.Equal("perpetual", data.Str("license_type"));
                Assert.Equal(1, data.GetProperty("max_machines").GetInt32());
                Assert.False(data.GetProperty("floating").GetBoolean());
                Assert.Equal([t.EntitlementCode], Codes(data));
            },
            HttpStatusCode.Created,
            Borrows: [new("entitlements", (own, first) => own with { EntitlementCode = first.EntitlementCode })]),
        new("PATCH /policies/{id}", HttpMethod.Patch, "policies/{policy}", Needs.Admin, OtherAccountOutcome.NotFound,
            t => new { name = "Spare policy, renamed", max_uses = 5, entitlements = new[] { t.EntitlementCode } },
            (data, t) =>
            {
                Assert.Equal(t.PolicyId, data.Str("id"));
                Assert.Equal("Spare policy, renamed", data.Str("name"));
                Assert.Equal(5, data.GetProperty("max_uses").GetInt32());
                Assert.Equal([t.EntitlementCode], Codes(data));
            },
            Borrows: [new("entitlements", (own, first) => own with { EntitlementCode = first.EntitlementCode })]),
        new("DELETE /policies/{id}", HttpMethod.Delete, "policies/{policy}", Needs.Admin, OtherAccountOutcome.NotFound,
            _ => null,
            (data, t) =>
            {
                Assert.Equal(t.PolicyId, data.Str("id"));
                Assert.True(data.GetProperty("deleted").GetBoolean());
            }),
        new("GET /entitlements", HttpMethod.Get, "entitlements?limit=100", Needs.Read, OtherAccountOutcome.SeesOnlyItsOwnList,
            _ => null,
            (data, t) =>
            {
                Assert.Contains(t.EntitlementId, Ids(data));
                Assert.Contains(data.EnumerateArray(), e => e.Str("code") == t.GrantedCode);
            }),
        new("POST /entitlements", HttpMethod.Post, "entitlements", Needs.Admin, OtherAccountOutcome.CreatesInItsOwnAccount,
            _ => new { code = "export." + Guid.NewGuid().ToString("N")[..8], name = "Export" },
            (data, _) =>
            {
                Assert.StartsWith("ent_", data.Str("id"), StringComparison.Ordinal);
                Assert.StartsWith("export.", data.Str("code"), StringComparison.Ordinal);
                Assert.Equal("Export", data.Str("name"));
            },
            HttpStatusCode.Created,
            CreatedListPath: "entitlements?limit=100"),
        new("DELETE /entitlements/{id}", HttpMethod.Delete, "entitlements/{entitlement}", Needs.Admin, OtherAccountOutcome.NotFound,
            _ => null,
            (data, t) =>
            {
                Assert.Equal(t.EntitlementId, data.Str("id"));
                Assert.True(data.GetProperty("deleted").GetBoolean());
            }),
        new("POST /machines", HttpMethod.Post, "machines", Needs.LicenseHolder, OtherAccountOutcome.NotFound,
            t => new { key = t.LimitedLicenseKey, fingerprint = t.MachineFingerprint + "-laptop", name = "Laptop", platform = "linux" },
            (data, t) =>
            {
                Assert.StartsWith("mach_", data.Str("id"), StringComparison.Ordinal);
                Assert.NotEqual(t.MachineId, data.Str("id"));
                Assert.Equal(t.LimitedLicenseId, data.Str("license_id"));
                Assert.Equal(t.ProductId, data.Str("product_id"));
                Assert.Equal(t.MachineFingerprint + "-laptop", data.Str("fingerprint"));
                Assert.Equal("Laptop", data.Str("name"));
            },
            HttpStatusCode.Created),
        new("POST /machines/deactivate", HttpMethod.Post, "machines/deactivate", Needs.LicenseHolder, OtherAccountOutcome.NotFound,
            t => new { key = t.LimitedLicenseKey, fingerprint = t.MachineFingerprint },
            (data, t) =>
            {
                Assert.Equal(t.MachineId, data.Str("id"));
                Assert.Equal(t.LimitedLicenseId, data.Str("license_id"));
            }),
        new("POST /machines/heartbeat", HttpMethod.Post, "machines/heartbeat", Needs.LicenseHolder, OtherAccountOutcome.NotFound,
            t => new { key = t.LimitedLicenseKey, fingerprint = t.MachineFingerprint },
            (data, t) =>
            {
                Assert.Equal(t.MachineId, data.Str("id"));
                // Activated without one (its policy does not require heartbeats); the clock stands still, so this is now.
                Assert.Equal(data.Str("created_at"), data.Str("last_heartbeat_at"));
            }),
        new("GET /machines", HttpMethod.Get, "machines?limit=100", Needs.Read, OtherAccountOutcome.SeesOnlyItsOwnList,
            _ => null,
            (data, t) => Assert.Contains(t.MachineId, Ids(data))),
        new("GET /machines by license", HttpMethod.Get, "machines?license_id={limited_license}", Needs.Read, OtherAccountOutcome.SeesOnlyItsOwnList,
            _ => null,
            (data, t) => Assert.Equal([t.MachineId], Ids(data))),
        new("GET /machines/{id}", HttpMethod.Get, "machines/{machine}", Needs.Read, OtherAccountOutcome.NotFound,
            _ => null,
            (data, t) =>
            {
                Assert.Equal(t.MachineId, data.Str("id"));
                Assert.Equal(t.LimitedLicenseId, data.Str("license_id"));
                Assert.Equal(t.MachineFingerprint, data.Str("fingerprint"));
            }),
        new("DELETE /machines/{id}", HttpMethod.Delete, "machines/{machine}", Needs.Admin, OtherAccountOutcome.NotFound,
            _ => null,
            (data, t) =>
            {
                Assert.Equal(t.MachineId, data.Str("id"));
                Assert.True(data.GetProperty("deleted").GetBoolean());
            }),
        new("GET /events", HttpMethod.Get, "events?resource_id={api_key}", Needs.Read, OtherAccountOutcome.SeesOnlyItsOwnList,
            _ => null,
            (data, t) => Assert.Contains(data.EnumerateArray(), change => change.Str("resource_id") == t.ApiKeyId)),
        new("GET /api-keys", HttpMethod.Get, "api-keys?limit=100", Needs.ManageKeys, OtherAccountOutcome.SeesOnlyItsOwnList,
            _ => null,
            (data, t) =>
            {
                Assert.Contains(t.ApiKeyId, Ids(data));
                Assert.All(data.EnumerateArray(), key => Assert.False(key.TryGetProperty("key", out _)));
            }),
        new("POST /api-keys", HttpMethod.Post, "api-keys", Needs.ManageKeys, OtherAccountOutcome.CreatesInItsOwnAccount,
            _ => new { type = "read_only", name = "Reporting dashboard", expires_at = "2027-01-15T10:30:00Z" },
            (data, _) =>
            {
                Assert.Equal("read_only", data.Str("type"));
                Assert.StartsWith("lz_read_", data.Str("key"), StringComparison.Ordinal);
                Assert.Equal("2027-01-15T10:30:00Z", data.Str("expires_at"));
            },
            HttpStatusCode.Created,
            CreatedListPath: "api-keys?limit=100"),
        new("DELETE /api-keys/{id}", HttpMethod.Delete, "api-keys/{api_key}", Needs.ManageKeys, OtherAccountOutcome.NotFound,
            _ => null,
            (data, t) =>
            {
                Assert.Equal(t.ApiKeyId, data.Str("id"));
                Assert.Equal("revoked", data.Str("status"));
            }),
    ];

    public static TheoryData<string, Caller> WithoutProperBearerHeader =>
        Cells((c, e) => e.Needs != Needs.Nothing && c is Caller.NoKey or Caller.MalformedHeader);

    public static TheoryData<string, Caller> WithUnusableKey =>
        Cells((c, e) => e.Needs != Needs.Nothing && c is Caller.UnknownKey or Caller.ExpiredKey or Caller.RevokedKey);

    public static TheoryData<string, Caller> Forbidden =>
        Cells((c, e) => e.Needs != Needs.Nothing && c is Caller.ReadOnlyKey or Caller.VerifyOnlyKey && !Allows(c, e.Needs));

    public static TheoryData<string, Caller> Permitted =>
        Cells((c, e) => e.Needs != Needs.Nothing && c is Caller.AdminKey or Caller.ReadOnlyKey or Caller.VerifyOnlyKey && Allows(c, e.Needs));

    public static TheoryData<string, Caller> Public => Cells((_, e) => e.Needs == Needs.Nothing);

    public static TheoryData<string> EveryEndpoint => new(Endpoints.Where(e => e.Needs != Needs.Nothing).Select(e => e.Name));

    public static TheoryData<string, string> Borrowings
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var endpoint in Endpoints)
            {
                foreach (var borrowing in endpoint.Borrows ?? [])
                {
                    data.Add(endpoint.Name, borrowing.Field);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(WithoutProperBearerHeader))]
    public async Task RequestsWithoutABearerKeyAreUnauthorizedAndWriteNothing(string endpoint, Caller caller)
    {
        var before = await app.SnapshotDatabaseAsync();

        using var response = await app.SendAsync(caller, Find(endpoint), app.Shared);

        await response.ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Theory]
    [MemberData(nameof(WithUnusableKey))]
    public async Task UnknownExpiredAndRevokedKeysAreInvalidAndWriteNothing(string endpoint, Caller caller)
    {
        var before = await app.SnapshotDatabaseAsync();

        using var response = await app.SendAsync(caller, Find(endpoint), app.Shared);

        var error = await response.ErrorAsync(HttpStatusCode.Unauthorized, "invalid_api_key");
        Assert.Equal(InvalidKeyMessage, error.Str("message"));
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Theory]
    [MemberData(nameof(Forbidden))]
    public async Task KeysWithoutThePermissionAreForbiddenAndWriteNothing(string endpoint, Caller caller)
    {
        var before = await app.SnapshotDatabaseAsync();

        using var response = await app.SendAsync(caller, Find(endpoint), app.Shared);

        await response.ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Theory]
    [MemberData(nameof(Permitted))]
    public async Task KeysWithThePermissionSucceed(string endpoint, Caller caller)
    {
        var e = Find(endpoint);
        // Writes get targets of their own, so that the shared ones stay as every other cell expects them.
        var targets = e.Method == HttpMethod.Get || e.Needs == Needs.Verify ? app.Shared : await app.CreateTargetsAsync();

        using var response = await app.SendAsync(caller, e, targets);

        e.Check(await response.DataAsync(e.Success), targets);
    }

    [Theory]
    [MemberData(nameof(Public))]
    public async Task PublicEndpointsAnswerEveryCallerAndWriteNothing(string endpoint, Caller caller)
    {
        var e = Find(endpoint);
        var before = await app.SnapshotDatabaseAsync();

        using var response = await app.SendAsync(caller, e, app.Shared);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var media = response.Content.Headers.ContentType?.MediaType;
        if (media == "application/jwt")
        {
            // A signed document (the revocation list): its claims are what it says.
            var token = await response.Content.ReadAsStringAsync();
            e.Check(JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[1])).RootElement, app.Shared);
        }
        else
        {
            Assert.EndsWith("json", media, StringComparison.Ordinal);
            e.Check(await response.BodyAsync(), app.Shared);
        }

        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Theory]
    [MemberData(nameof(EveryEndpoint))]
    public async Task AnotherAccountsAdminCannotReachTheFirstAccountsData(string endpoint)
    {
        var e = Find(endpoint);
        switch (e.OtherAccount)
        {
            case OtherAccountOutcome.NotFound:
                await AssertNotFoundAsync(e, byKey: false);
                if (e.Path.Contains("license}", StringComparison.Ordinal))
                {
                    await AssertNotFoundAsync(e, byKey: true);
                }

                break;

            case OtherAccountOutcome.UnknownProduct:
            {
                var before = await app.SnapshotDatabaseAsync();
                using var response = await app.SendAsync(Caller.OtherAccountAdminKey, e, app.Shared);
                var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
                Assert.Equal("product_id", error.Str("field"));
                Assert.Equal(before, await app.SnapshotDatabaseAsync());
                await AssertAsIfNeverMadeAsync(e, error, app.Shared, app.Nowhere);
                break;
            }

            case OtherAccountOutcome.VerifiesAsNotFound:
            {
                // A license never verified before, so a wrongly recorded validation would show.
                var targets = await app.CreateTargetsAsync();
                var before = await app.SnapshotDatabaseAsync();
                using var response = await app.SendAsync(Caller.OtherAccountAdminKey, e, targets);
                var data = await response.DataAsync();
                Assert.False(data.GetProperty("valid").GetBoolean());
                Assert.Equal("NOT_FOUND", data.Str("code"));
                Assert.Equal(JsonValueKind.Null, data.GetProperty("license").ValueKind);
                Assert.DoesNotContain(targets.LicenseId, data.GetRawText(), StringComparison.Ordinal);
                Assert.Equal(before, await app.SnapshotDatabaseAsync());
                break;
            }

            case OtherAccountOutcome.SeesOnlyItsOwnList:
            {
                // Asked with the first account's targets: not one row of another account, and nothing at all where the
                // query names one of the first account's resources.
                using (var response = await app.SendAsync(Caller.OtherAccountAdminKey, e, app.Shared))
                {
                    var data = await response.DataAsync();
                    var owners = AuthorizationMatrixServer.Owners(await app.SnapshotDatabaseAsync());
                    Assert.All(Ids(data), id => Assert.Equal(app.OtherAccountId, owners.GetValueOrDefault(id)));
                    if (e.Path.Split('?') is [_, var query] && query.Contains('{', StringComparison.Ordinal))
                    {
                        Assert.Empty(data.EnumerateArray());
                    }

                    if (e.Path.StartsWith("api-keys?", StringComparison.Ordinal))
                    {
                        Assert.Contains(data.EnumerateArray(), k => app.OtherAdminKey.StartsWith(k.Str("prefix").TrimEnd('…'), StringComparison.Ordinal));
                    }
                }

                // Asked with its own: its own, as the first account sees its own.
                using (var response = await app.SendAsync(Caller.OtherAccountAdminKey, e, app.Other))
                {
                    e.Check(await response.DataAsync(), app.Other);
                }

                break;
            }

            case OtherAccountOutcome.CreatesInItsOwnAccount:
            {
                var before = await app.SnapshotOutsideOtherAccountAsync();
                using var response = await app.SendAsync(Caller.OtherAccountAdminKey, e, app.Shared);
                var created = await response.DataAsync(HttpStatusCode.Created);
                Assert.Equal(before, await app.SnapshotOutsideOtherAccountAsync());

                using var admin = app.CreateAdminClient();
                using var list = await admin.GetAsync(e.CreatedListPath, TestContext.Current.CancellationToken);
                Assert.DoesNotContain(created.Str("id"), Ids(await list.DataAsync()));
                break;
            }

            default:
                throw new InvalidOperationException($"No expectation for {e.OtherAccount}.");
        }
    }

    [Theory]
    [MemberData(nameof(Borrowings))]
    public async Task AnotherAccountsAdminCannotUseTheFirstAccountsResourcesInItsOwnRequests(string endpoint, string field)
    {
        var e = Find(endpoint);
        var borrowing = e.Borrows!.Single(b => b.Field == field);
        var mixed = borrowing.Mix(app.Other, app.Shared);
        var before = await app.SnapshotDatabaseAsync();

        using var response = await app.SendAsync(Caller.OtherAccountAdminKey, e, mixed);

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal(field, error.Str("field"));
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
        await AssertAsIfNeverMadeAsync(e, error, mixed, borrowing.Mix(app.Other, app.Nowhere));
    }

    // Codes are unique within an account, not across accounts: no account learns another's codes by being refused one.
    [Fact]
    public async Task AnotherAccountMayCreateAnEntitlementCodeTheFirstAccountHas()
    {
        var code = "seats." + Guid.NewGuid().ToString("N")[..8];
        using var admin = app.CreateAdminClient();
        using var other = app.CreateClient(app.OtherAdminKey);
        var first = await (await admin.PostJsonAsync("entitlements", new { code })).DataAsync(HttpStatusCode.Created);
        var before = await app.SnapshotOutsideOtherAccountAsync();

        var created = await (await other.PostJsonAsync("entitlements", new { code })).DataAsync(HttpStatusCode.Created);

        Assert.Equal(code, created.Str("code"));
        Assert.NotEqual(first.Str("id"), created.Str("id"));
        Assert.Equal(before, await app.SnapshotOutsideOtherAccountAsync());
        var again = await (await admin.PostJsonAsync("entitlements", new { code })).ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal("code", again.Str("field"));
    }

    [Fact]
    public void TheMatrixCoversEveryEndpointOfTheApi()
    {
        var routes = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(r => r.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.Ordinal) == true)
            .SelectMany(r => (r.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? new[] { "*" })
                .Select(method => (Name: $"{method} {Normalize(r.RoutePattern.RawText!)}", Endpoint: r)))
            .ToList();

        // Everything but the published API description must be in the matrix, and the other way round.
        var api = routes.Where(r => !IsDocumentation(r.Name)).Select(r => r.Name).Order().ToList();
        // A row's name is its route, then what sets it apart from the route's other rows ("by key").
        var matrix = Endpoints.Select(e => string.Join(' ', e.Name.Split(' ').Take(2))).Distinct().Order().ToList();
        Assert.True(matrix.SequenceEqual(api),
            $"Not in the matrix: {string.Join(", ", api.Except(matrix))}. Not in the API: {string.Join(", ", matrix.Except(api))}.");
        // Only the endpoints the matrix calls public may be reached without a key.
        var publicNames = Endpoints.Where(e => e.Needs == Needs.Nothing).Select(e => e.Name).ToHashSet();
        Assert.All(routes.Where(r => !IsDocumentation(r.Name) && !publicNames.Contains(r.Name)),
            r => Assert.NotEmpty(r.Endpoint.Metadata.GetOrderedMetadata<Microsoft.AspNetCore.Authorization.IAuthorizeData>()));
        Assert.All(routes.Where(r => !IsDocumentation(r.Name) && !publicNames.Contains(r.Name)),
            r => Assert.Null(r.Endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>()));

        static string Normalize(string pattern)
        {
            var path = pattern["/api/v1".Length..];
            while (path.Contains("//", StringComparison.Ordinal))
            {
                path = path.Replace("//", "/", StringComparison.Ordinal);
            }

            return path.Length > 1 ? path.TrimEnd('/') : path;
        }

        static bool IsDocumentation(string name) =>
            name.StartsWith("GET /{documentName", StringComparison.Ordinal) || name.StartsWith("GET /reference", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Caller.VerifyOnlyKey, HttpStatusCode.Forbidden, "forbidden")]
    [InlineData(Caller.RevokedKey, HttpStatusCode.Unauthorized, "invalid_api_key")]
    [InlineData(Caller.NoKey, HttpStatusCode.Unauthorized, "unauthorized")]
    public async Task TheShortBaseRefusesTheSameCallers(Caller caller, HttpStatusCode status, string code)
    {
        var before = await app.SnapshotDatabaseAsync();

        using var response = await app.SendAsync(caller, Find("DELETE /products/{id}"), app.Shared, basePath: "/v1/");

        await response.ErrorAsync(status, code);
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    // The keyless and wrong-scheme forms, two of them carrying a perfectly valid admin key.
    [Theory]
    [InlineData("Bearer")]
    [InlineData("Basic x")]
    [InlineData("Token {admin}")]
    [InlineData("{admin}")]
    public async Task MalformedAuthorizationHeadersAreUnauthorized(string header)
    {
        var before = await app.SnapshotDatabaseAsync();
        using var client = app.CreateClient(apiKey: null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "api-keys");
        request.Headers.TryAddWithoutValidation("Authorization", header.Replace("{admin}", app.AdminKey, StringComparison.Ordinal));

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        await response.ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    private static MatrixEndpoint Find(string name) => Endpoints.Single(e => e.Name == name);

    private async Task AssertNotFoundAsync(MatrixEndpoint e, bool byKey)
    {
        var before = await app.SnapshotDatabaseAsync();
        using var response = await app.SendAsync(Caller.OtherAccountAdminKey, e, app.Shared, byKey: byKey);
        var error = await response.ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
        await AssertAsIfNeverMadeAsync(e, error, app.Shared, app.Nowhere, byKey);
    }

    /// <summary>
    /// Another account's resources are indistinguishable from ones never made: the same request for targets that exist
    /// nowhere (<paramref name="never"/> in place of <paramref name="sent"/>) gets the same error, but for the ids it names.
    /// </summary>
    private async Task AssertAsIfNeverMadeAsync(MatrixEndpoint e, JsonElement error, MatrixTargets sent, MatrixTargets never, bool byKey = false)
    {
        using var response = await app.SendAsync(Caller.OtherAccountAdminKey, e, never, byKey: byKey);
        Assert.Equal((int)response.StatusCode, error.GetProperty("status").GetInt32());
        var expected = (await response.BodyAsync()).GetProperty("error");
        Assert.Equal(Generalized(expected.GetRawText(), never), Generalized(error.GetRawText(), sent));
    }

    /// <summary>The text with each of the targets' ids, keys and codes replaced by its name, so answers about different targets compare.</summary>
    private static string Generalized(string text, MatrixTargets targets)
    {
        var values = typeof(MatrixTargets).GetProperties().Where(p => p.PropertyType == typeof(string))
            .Select(p => (p.Name, Value: (string)p.GetValue(targets)!)).Where(p => p.Value.Length > 0).OrderByDescending(p => p.Value.Length);
        foreach (var (name, value) in values)
        {
            text = text.Replace(value, "{" + name + "}", StringComparison.Ordinal);
        }

        return text;
    }

    private static bool Allows(Caller caller, Needs needs) => caller switch
    {
        Caller.AdminKey => true,
        Caller.ReadOnlyKey => needs is Needs.Read or Needs.Verify,
        Caller.VerifyOnlyKey => needs is Needs.Verify or Needs.LicenseHolder,
        _ => needs is Needs.Nothing,
    };

    private static TheoryData<string, Caller> Cells(Func<Caller, bool> callers) => Cells((c, _) => callers(c));

    private static TheoryData<string, Caller> Cells(Func<Caller, MatrixEndpoint, bool> include)
    {
        var data = new TheoryData<string, Caller>();
        foreach (var endpoint in Endpoints)
        {
            foreach (var caller in Enum.GetValues<Caller>())
            {
                if (include(caller, endpoint))
                {
                    data.Add(endpoint.Name, caller);
                }
            }
        }

        return data;
    }

    private static List<string> Ids(JsonElement list) => list.EnumerateArray().Select(item => item.Str("id")).ToList();

    private static List<string> Codes(JsonElement resource) => resource.GetProperty("entitlements").EnumerateArray().Select(c => c.GetString()!).ToList();

    internal static string Iso(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary>Who sends a request in the authorization matrix.</summary>
public enum Caller
{
    NoKey,
    MalformedHeader,
    UnknownKey,
    ExpiredKey,
    RevokedKey,
    ReadOnlyKey,
    VerifyOnlyKey,
    AdminKey,
    OtherAccountAdminKey,
}

/// <summary>What an endpoint needs, as the API page describes the key types.</summary>
public enum Needs
{
    /// <summary>Public: no key at all.</summary>
    Nothing,

    /// <summary>License verification: every key type.</summary>
    Verify,

    /// <summary>The license holder's actions, presenting the license key: admin and verify-only keys.</summary>
    LicenseHolder,

    /// <summary>Reads: admin and read-only keys.</summary>
    Read,

    /// <summary>Changes: admin keys.</summary>
    Admin,

    /// <summary>API keys themselves, even listing them: admin keys.</summary>
    ManageKeys,
}

/// <summary>What another account's admin gets when it aims at the first account's data.</summary>
public enum OtherAccountOutcome
{
    SeesOnlyItsOwnList,
    NotFound,
    UnknownProduct,
    VerifiesAsNotFound,
    CreatesInItsOwnAccount,

    /// <summary>Public endpoints answer everyone alike.</summary>
    Public,
}

/// <param name="Path">Relative to the API base, with placeholders for the targets.</param>
/// <param name="Body">A valid JSON body for the targets, or null for none.</param>
/// <param name="Check">Asserts the <c>data</c> of a successful answer (the whole body for public endpoints).</param>
/// <param name="CreatedListPath">Where the first account would see what another account's admin created.</param>
/// <param name="Borrows">
/// The resources of another account this request could name besides its target: another account's admin sending it for
/// its own targets but with one of these taken from the first account's is refused, naming the field.
/// </param>
public sealed record MatrixEndpoint(
    string Name,
    HttpMethod Method,
    string Path,
    Needs Needs,
    OtherAccountOutcome OtherAccount,
    Func<MatrixTargets, object?> Body,
    Action<JsonElement, MatrixTargets> Check,
    HttpStatusCode Success = HttpStatusCode.OK,
    string CreatedListPath = "",
    IReadOnlyList<Borrowing>? Borrows = null)
{
    public string Resolve(MatrixTargets targets, bool byKey) => Path
        .Replace("{license}", byKey ? targets.LicenseKey : targets.LicenseId, StringComparison.Ordinal)
        .Replace("{license_key}", targets.LicenseKey, StringComparison.Ordinal)
        .Replace("{limited_license}", byKey ? targets.LimitedLicenseKey : targets.LimitedLicenseId, StringComparison.Ordinal)
        .Replace("{limited_license_key}", targets.LimitedLicenseKey, StringComparison.Ordinal)
        .Replace("{policy}", targets.PolicyId, StringComparison.Ordinal)
        .Replace("{entitlement}", targets.EntitlementId, StringComparison.Ordinal)
        .Replace("{machine}", targets.MachineId, StringComparison.Ordinal)
        .Replace("{signing_key}", targets.SigningKeyId, StringComparison.Ordinal)
        .Replace("{suspended_license}", byKey ? targets.SuspendedLicenseKey : targets.SuspendedLicenseId, StringComparison.Ordinal)
        .Replace("{product}", targets.ProductId, StringComparison.Ordinal)
        .Replace("{empty_product}", targets.EmptyProductId, StringComparison.Ordinal)
        .Replace("{api_key}", targets.ApiKeyId, StringComparison.Ordinal);
}

/// <param name="Field">The request's field that names it.</param>
/// <param name="Mix">From another account's own targets and the first account's, the targets to send.</param>
public sealed record Borrowing(string Field, Func<MatrixTargets, MatrixTargets, MatrixTargets> Mix);

/// <summary>
/// Resources of one account that make every endpoint's request valid: an active license that was granted an
/// entitlement itself (<see cref="GrantedCode"/>), a suspended one (to reinstate), a product without licenses (to
/// delete), a spare API key (to revoke), a signing key that has been replaced (to retire), a policy no license follows
/// (to change and delete), an entitlement nothing grants (to grant and delete), and a license whose policy limits its
/// machines (2) and uses (10), activated on one machine; and the proof that frees an air-gapped machine's seat on the
/// license.
/// </summary>
public sealed record MatrixTargets(
    string ProductId,
    string EmptyProductId,
    string LicenseId,
    string LicenseKey,
    DateTimeOffset LicenseExpiresAt,
    string SuspendedLicenseId,
    string SuspendedLicenseKey,
    string ApiKeyId,
    string SigningKeyId,
    string PolicyId,
    string EntitlementId,
    string EntitlementCode,
    string GrantedCode,
    string LimitedPolicyId,
    string LimitedLicenseId,
    string LimitedLicenseKey,
    string MachineId,
    string MachineFingerprint,
    string OfflineProof = "")
{
    public const string OfflineFingerprint = "fp-matrix-offline";
}


/// <summary>
/// One server for the whole matrix: keys of every kind and a shared set of targets, created once, and another
/// account with targets of its own, made the same way (what it may see and use, beside what it must not). The clock
/// is moved only here (to expire a key), then stays still, so every valid key's last use is recorded at
/// start and a later request at the same instant leaves the database as it was unless something else changed.
/// </summary>
public sealed class AuthorizationMatrixServer : LicenzApplication
{
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private HttpClient? _client;
    private MatrixTargets? _shared;
    private MatrixTargets? _other;

    public string ReadOnlyKey { get; private set; } = "";

    public string VerifyOnlyKey { get; private set; } = "";

    public string ExpiredKey { get; private set; } = "";

    public string RevokedKey { get; private set; } = "";

    /// <summary>Well formed, never issued.</summary>
    public string UnknownKey { get; } = "lz_admin_" + RandomNumberGenerator.GetString(Base62, 40);

    public string OtherAccountId { get; private set; } = "";

    public string OtherAdminKey { get; private set; } = "";

    public MatrixTargets Shared => _shared ?? throw new InvalidOperationException("Not initialized.");

    /// <summary>The other account's own targets, made the same way: what it may see and use.</summary>
    public MatrixTargets Other => _other ?? throw new InvalidOperationException("Not initialized.");

    /// <summary>Targets of no account: well formed, never made.</summary>
    public MatrixTargets Nowhere { get; } = NeverMade();

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        _client = CreateClient(apiKey: null);
        using var admin = CreateAdminClient();

        ReadOnlyKey = (await IssueAsync(admin, "read_only", "Monitoring", expiresAt: null)).Key;
        VerifyOnlyKey = (await IssueAsync(admin, "verify_only", "Desktop app 2.x", expiresAt: null)).Key;
        ExpiredKey = (await IssueAsync(admin, "admin", "Expiring admin", Time.GetUtcNow().AddMinutes(1))).Key;
        var revoked = await IssueAsync(admin, "admin", "Revoked admin", expiresAt: null);
        RevokedKey = revoked.Key;
        (await admin.DeleteAsync($"api-keys/{revoked.Id}")).EnsureSuccessStatusCode();

        Time.Advance(TimeSpan.FromMinutes(2));
        (OtherAccountId, OtherAdminKey) = await CreateAccountAsync("Other vendor");
        _shared = await CreateTargetsAsync();
        _other = await CreateTargetsAsync(OtherAdminKey);

        // Each valid key's last use is now, and stays now while the clock stands still.
        foreach (var key in new[] { AdminKey, ReadOnlyKey, OtherAdminKey })
        {
            using var client = CreateClient(key);
            (await client.GetAsync("products")).EnsureSuccessStatusCode();
        }

        using (var verifier = CreateClient(VerifyOnlyKey))
        {
            (await verifier.PostJsonAsync("licenses/verify", new { key = _shared.LicenseKey })).EnsureSuccessStatusCode();
        }

        await FlushActivityAsync();
    }

    /// <summary>A fresh set of targets in the first account, for requests that change or delete them.</summary>
    public Task<MatrixTargets> CreateTargetsAsync() => CreateTargetsAsync(AdminKey);

    /// <summary>A fresh set of targets in the account of <paramref name="adminKey"/>.</summary>
    public async Task<MatrixTargets> CreateTargetsAsync(string adminKey)
    {
        using var admin = CreateClient(adminKey);
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var product = await (await admin.PostJsonAsync("products", new { name = $"Matrix product {suffix}" })).DataAsync(HttpStatusCode.Created);
        var empty = await (await admin.PostJsonAsync("products", new { name = $"Matrix empty product {suffix}" })).DataAsync(HttpStatusCode.Created);
        var granted = await (await admin.PostJsonAsync("entitlements", new { code = $"granted-{suffix}" })).DataAsync(HttpStatusCode.Created);
        var entitlement = await (await admin.PostJsonAsync("entitlements", new { code = $"export-{suffix}", name = "Export" })).DataAsync(HttpStatusCode.Created);
        var license = await (await admin.PostJsonAsync("licenses",
                new { product_id = product.Str("id"), email = "holder@example.com", type = "subscription", entitlements = new[] { granted.Str("code") } }))
            .DataAsync(HttpStatusCode.Created);
        var suspended = await (await admin.PostJsonAsync("licenses", new { product_id = product.Str("id"), email = "paused@example.com", type = "trial" }))
            .DataAsync(HttpStatusCode.Created);
        await (await admin.PostAsync($"licenses/{suspended.Str("id")}/suspend", content: null)).DataAsync();
        var spare = await (await admin.PostJsonAsync("policies", new { product_id = product.Str("id"), name = $"Spare policy {suffix}", duration = "P30D" }))
            .DataAsync(HttpStatusCode.Created);
        var limited = await (await admin.PostJsonAsync("policies", new { product_id = product.Str("id"), name = $"Two machines {suffix}", max_machines = 2, max_uses = 10 }))
            .DataAsync(HttpStatusCode.Created);
        var limitedLicense = await (await admin.PostJsonAsync("licenses", new { product_id = product.Str("id"), policy_id = limited.Str("id"), email = "studio@example.com" }))
            .DataAsync(HttpStatusCode.Created);
        var fingerprint = $"fp-{suffix}";
        var machine = await (await admin.PostJsonAsync("machines", new { key = limitedLicense.Str("key"), fingerprint, name = "Workstation" }))
            .DataAsync(HttpStatusCode.Created);
        var key = await IssueAsync(admin, "read_only", $"Spare key {suffix}", expiresAt: null);
        var proof = await OfflineProofAsync(admin, license.Str("key"));
        var signingKeys = await (await admin.GetAsync("signing-keys")).DataAsync();
        var replaced = signingKeys.EnumerateArray().Single(k => k.Str("status") == "current").Str("id");
        await (await admin.PostAsync("signing-keys/rotate", content: null)).DataAsync(HttpStatusCode.Created);
        return new MatrixTargets(
            product.Str("id"),
            empty.Str("id"),
            license.Str("id"),
            license.Str("key"),
            DateTimeOffset.Parse(license.Str("expires_at"), CultureInfo.InvariantCulture),
            suspended.Str("id"),
            suspended.Str("key"),
            key.Id,
            replaced,
            spare.Str("id"),
            entitlement.Str("id"),
            entitlement.Str("code"),
            granted.Str("code"),
            limited.Str("id"),
            limitedLicense.Str("id"),
            limitedLicense.Str("key"),
            machine.Str("id"),
            fingerprint,
            proof);
    }

    /// <summary>An air-gapped machine activated on the license, and the proof of its license file's removal.</summary>
    private async Task<string> OfflineProofAsync(HttpClient admin, string licenseKey)
    {
        var request = OfflineActivationRequest.Create(licenseKey, MatrixTargets.OfflineFingerprint).ToString();
        var activation = await (await admin.PostJsonAsync("machines/offline-activations", new { request })).DataAsync(HttpStatusCode.Created);
        var account = (await (await admin.PostJsonAsync("licenses/verify", new { key = licenseKey })).DataAsync()).Str("account_id");
        using var anonymous = CreateClient(apiKey: null, basePath: "/");
        var keys = PublicKeySet.FromJwks(await (await anonymous.GetAsync($".well-known/jwks.json?account={account}")).Content.ReadAsStringAsync());
        var file = LicenseFile.Verify(activation.GetProperty("license_file").Str("license_file"), keys,
            new LicenseFileOptions { Time = Time, LicenseKey = licenseKey, Fingerprint = MatrixTargets.OfflineFingerprint, TrustedClock = TrustedClock.InMemory() });
        return OfflineDeactivationProof.Create(file.Claims!, licenseKey).ToString();
    }

    /// <summary>Sends the endpoint's request for <paramref name="targets"/> as <paramref name="caller"/>.</summary>
    public async Task<HttpResponseMessage> SendAsync(
        Caller caller, MatrixEndpoint endpoint, MatrixTargets targets, bool byKey = false, string basePath = "/api/v1/")
    {
        using var request = new HttpRequestMessage(endpoint.Method, new Uri(new Uri(HttpsAddress, basePath), endpoint.Resolve(targets, byKey)));
        if (endpoint.Body(targets) is { } body)
        {
            request.Content = Infrastructure.Api.Json(body);
        }

        var key = caller switch
        {
            Caller.NoKey or Caller.MalformedHeader => null,
            Caller.UnknownKey => UnknownKey,
            Caller.ExpiredKey => ExpiredKey,
            Caller.RevokedKey => RevokedKey,
            Caller.ReadOnlyKey => ReadOnlyKey,
            Caller.VerifyOnlyKey => VerifyOnlyKey,
            Caller.AdminKey => AdminKey,
            Caller.OtherAccountAdminKey => OtherAdminKey,
            _ => throw new ArgumentOutOfRangeException(nameof(caller), caller, null),
        };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        else if (caller == Caller.MalformedHeader)
        {
            // A perfectly valid admin key, under the wrong scheme: the header, not the key, is at fault.
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(AdminKey + ":")));
        }

        return await _client!.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// The account of each row of a snapshot (<see cref="LicenzApplication.SnapshotDatabaseAsync"/>) by its id: every
    /// table of account-owned rows has both columns.
    /// </summary>
    public static Dictionary<string, string> Owners(string snapshot)
    {
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in snapshot.Split('\n'))
        {
            string? id = null, account = null;
            foreach (var column in line.Split(" | "))
            {
                if (column.StartsWith("Id=", StringComparison.Ordinal))
                {
                    id = column["Id=".Length..];
                }
                else if (column.StartsWith("AccountId=", StringComparison.Ordinal))
                {
                    account = column["AccountId=".Length..];
                }
            }

            if (id is not null && account is not null)
            {
                owners[id] = account;
            }
        }

        return owners;
    }

    /// <summary>Every row that does not belong to the other account: what the other account must not change.</summary>
    public async Task<string> SnapshotOutsideOtherAccountAsync()
    {
        var snapshot = await SnapshotDatabaseAsync();
        return string.Join('\n', snapshot.Split('\n').Where(line => !line.Contains(OtherAccountId, StringComparison.Ordinal)));
    }

    private static MatrixTargets NeverMade()
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        static string Id(string prefix) => Ids.New(prefix, TimeProvider.System);
        var (licenseId, licenseKey) = (Id(Ids.License), LicenseKeyGenerator.Generate());
        return new MatrixTargets(
            Id(Ids.Product),
            Id(Ids.Product),
            licenseId,
            licenseKey,
            Epoch,
            Id(Ids.License),
            LicenseKeyGenerator.Generate(),
            Id(Ids.ApiKey),
            Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)),
            Id(Ids.Policy),
            Id(Ids.Entitlement),
            $"export-{suffix}",
            $"granted-{suffix}",
            Id(Ids.Policy),
            Id(Ids.License),
            LicenseKeyGenerator.Generate(),
            Id(Ids.Machine),
            $"fp-{suffix}",
            NeverIssuedProof(licenseId, licenseKey));
    }

    /// <summary>A well-formed removal proof for a license file no server issued: of a license that does not exist.</summary>
    private static string NeverIssuedProof(string licenseId, string key)
    {
        var license = new LicenseClaims(licenseId, key, Ids.New(Ids.Product, TimeProvider.System), "perpetual", "active",
            null, [], JsonDocument.Parse("{}").RootElement.Clone(), MatrixTargets.OfflineFingerprint);
        var file = new LicenseFileClaims(Ids.New(Ids.Account, TimeProvider.System), license.Id, Epoch, Epoch.AddDays(30), Ids.New("lf", TimeProvider.System), license);
        return OfflineDeactivationProof.Create(file, key).ToString();
    }

    private static async Task<(string Id, string Key)> IssueAsync(HttpClient admin, string type, string name, DateTimeOffset? expiresAt)
    {
        object body = expiresAt is { } at
            ? new { type, name, expires_at = AuthorizationMatrixTests.Iso(at) }
            : new { type, name };
        var created = await (await admin.PostJsonAsync("api-keys", body)).DataAsync(HttpStatusCode.Created);
        return (created.Str("id"), created.Str("key"));
    }

    public override async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        await base.DisposeAsync();
    }
}

using System.ComponentModel;
using Licenz.Server.Accounts;
using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Signing;

/// <param name="Id">The key id (<c>kid</c>), as in the JWKS.</param>
/// <param name="Status">current (signs now), published (still verifies) or retired (no longer verifies).</param>
/// <param name="PublicKey">The raw Ed25519 public key, base64url (the JWK's <c>x</c>).</param>
/// <param name="CreatedAt">When the key was created.</param>
/// <param name="RotatedAt">When a newer key replaced it.</param>
/// <param name="RetiredAt">When it was retired.</param>
public sealed record SigningKeyDto(string Id, SigningKeyStatus Status, string PublicKey, DateTime CreatedAt, DateTime? RotatedAt, DateTime? RetiredAt);

/// <summary>The query of the JWKS.</summary>
public sealed record JwksQuery
{
    [Description("The account whose keys to list (`acct_…`); the default account's when left out.")]
    [FromQuery(Name = "account")]
    public string? Account { get; init; }
}

/// <summary>The JWKS document (RFC 7517) as served: the account's current and published keys.</summary>
public sealed record JwksDto(IReadOnlyList<JwkDto> Keys);

/// <summary>One public key: an Ed25519 key (<c>OKP</c>), for signatures (<c>sig</c>) with EdDSA.</summary>
/// <param name="X">The raw public key, base64url.</param>
public sealed record JwkDto(string Kty, string Crv, string Kid, string Alg, string Use, string X);

public static class SigningKeysApi
{
    public static RouteGroupBuilder MapSigningKeys(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/signing-keys").WithTags("Signing keys").RequireScope(ApiKeyScope.Read)
            .WithRouteParameter("id", "The signing key's id (`kid`), as in the JWKS.");
        group.MapGet("/", ListAsync).WithName("ListSigningKeys").WithSummary("List the account's signing keys, newest first.");
        group.MapPost("/rotate", RotateAsync).RequireScope(ApiKeyScope.Write).WithName("RotateSigningKey")
            .WithSummary("Create a new signing key; it signs from now on. The previous key stays in the JWKS until retired.");
        group.MapPost("/{id}/retire", RetireAsync).RequireScope(ApiKeyScope.Write).WithName("RetireSigningKey")
            .WithSummary("Remove a replaced key from the JWKS: what it signed no longer verifies.");
        return group;
    }

    /// <summary>
    /// The public keys as a JWKS document (RFC 7517), without authentication, at <c>/.well-known/jwks.json</c> and
    /// <c>/api/v1/.well-known/jwks.json</c>: the default account's keys, or another account's with <c>?account=acct_…</c>.
    /// Served as the standard document (not in the data envelope) so any JOSE library can fetch it.
    /// </summary>
    public static IEndpointConventionBuilder MapJwks(this IEndpointRouteBuilder routes) =>
        routes.MapWellKnown("jwks.json", JwksAsync, "Signing keys", "GetJwks", "The public signing keys (JWKS), for verifying license files and signed responses offline.",
            endpoint => endpoint.Produces<JwksDto>(StatusCodes.Status200OK, "application/jwk-set+json"));

    /// <summary>
    /// Maps a public document of an account at <c>/.well-known/{file}</c> and <c>/api/v1/.well-known/{file}</c>, without
    /// authentication, only its <c>?account=</c> query allowed; the second is the one the OpenAPI document describes.
    /// </summary>
    internal static IEndpointConventionBuilder MapWellKnown(
        this IEndpointRouteBuilder routes, string file, Delegate handler, string tag, string name, string summary, Action<RouteHandlerBuilder> describe)
    {
        var endpoints = new List<IEndpointConventionBuilder>();
        foreach (var pattern in (string[])["/.well-known/" + file, ApiRoutes.Base + "/.well-known/" + file])
        {
            var endpoint = routes.MapGet(pattern, handler).WithTags(tag).AllowAnonymous().RejectUnknownQueryParameters()
                .WithDocumentedError(StatusCodes.Status404NotFound, "No account with this id, or no default account yet (`not_found`).")
                .WithSummary(summary);
            describe(endpoint);
            if (pattern.StartsWith(ApiRoutes.Base, StringComparison.Ordinal))
            {
                endpoint.WithName(name);
            }
            else
            {
                endpoint.ExcludeFromDescription();
            }

            endpoints.Add(endpoint);
        }

        return new ConventionBuilders([.. endpoints]);
    }

    /// <summary>The account a public document is asked for: <c>?account=</c>, or the default account; null when there is none.</summary>
    internal static Task<string?> PublicAccountAsync(LicenzDbContext db, string? account, CancellationToken cancellationToken) =>
        account is null
            ? db.Accounts.AsNoTracking().Where(a => a.IsDefault).Select(a => a.Id).FirstOrDefaultAsync(cancellationToken)
            : db.Accounts.AsNoTracking().Where(a => a.Id == account).Select(a => a.Id).FirstOrDefaultAsync(cancellationToken);

    /// <summary>The 404 of <see cref="PublicAccountAsync"/> finding none.</summary>
    internal static ApiErrorResult NoAccount(string? account) => ApiErrorResult.NotFound(account is null
        ? "There is no default account yet: name one with ?account=acct_…."
        : $"No account '{Shown(account)}'.");

    private static async Task<Results<ContentHttpResult, ApiErrorResult>> JwksAsync(
        HttpContext context, [AsParameters] JwksQuery query, LicenzDbContext db, SigningKeyRing ring, CancellationToken cancellationToken)
    {
        if (await PublicAccountAsync(db, query.Account, cancellationToken) is not { } accountId)
        {
            return NoAccount(query.Account);
        }

        // Public and the same for everyone: caches may keep it briefly (rotation shows within five minutes).
        context.Response.Headers.CacheControl = "public, max-age=300";
        return TypedResults.Content(await ring.JwksAsync(accountId, cancellationToken), "application/jwk-set+json");
    }

    internal static async Task<Ok<DataEnvelope<IReadOnlyList<SigningKeyDto>>>> ListAsync(
        HttpContext context, LicenzDbContext db, CancellationToken cancellationToken)
    {
        var accountId = context.Caller().AccountId;
        var keys = await db.SigningKeys.AsNoTracking().Where(k => k.AccountId == accountId)
            .OrderByDescending(k => k.CreatedAt).ToListAsync(cancellationToken);
        return TypedResults.Ok(new DataEnvelope<IReadOnlyList<SigningKeyDto>>(keys.Select(ToDto).ToList()));
    }

    internal static async Task<Created<DataEnvelope<SigningKeyDto>>> RotateAsync(
        HttpContext context, LicenzDbContext db, SigningKeyRing ring, CancellationToken cancellationToken)
    {
        var record = await ring.RotateAsync(db, context.Caller().AccountId, cancellationToken);
        return TypedResults.Created($"{ApiRoutes.BaseOf(context)}/signing-keys", new DataEnvelope<SigningKeyDto>(ToDto(record)));
    }

    private static async Task<Results<Ok<DataEnvelope<SigningKeyDto>>, ApiErrorResult>> RetireAsync(
        HttpContext context, string id, LicenzDbContext db, SigningKeyRing ring, CancellationToken cancellationToken)
    {
        var (record, refusal) = await ring.RetireAsync(db, context.Caller().AccountId, id, cancellationToken);
        if (record is null)
        {
            return ApiErrorResult.NotFound($"No signing key with id '{Shown(id)}'.");
        }

        return refusal is not null ? ApiErrorResult.BadRequest(refusal) : TypedResults.Ok(new DataEnvelope<SigningKeyDto>(ToDto(record)));
    }

    internal static SigningKeyDto ToDto(SigningKeyRecord record) => new(
        record.Id,
        record.Status,
        System.Buffers.Text.Base64Url.EncodeToString(record.PublicKey),
        record.CreatedAt,
        record.RotatedAt,
        record.RetiredAt);

    private static string Shown(string id) => id.Length > 64 ? id[..64] + "…" : id;
}

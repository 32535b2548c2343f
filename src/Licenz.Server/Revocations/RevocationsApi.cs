using System.ComponentModel;
using Licenz.Server.Http;
using Licenz.Server.Signing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Licenz.Server.Revocations;

/// <summary>The query of the revocation list.</summary>
public sealed record RevocationListQuery
{
    [Description("The account whose list to answer (`acct_…`); the default account's when left out.")]
    [FromQuery(Name = "account")]
    public string? Account { get; init; }
}

public static class RevocationsApi
{
    /// <summary>The media type of a compact JWS (RFC 7519 §10.3.1).</summary>
    public const string MediaType = "application/jwt";

    /// <summary>
    /// The account's signed revocation list, without authentication, at <c>/.well-known/licenz-revocations.jwt</c> and
    /// <c>/api/v1/.well-known/licenz-revocations.jwt</c>, beside the JWKS: a compact JWS any JOSE library can check.
    /// </summary>
    public static IEndpointConventionBuilder MapRevocationList(this IEndpointRouteBuilder routes) =>
        routes.MapWellKnown("licenz-revocations.jwt", RevocationListAsync, "Licenses", "GetRevocationList",
            "The signed revocation list: licenses revoked, suspended or deleted and machines deactivated, for refusing their license files offline.",
            endpoint => endpoint.Produces<string>(StatusCodes.Status200OK, MediaType).WithDescription(
                "A compact JWS (`typ` `licenz-revocations+jwt`) signed by the account's current key (see the JWKS): `iss`, `iat`, " +
                "`version` (the number of changes the list has had; every license file and signed verification answer carries it as " +
                "`revocation_version`), `licenses` (`id` and `status`: `revoked`, `suspended` or `deleted`) and `machines` (deactivated " +
                "machine ids: every license file bound to one is revoked). Entries stay for a year and a day, longer than any license " +
                "file lives. Specified in docs/license-file-format.md."));

    private static async Task<Results<ContentHttpResult, ApiErrorResult>> RevocationListAsync(
        HttpContext context, [AsParameters] RevocationListQuery query, Data.LicenzDbContext db, RevocationLists lists, CancellationToken cancellationToken)
    {
        if (await SigningKeysApi.PublicAccountAsync(db, query.Account, cancellationToken) is not { } accountId)
        {
            return SigningKeysApi.NoAccount(query.Account);
        }

        // Public and the same for everyone, but a revocation should reach applications at once: no shared caching.
        context.Response.Headers.CacheControl = "no-cache";
        return TypedResults.Content(await lists.SignedAsync(accountId, cancellationToken), MediaType);
    }
}

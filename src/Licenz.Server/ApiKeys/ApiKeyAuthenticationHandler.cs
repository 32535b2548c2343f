using System.Security.Claims;
using System.Text.Encodings.Web;
using Licenz.Server.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Licenz.Server.ApiKeys;

/// <summary>
/// <c>Authorization: Bearer &lt;API key&gt;</c>. Missing → 401 <c>unauthorized</c>; unknown, revoked or
/// expired → 401 <c>invalid_api_key</c>; valid but lacking the endpoint's scope → 403 <c>forbidden</c>.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyResolver resolver)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    private const string Malformed = "malformed";
    private const string Invalid = "invalid";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // Credentials sent over plain HTTP are never looked at; the request is refused anyway.
        if (!Request.IsHttps)
        {
            return AuthenticateResult.NoResult();
        }

        var header = Request.Headers.Authorization;
        if (header.Count == 0 || string.IsNullOrEmpty(header[0]))
        {
            return AuthenticateResult.NoResult();
        }

        var value = header.Count == 1 ? header[0]! : "";
        const string bearer = "Bearer ";
        if (value.Length <= bearer.Length || !value.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail(Malformed);
        }

        var key = await resolver.ResolveAsync(value[bearer.Length..].Trim(), Context.RequestAborted);
        if (key is null)
        {
            return AuthenticateResult.Fail(Invalid);
        }

        Context.Features.Set(key.Caller);
        return AuthenticateResult.Success(key.Ticket);
    }

    /// <summary>The ticket of an API key: a principal with its id and its account.</summary>
    public static AuthenticationTicket TicketFor(string keyId, string accountId) => new(new ClaimsPrincipal(new ClaimsIdentity(
        [new Claim(ClaimTypes.NameIdentifier, keyId), new Claim("account", accountId)], SchemeName)), SchemeName);

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
        var error = result.Failure?.Message switch
        {
            Invalid => new ApiError(ErrorCodes.InvalidApiKey, "The API key provided is invalid or expired", 401),
            Malformed => new ApiError(ErrorCodes.Unauthorized,
                "The Authorization header must be 'Bearer YOUR_API_KEY'.", 401),
            _ => new ApiError(ErrorCodes.Unauthorized,
                "Missing API key: send it in the header 'Authorization: Bearer YOUR_API_KEY'.", 401),
        };
        await ApiResponses.WriteErrorAsync(Context, error);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var caller = Context.Features.Get<ApiCaller>();
        var scope = Context.GetEndpoint()?.Metadata.GetOrderedMetadata<RequiredScope>().Select(s => s.Scope)
            .FirstOrDefault(s => caller is null || !caller.KeyType.Allows(s));
        var message = caller is null
            ? "This API key lacks the permission for this request."
            : $"This {caller.KeyType.Name()} API key cannot {Describe(scope)}; {Needed(scope)}.";
        return ApiResponses.WriteErrorAsync(Context, StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, message);
    }

    private static string Describe(ApiKeyScope? scope) => scope switch
    {
        ApiKeyScope.Read => "read this resource",
        ApiKeyScope.Write => "make changes",
        ApiKeyScope.ManageKeys => "manage API keys",
        _ => "make this request",
    };

    private static string Needed(ApiKeyScope? scope) => scope switch
    {
        ApiKeyScope.Read => "it needs a read-only or admin key",
        _ => "it needs an admin key",
    };
}

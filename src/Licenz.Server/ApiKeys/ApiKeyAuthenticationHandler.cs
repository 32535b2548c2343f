using System.Security.Claims;
using Licenz.Server.Caching;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Net.Http.Headers;

namespace Licenz.Server.ApiKeys;

/// <summary>
/// <c>Authorization: Bearer &lt;API key&gt;</c>. Missing → 401 <c>unauthorized</c>; unknown, revoked or
/// expired → 401 <c>invalid_api_key</c>; valid but lacking the endpoint's scope → 403 <c>forbidden</c>.
/// </summary>
/// <remarks>
/// A plain <see cref="IAuthenticationHandler"/>, not the framework's <c>AuthenticationHandler&lt;TOptions&gt;</c>:
/// it runs on every API request, and has no options, events or forwarding for that base class to look up
/// (it also made a logger per request). Registered with <see cref="AddApiKeyAuthentication"/>.
/// </remarks>
public sealed class ApiKeyAuthenticationHandler(ApiKeyResolver resolver, Tenancy tenancy) : IAuthenticationHandler
{
    public const string SchemeName = "ApiKey";
    private const string Malformed = "malformed";
    private const string Invalid = "invalid";

    private static readonly Task<AuthenticateResult> NoKey = Task.FromResult(AuthenticateResult.NoResult());
    private static readonly Task<AuthenticateResult> MalformedKey = Task.FromResult(AuthenticateResult.Fail(Malformed));
    private static readonly Task<AuthenticateResult> InvalidKey = Task.FromResult(AuthenticateResult.Fail(Invalid));

    private HttpContext _context = null!;
    private Task<AuthenticateResult>? _result;

    /// <summary>Adds the scheme (the default one) and its handler, made afresh for each request.</summary>
    public static AuthenticationBuilder AddApiKeyAuthentication(IServiceCollection services)
    {
        services.AddTransient<ApiKeyAuthenticationHandler>();
        return services.AddAuthentication(options =>
        {
            options.AddScheme<ApiKeyAuthenticationHandler>(SchemeName, displayName: null);
            options.DefaultScheme = SchemeName;
        });
    }

    public Task InitializeAsync(AuthenticationScheme scheme, HttpContext context)
    {
        _context = context;
        return Task.CompletedTask;
    }

    /// <summary>Once per request: the challenge and forbid answers ask again for the reason.</summary>
    public Task<AuthenticateResult> AuthenticateAsync() => _result ??= AuthenticateOnceAsync();

    private Task<AuthenticateResult> AuthenticateOnceAsync()
    {
        var request = _context.Request;

        // Credentials sent over plain HTTP are never looked at; the request is refused anyway.
        if (!request.IsHttps)
        {
            return NoKey;
        }

        var header = request.Headers.Authorization;
        if (header.Count == 0 || string.IsNullOrEmpty(header[0]))
        {
            return NoKey;
        }

        var value = header.Count == 1 ? header[0]! : "";
        const string bearer = "Bearer ";
        if (value.Length <= bearer.Length || !value.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
        {
            return MalformedKey;
        }

        var resolving = resolver.ResolveAsync(value[bearer.Length..].Trim(), _context.RequestAborted);
        return resolving.IsCompletedSuccessfully ? Task.FromResult(Authenticated(resolving.Result)) : AwaitAsync(resolving);

        async Task<AuthenticateResult> AwaitAsync(ValueTask<CachedApiKey?> pending) => Authenticated(await pending);
    }

    private AuthenticateResult Authenticated(CachedApiKey? key)
    {
        if (key is null)
        {
            return InvalidKey.Result;
        }

        _context.Features.Set(key.Caller);
        tenancy.Serve(key.Caller);
        return AuthenticateResult.Success(key.Ticket);
    }

    /// <summary>The ticket of an API key: a principal with its id and its account.</summary>
    public static AuthenticationTicket TicketFor(string keyId, string accountId) => new(new ClaimsPrincipal(new ClaimsIdentity(
        [new Claim(ClaimTypes.NameIdentifier, keyId), new Claim("account", accountId)], SchemeName)), SchemeName);

    public async Task ChallengeAsync(AuthenticationProperties? properties)
    {
        var result = await AuthenticateAsync();
        _context.Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
        var error = result.Failure?.Message switch
        {
            Invalid => new ApiError(ErrorCodes.InvalidApiKey, "The API key provided is invalid or expired", 401),
            Malformed => new ApiError(ErrorCodes.Unauthorized,
                "The Authorization header must be 'Bearer YOUR_API_KEY'.", 401),
            _ => new ApiError(ErrorCodes.Unauthorized,
                "Missing API key: send it in the header 'Authorization: Bearer YOUR_API_KEY'.", 401),
        };
        await ApiResponses.WriteErrorAsync(_context, error);
    }

    public Task ForbidAsync(AuthenticationProperties? properties)
    {
        var caller = _context.Features.Get<ApiCaller>();
        // The most demanding scope the key lacks (a write needs read too: the key is told it needs an admin key, not a reader).
        var scope = _context.GetEndpoint()?.Metadata.GetOrderedMetadata<RequiredScope>().Select(s => (ApiKeyScope?)s.Scope)
            .Where(s => caller is null || !caller.KeyType.Allows(s!.Value)).Max();
        var message = caller is null
            ? "This API key lacks the permission for this request."
            : $"This {caller.KeyType.Name()} API key cannot {Describe(scope)}; {Needed(scope)}.";
        return ApiResponses.WriteErrorAsync(_context, StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, message);
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

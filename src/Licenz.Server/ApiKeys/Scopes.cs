using Microsoft.AspNetCore.Authorization;

namespace Licenz.Server.ApiKeys;

/// <summary>Endpoint metadata: the scope the caller's key must allow.</summary>
public sealed record RequiredScope(ApiKeyScope Scope);

public sealed class ScopeRequirement(ApiKeyScope scope) : AuthorizationHandler<ScopeRequirement>, IAuthorizationRequirement
{
    public ApiKeyScope Scope { get; } = scope;

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        if (context.Resource is HttpContext http && http.Features.Get<ApiCaller>() is { } caller && caller.KeyType.Allows(requirement.Scope))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

public static class ScopeExtensions
{
    private static string PolicyName(ApiKeyScope scope) => $"scope:{scope}";

    public static AuthorizationBuilder AddScopePolicies(this AuthorizationBuilder builder)
    {
        foreach (var scope in Enum.GetValues<ApiKeyScope>())
        {
            // No AddAuthenticationSchemes: the API key scheme is the default one, which the authentication
            // middleware already ran; naming it here would authenticate every request a second time.
            builder.AddPolicy(PolicyName(scope), policy => policy
                .RequireAuthenticatedUser()
                .AddRequirements(new ScopeRequirement(scope)));
        }

        return builder;
    }

    /// <summary>Requires an API key whose type allows <paramref name="scope"/>.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, ApiKeyScope scope) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(PolicyName(scope)).WithMetadata(new RequiredScope(scope));
}

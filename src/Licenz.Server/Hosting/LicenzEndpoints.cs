using Licenz.Server.ApiKeys;
using Licenz.Server.Dashboard;
using Licenz.Server.Entitlements;
using Licenz.Server.Events;
using Licenz.Server.Health;
using Licenz.Server.Http;
using Licenz.Server.Licenses;
using Licenz.Server.Machines;
using Licenz.Server.Metrics;
using Licenz.Server.OpenApi;
using Licenz.Server.Policies;
using Licenz.Server.Products;
using Licenz.Server.RateLimiting;
using Licenz.Server.Revocations;
using Licenz.Server.Signing;
using Licenz.Server.Verification;

namespace Licenz.Server.Hosting;

/// <summary>
/// Every endpoint, and what applies to it: the API's conventions are declared once here, on the group, and read by the
/// middleware through the endpoint's metadata.
/// </summary>
public static class LicenzEndpoints
{
    /// <summary>What every API answer gets: the plan's rate limit with its headers, and the API's security headers.</summary>
    public static readonly EndpointMetadataCollection ApiConventions = new(PlanRateLimitMetadata.Instance, SecurityHeaders.Api);

    public static TBuilder WithApiConventions<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata([.. ApiConventions]);

    public static IEndpointRouteBuilder MapLicenzEndpoints(this IEndpointRouteBuilder routes)
    {
        // Every API endpoint: JSON bodies within the size limit, only its own query parameters, and its request records
        // checked against their declared rules before the handler runs.
        var api = routes.MapGroup(ApiRoutes.Base).WithApiConventions()
            .RequireJsonBodies().RejectUnknownQueryParameters().WithRequestValidation();
        api.MapVerification();
        api.MapLicenseFiles();
        api.MapSigningKeys();
        api.MapLicenseUsage();
        api.MapLicenses();
        api.MapProducts();
        api.MapPolicies();
        api.MapEntitlements();
        api.MapMachines();
        api.MapApiKeys();
        api.MapEvents();

        routes.MapJwks().WithApiConventions();
        routes.MapRevocationList().WithApiConventions();
        routes.MapLicenzOpenApi().WithApiConventions();
        routes.MapLicenzDashboard().WithSecurityHeaders(SecurityHeaders.Dashboard);
        routes.MapLicenzHealth();
        // Declared, so that the scraping endpoint is not taken for a bare one and given the API's conventions (its rate limit).
        routes.MapLicenzMetrics().WithSecurityHeaders(SecurityHeaders.Api);
        return routes;
    }
}

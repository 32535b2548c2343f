using System.Net;
using Licenz.Server.Http;
using Licenz.Server.RateLimiting;
using Licenz.Server.Signing;
using Licenz.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Licenz.Server.Tests.Hosting;

/// <summary>
/// What applies to a request is declared on its endpoint (or group) and read from the endpoint's metadata: these tests
/// read the declarations off the running server's endpoints, then check that the answers follow them.
/// </summary>
public sealed class EndpointConventionTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private IReadOnlyList<RouteEndpoint> Endpoints =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();

    private static string Route(RouteEndpoint endpoint) =>
        $"{string.Join(",", endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])} {endpoint.RoutePattern.RawText}";

    [Fact]
    public void OnlyTheVerifyEndpointDeclaresASignedResponse()
    {
        var signed = Endpoints.Where(e => e.Metadata.GetMetadata<SignedResponseMetadata>() is not null).Select(Route).ToList();

        Assert.Equal(["POST /api/v1/licenses/verify"], signed);
    }

    [Fact]
    public void EveryApiEndpointCountsAgainstThePlanAndCarriesTheApiSecurityHeaders()
    {
        var api = Endpoints.Where(e => e.RoutePattern.RawText!.StartsWith("/api/v1", StringComparison.Ordinal)
            || e.RoutePattern.RawText!.StartsWith("/.well-known", StringComparison.Ordinal)).ToList();

        Assert.True(api.Count > 20, $"Only {api.Count} API endpoints found.");
        Assert.All(api, e =>
        {
            Assert.True(e.Metadata.GetMetadata<PlanRateLimitMetadata>() is not null, $"{Route(e)} has no plan rate limit.");
            Assert.Same(SecurityHeaders.Api, e.Metadata.GetMetadata<SecurityHeaders>());
        });
    }

    [Fact]
    public void EveryDashboardEndpointCarriesTheDashboardSecurityHeadersAndNoPlanRateLimit()
    {
        var dashboard = Endpoints.Where(e => e.RoutePattern.RawText!.StartsWith("dashboard", StringComparison.Ordinal)
            || e.RoutePattern.RawText!.StartsWith("/dashboard", StringComparison.Ordinal)).ToList();

        Assert.True(dashboard.Count >= 3, $"Only {dashboard.Count} dashboard endpoints found.");
        Assert.All(dashboard, e =>
        {
            Assert.Same(SecurityHeaders.Dashboard, e.Metadata.GetMetadata<SecurityHeaders>());
            Assert.Null(e.Metadata.GetMetadata<PlanRateLimitMetadata>());
        });
    }

    [Theory]
    [InlineData("licenses")]
    [InlineData("nope")]
    [InlineData("/.well-known/jwks.json")]
    [InlineData("/v1/licenses")]
    public async Task ApiAnswersCarryStrictTransportSecurityAndNoSniff(string path)
    {
        using var client = app.CreateAdminClient();

        using var response = await client.GetAsync(path, Cancel);

        Assert.Equal("max-age=31536000", Assert.Single(response.Headers.GetValues("Strict-Transport-Security")));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task APlainHttpRefusalCarriesNoStrictTransportSecurity()
    {
        using var client = app.CreateHttpClient(null);

        using var response = await client.GetAsync("licenses", Cancel);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task OnlyTheSignedEndpointsAnswersAreSigned()
    {
        using var client = app.CreateAdminClient();

        using var list = await client.GetAsync("licenses", Cancel);
        using var verify = await client.PostJsonAsync("licenses/verify", new { key = "LIC-AAAAA-AAAAA-AAAAA" });

        Assert.False(list.Headers.Contains("Signature"));
        Assert.True(verify.Headers.Contains("Signature"));
        Assert.True(verify.Headers.Contains("Signature-Input"));
        Assert.True(verify.Content.Headers.Contains("Content-Digest") || verify.Headers.Contains("Content-Digest"));
    }

    [Fact]
    public async Task TheDashboardDoesNotCountAgainstThePlanAndIsNotTreatedAsApi()
    {
        using var client = app.CreateClient(null, "/");

        using var response = await client.GetAsync("/dashboard/login", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("X-RateLimit-Limit"));
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
    }
}

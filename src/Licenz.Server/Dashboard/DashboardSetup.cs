using System.Security.Claims;
using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Licenz.Server.Hosting;
using Licenz.Server.Http;
using Licenz.Server.Signing;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Dashboard;

/// <summary>
/// The web dashboard at <c>/dashboard</c>: sign in with an admin API key (the page's "Admin: Dashboard"),
/// then Settings → API Keys to create and revoke keys. The session is an HttpOnly, Secure, SameSite=Strict
/// cookie that names the key; every request re-checks that key, so revoking it ends the session.
/// </summary>
public static class DashboardSetup
{
    public const string Scheme = "Dashboard";
    public const string Path = "/dashboard";
    public const string KeyIdClaim = "licenz:key";
    public const string AccountClaim = "licenz:account";

    public static IServiceCollection AddLicenzDashboard(this IServiceCollection services, AuthenticationBuilder authentication)
    {
        services.AddRazorPages(pages =>
        {
            pages.RootDirectory = "/Dashboard/Pages";
            pages.Conventions.AuthorizeFolder("/", DashboardPolicy);
            pages.Conventions.AllowAnonymousToPage("/Login");
        });
        services.Configure<CookieTempDataProviderOptions>(tempData =>
        {
            tempData.Cookie.Name = "licenz_notice";
            tempData.Cookie.Path = Path;
            tempData.Cookie.HttpOnly = true;
            tempData.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            tempData.Cookie.SameSite = SameSiteMode.Strict;
            tempData.Cookie.IsEssential = true;
        });
        services.AddAuthorizationBuilder().AddPolicy(DashboardPolicy, policy => policy
            .AddAuthenticationSchemes(Scheme)
            .RequireAuthenticatedUser()
            .RequireClaim(KeyIdClaim));

        authentication.AddCookie(Scheme, cookie =>
        {
            cookie.Cookie.Name = "licenz_session";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.Path = Path;
            cookie.LoginPath = Path + "/login";
            cookie.LogoutPath = Path + "/login";
            cookie.AccessDeniedPath = Path + "/login";
            cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
            cookie.SlidingExpiration = true;
            cookie.Events.OnValidatePrincipal = ValidateSessionAsync;
        });

        // Session cookies are protected with keys kept in the database (sealed under the master key), so they survive
        // restarts and every node opens the cookies any node issued.
        services.AddOptions<KeyManagementOptions>().Configure<IServiceProvider, ILoggerFactory, KeyEncryption>((keys, provider, logging, encryption) =>
        {
            keys.XmlRepository = new EntityFrameworkCoreXmlRepository<LicenzDbContext>(provider, logging);
            keys.XmlEncryptor = new MasterKeyXmlEncryptor(encryption);
        });
        return services;
    }

    public static IEndpointConventionBuilder MapLicenzDashboard(this IEndpointRouteBuilder routes) => new ConventionBuilders(
        routes.MapRazorPages(),
        routes.MapGet(Path + "/dashboard.css", () => Results.Text(DashboardStyles.Css, "text/css; charset=utf-8")).ExcludeFromDescription(),
        routes.MapDashboardNotFound());

    private const string DashboardPolicy = "dashboard";

    public static ClaimsPrincipal Principal(ApiCaller caller) => new(new ClaimsIdentity(
        [new Claim(KeyIdClaim, caller.KeyId), new Claim(AccountClaim, caller.AccountId)], Scheme));

    public static string AccountId(this ClaimsPrincipal user) => user.FindFirstValue(AccountClaim)!;

    public static string KeyId(this ClaimsPrincipal user) => user.FindFirstValue(KeyIdClaim)!;

    /// <summary>A session lasts only as long as the admin key it was opened with is active.</summary>
    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var keyId = context.Principal?.FindFirstValue(KeyIdClaim);
        var accountId = context.Principal?.FindFirstValue(AccountClaim);
        var services = context.HttpContext.RequestServices;
        var db = services.GetRequiredService<LicenzDbContext>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;

        // Before the session's account is served: the key is looked up by its id and its account together.
        var active = keyId is not null && accountId is not null && await db.ApiKeys.AsNoTracking()
            .IgnoreQueryFilters([LicenzDbContext.TenantFilter])
            .AnyAsync(k => k.Id == keyId && k.AccountId == accountId && k.Type == ApiKeyType.Admin && k.RevokedAt == null
                && (k.ExpiresAt == null || k.ExpiresAt > now));
        if (!active)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
            return;
        }

        // The session acts for its account: the pages' queries see that account's rows only.
        services.GetRequiredService<Tenancy>().Serve(new DashboardSession(accountId!, keyId!));
    }

    private sealed record DashboardSession(string AccountId, string KeyId) : IRequestTenant;
}

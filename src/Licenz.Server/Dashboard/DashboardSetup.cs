using System.Security.Claims;
using Licenz.Server.ApiKeys;
using Licenz.Server.Dashboard.Members;
using Licenz.Server.Data;
using Licenz.Server.Hosting;
using Licenz.Server.Http;
using Licenz.Server.Signing;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Dashboard;

/// <summary>
/// The web dashboard at <c>/dashboard</c>, for people: members of an account sign in with their email and password
/// (ASP.NET Core Identity's hasher and lockout) and, if they set one up, an authenticator code. The session is an
/// HttpOnly, Secure, SameSite=Strict cookie that names the member and the security stamp it was opened with; every
/// request reads the member again, so a changed password, a changed role or a removed member takes effect at once.
/// </summary>
public static class DashboardSetup
{
    public const string Scheme = "Dashboard";

    /// <summary>The few minutes between a right password and the authenticator code it still needs.</summary>
    public const string TwoFactorScheme = "DashboardTwoFactor";

    public const string Path = "/dashboard";
    public const string MemberClaim = "licenz:member";
    public const string AccountClaim = "licenz:account";
    public const string StampClaim = "licenz:stamp";

    /// <summary>
    /// Authorization policies of whole pages: any member; owners and admins; owners. What a role may change on a page
    /// open to more roles its handlers check (<see cref="Can"/>).
    /// </summary>
    public const string AnyMember = "dashboard";
    public const string Admins = "dashboard.admins";
    public const string Owners = "dashboard.owners";

    public static IServiceCollection AddLicenzDashboard(this IServiceCollection services, AuthenticationBuilder authentication)
    {
        services.AddRazorPages(pages =>
        {
            pages.RootDirectory = "/Dashboard/Pages";
            pages.Conventions.AuthorizeFolder("/", AnyMember);
            pages.Conventions.AllowAnonymousToPage("/Login");
            pages.Conventions.AllowAnonymousToPage("/LoginTwoFactor");
            pages.Conventions.AllowAnonymousToPage("/Setup");
            pages.Conventions.AuthorizePage("/Settings/ApiKeys", Admins);
            pages.Conventions.AuthorizePage("/Settings/SigningKeys", Admins);
            pages.Conventions.AuthorizePage("/Settings/Members", Owners);
        });
        services.AddMemberEvents();
        services.Configure<CookieTempDataProviderOptions>(tempData =>
        {
            tempData.Cookie.Name = "licenz_notice";
            tempData.Cookie.Path = Path;
            tempData.Cookie.HttpOnly = true;
            tempData.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            tempData.Cookie.SameSite = SameSiteMode.Strict;
            tempData.Cookie.IsEssential = true;
        });
        services.Configure<AntiforgeryOptions>(antiforgery =>
        {
            antiforgery.Cookie.Name = "licenz_antiforgery";
            antiforgery.Cookie.Path = Path;
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(AnyMember, policy => Members(policy))
            .AddPolicy(Admins, policy => Members(policy).RequireRole(RoleName(MemberRole.Owner), RoleName(MemberRole.Admin)))
            .AddPolicy(Owners, policy => Members(policy).RequireRole(RoleName(MemberRole.Owner)));

        services.AddIdentityCore<Member>(identity =>
            {
                // Length over composition rules (NIST SP 800-63B): a long passphrase, whatever its characters.
                identity.Password.RequiredLength = 12;
                identity.Password.RequireDigit = false;
                identity.Password.RequireLowercase = false;
                identity.Password.RequireUppercase = false;
                identity.Password.RequireNonAlphanumeric = false;
                identity.Password.RequiredUniqueChars = 4;
                identity.Lockout.MaxFailedAccessAttempts = MaxFailedSignIns;
                identity.Lockout.DefaultLockoutTimeSpan = LockoutTime;
                identity.Lockout.AllowedForNewUsers = true;
                identity.User.RequireUniqueEmail = true;
            })
            .AddUserStore<MemberStore>()
            .AddTokenProvider<AuthenticatorTokenProvider<Member>>(TokenOptions.DefaultAuthenticatorProvider);
        services.AddScoped<DashboardSignIn>();

        authentication.AddCookie(Scheme, cookie =>
        {
            cookie.Cookie.Name = "licenz_session";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.Path = Path;
            cookie.LoginPath = Path + "/login";
            cookie.LogoutPath = Path + "/login";
            cookie.AccessDeniedPath = Path + "/forbidden";
            cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
            cookie.SlidingExpiration = true;
            cookie.Events.OnValidatePrincipal = ValidateSessionAsync;
        });
        authentication.AddCookie(TwoFactorScheme, cookie =>
        {
            cookie.Cookie.Name = "licenz_2fa";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.Path = Path + "/login";
            cookie.ExpireTimeSpan = TimeSpan.FromMinutes(5);
            cookie.SlidingExpiration = false;
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

    /// <summary>Wrong passwords (or codes) in a row before a member is locked out for <see cref="LockoutTime"/>.</summary>
    public const int MaxFailedSignIns = 5;

    public static readonly TimeSpan LockoutTime = TimeSpan.FromMinutes(15);

    public static IEndpointConventionBuilder MapLicenzDashboard(this IEndpointRouteBuilder routes) => new ConventionBuilders(
        [routes.MapRazorPages(), .. DashboardAssets.Map(routes), routes.MapDashboardNotFound()]);

    public static string RoleName(MemberRole role) => ApiNames<MemberRole>.Name(role);

    private static AuthorizationPolicyBuilder Members(AuthorizationPolicyBuilder policy) => policy
        .AddAuthenticationSchemes(Scheme)
        .RequireAuthenticatedUser()
        .RequireClaim(MemberClaim);

    /// <summary>The session's principal: who, in which account, opened with which security stamp, in which role now.</summary>
    public static ClaimsPrincipal Principal(Member member) => new(new ClaimsIdentity(
        [
            new Claim(MemberClaim, member.Id), new Claim(AccountClaim, member.AccountId), new Claim(StampClaim, member.SecurityStamp),
            new Claim(ClaimTypes.Role, RoleName(member.Role)), new Claim(ClaimTypes.Email, member.Email),
        ],
        Scheme, ClaimTypes.Email, ClaimTypes.Role));

    public static string AccountId(this ClaimsPrincipal user) => user.FindFirstValue(AccountClaim)!;

    public static string MemberId(this ClaimsPrincipal user) => user.FindFirstValue(MemberClaim)!;

    /// <summary>The member's role as this request read it.</summary>
    public static MemberRole Role(this ClaimsPrincipal user) =>
        ApiNames<MemberRole>.TryParse(user.FindFirstValue(ClaimTypes.Role), out var role) ? role : MemberRole.ReadOnly;

    /// <summary>Whether the member may do what <paramref name="least"/> may: owner ⊇ admin ⊇ support ⊇ read-only.</summary>
    public static bool Can(this ClaimsPrincipal user, MemberRole least) => user.Role() <= least;

    /// <summary>
    /// A session lasts as long as its member is there with the security stamp it was opened with: a password change, a
    /// new second factor or removal ends it. The role is read again each request, so a changed role counts at once.
    /// </summary>
    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var memberId = context.Principal?.FindFirstValue(MemberClaim);
        var accountId = context.Principal?.FindFirstValue(AccountClaim);
        var stamp = context.Principal?.FindFirstValue(StampClaim);
        var services = context.HttpContext.RequestServices;
        var db = services.GetRequiredService<LicenzDbContext>();

        // Before the session's account is served: the member is looked up by its id and its account together.
        var found = memberId is null || accountId is null ? null : await db.Members.AsNoTracking()
            .IgnoreQueryFilters([LicenzDbContext.TenantFilter])
            .Where(m => m.Id == memberId && m.AccountId == accountId)
            .Select(m => new { Member = m, Plan = db.Accounts.Where(a => a.Id == m.AccountId).Select(a => a.Plan).First() })
            .FirstOrDefaultAsync();
        if (found is null || found.Member.SecurityStamp != stamp)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
            return;
        }

        // The member is the request's caller: the session's account is served (the pages' queries see its rows only), the
        // API's handlers the pages run act for it (DashboardCommands), and events name the member. Pages check the role
        // before they change anything; read-only members read.
        var member = found.Member;
        var caller = new ApiCaller(member.AccountId, found.Plan, member.Id, member.Role == MemberRole.ReadOnly ? ApiKeyType.ReadOnly : ApiKeyType.Admin);
        context.HttpContext.Features.Set(caller);
        services.GetRequiredService<Tenancy>().Serve(caller);
        context.ReplacePrincipal(Principal(member));
    }
}

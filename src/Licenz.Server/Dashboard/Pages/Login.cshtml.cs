using Licenz.Server.ApiKeys;
using Licenz.Server.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Licenz.Server.Dashboard.Pages;

public sealed class LoginModel(ApiKeyResolver resolver) : PageModel
{
    [BindProperty]
    public string? ApiKey { get; set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var session = await HttpContext.AuthenticateAsync(DashboardSetup.Scheme);
        return session.Succeeded ? LocalRedirect(DashboardSetup.Path) : Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var caller = string.IsNullOrWhiteSpace(ApiKey) ? null : (await resolver.ResolveAsync(ApiKey.Trim(), HttpContext.RequestAborted))?.Caller;
        if (caller is null)
        {
            Error = "The API key provided is invalid or expired.";
            return Page();
        }

        if (caller.KeyType != ApiKeyType.Admin)
        {
            Error = $"This is a {caller.KeyType.Name()} key; the dashboard needs an admin API key.";
            return Page();
        }

        await HttpContext.SignInAsync(DashboardSetup.Scheme, DashboardSetup.Principal(caller));
        return LocalRedirect(DashboardSetup.Path);
    }

    public async Task<IActionResult> OnPostLogoutAsync()
    {
        await HttpContext.SignOutAsync(DashboardSetup.Scheme);
        return LocalRedirect(DashboardSetup.Path + "/login");
    }
}

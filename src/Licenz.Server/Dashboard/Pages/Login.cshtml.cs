using Licenz.Server.Dashboard.Members;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Licenz.Server.Dashboard.Pages;

public sealed class LoginModel(DashboardSignIn signIn) : PageModel
{
    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var session = await HttpContext.AuthenticateAsync(DashboardSetup.Scheme);
        return session.Succeeded ? LocalRedirect(Next) : Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (string.IsNullOrWhiteSpace(Email) || string.IsNullOrEmpty(Password))
        {
            Error = "Enter your email and your password.";
            return Page();
        }

        var (outcome, lockedUntil) = await signIn.PasswordAsync(HttpContext, Email, Password);
        switch (outcome)
        {
            case SignInOutcome.SignedIn:
                return LocalRedirect(Next);
            case SignInOutcome.NeedsCode:
                return RedirectToPage("/LoginTwoFactor", new { ReturnUrl });
            case SignInOutcome.LockedOut:
                Error = LockedOut(lockedUntil);
                return Page();
            default:
                Error = "That email and password do not match a member. Check both and try again.";
                return Page();
        }
    }

    public async Task<IActionResult> OnPostLogoutAsync()
    {
        await HttpContext.SignOutAsync(DashboardSetup.Scheme);
        return LocalRedirect(DashboardSetup.Path + "/login");
    }

    private string Next => ReturnTo(Url, ReturnUrl);

    /// <summary>Where to go once signed in: the page asked for, if it is the dashboard's; the overview otherwise.</summary>
    public static string ReturnTo(IUrlHelper url, string? returnUrl) =>
        returnUrl is not null && url.IsLocalUrl(returnUrl) && returnUrl.StartsWith(DashboardSetup.Path, StringComparison.Ordinal) ? returnUrl : DashboardSetup.Path;

    public static string LockedOut(DateTime? until) =>
        $"Too many failed attempts: this member is locked out{(until is { } end ? $" until {end:yyyy-MM-dd HH:mm} UTC" : "")}. " +
        $"Wait {DashboardSetup.LockoutTime.TotalMinutes:0} minutes, or ask an owner.";
}

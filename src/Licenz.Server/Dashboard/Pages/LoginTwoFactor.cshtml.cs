using Licenz.Server.Dashboard.Members;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Licenz.Server.Dashboard.Pages;

public sealed class LoginTwoFactorModel(DashboardSignIn signIn) : PageModel
{
    [BindProperty]
    public string? Code { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync() =>
        await signIn.PendingAsync(HttpContext) is null ? RedirectToPage("/Login") : Page();

    public async Task<IActionResult> OnPostAsync()
    {
        var member = await signIn.PendingAsync(HttpContext);
        if (member is null)
        {
            // The five minutes passed, or the password changed meanwhile: start again.
            return RedirectToPage("/Login");
        }

        if (string.IsNullOrWhiteSpace(Code))
        {
            Error = "Enter the 6-digit code your authenticator app shows, or a recovery code.";
            return Page();
        }

        var (outcome, lockedUntil) = await signIn.CodeAsync(HttpContext, member, Code);
        if (outcome == SignInOutcome.SignedIn)
        {
            return LocalRedirect(LoginModel.ReturnTo(Url, ReturnUrl));
        }

        Error = outcome == SignInOutcome.LockedOut ? LoginModel.LockedOut(lockedUntil) : "That code is not right. Codes change every 30 seconds: try the current one.";
        return Page();
    }
}

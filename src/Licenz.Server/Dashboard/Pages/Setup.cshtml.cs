using Licenz.Server.Dashboard.Members;
using Licenz.Server.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Licenz.Server.Dashboard.Pages;

/// <summary>A one-time link (<see cref="MemberInvitations"/>): choose a password, become a member, signed in.</summary>
public sealed class SetupModel(LicenzDbContext db, UserManager<Member> members, DashboardSignIn signIn, TimeProvider time) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Token { get; set; }

    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty]
    public string? Confirm { get; set; }

    public Invitation? Invitation { get; private set; }

    public List<string> Errors { get; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Invitation = await MemberInvitations.FindOpenAsync(db, Token, time.GetUtcNow().UtcDateTime, cancellationToken);
        if (Invitation is null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
        }

        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        Invitation = await MemberInvitations.FindOpenAsync(db, Token, time.GetUtcNow().UtcDateTime, cancellationToken);
        if (Invitation is null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            return Page();
        }

        var email = Invitation.Email ?? Email?.Trim();
        if (string.IsNullOrEmpty(email))
        {
            Errors.Add("Enter the email you will sign in with.");
        }

        if (string.IsNullOrEmpty(Password))
        {
            Errors.Add("Choose a password.");
        }
        else if (Password != Confirm)
        {
            Errors.Add("The two passwords differ: type the same password twice.");
        }

        if (Errors.Count == 0)
        {
            var (member, errors) = await MemberInvitations.AcceptAsync(db, members, time, Invitation, email!, Name, Password!, cancellationToken);
            if (member is not null)
            {
                await signIn.OpenSessionAsync(HttpContext, member);
                return LocalRedirect(DashboardSetup.Path);
            }

            Errors.AddRange(errors);
        }

        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }
}

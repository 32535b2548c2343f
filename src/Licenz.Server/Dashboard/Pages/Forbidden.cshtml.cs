using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Licenz.Server.Dashboard.Pages;

/// <summary>Where a member lands on a page their role does not open; answered with 403.</summary>
public sealed class ForbiddenModel : PageModel
{
    public string Role { get; private set; } = "";

    public void OnGet()
    {
        Role = DashboardSetup.RoleName(User.Role()).Replace('_', '-');
        Response.StatusCode = StatusCodes.Status403Forbidden;
    }
}

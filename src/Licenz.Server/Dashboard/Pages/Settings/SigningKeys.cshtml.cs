using Licenz.Server.Data;
using Licenz.Server.Signing;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Licenz.Server.Dashboard.Pages.Settings;

/// <summary>Settings → Signing keys (owners and admins): the public keys, and rotation.</summary>
public sealed class SigningKeysModel(LicenzDbContext db, SigningKeyRing ring) : PageModel
{
    public IReadOnlyList<SigningKeyDto> Keys { get; private set; } = [];

    [TempData]
    public string? Notice { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Keys = (await SigningKeysApi.ListAsync(HttpContext, db, cancellationToken)).Value!.Data;

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var created = (await SigningKeysApi.RotateAsync(HttpContext, db, ring, cancellationToken)).Value!.Data;
        Notice = $"Rotated: key {created.Id[..12]}… signs from now on.";
        return RedirectToPage();
    }
}

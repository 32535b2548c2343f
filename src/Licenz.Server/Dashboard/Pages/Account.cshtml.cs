using System.Text.Json;
using Licenz.Server.Dashboard.Members;
using Licenz.Server.Dashboard.Pages.Settings;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using QRCoder;

namespace Licenz.Server.Dashboard.Pages;

/// <summary>The signed-in member's own sign-in: the password, and an authenticator app as a second factor.</summary>
public sealed class AccountModel(UserManager<Member> members, DashboardSignIn signIn) : PageModel
{
    public Member Member { get; private set; } = null!;

    public string? AuthenticatorKey { get; private set; }

    /// <summary>The <c>otpauth://</c> URI as a PNG data URI, for the app to scan.</summary>
    public string? AuthenticatorQr { get; private set; }

    public int RecoveryCodesLeft { get; private set; }

    public IReadOnlyList<string>? RecoveryCodes { get; private set; }

    public List<string> Errors { get; } = [];

    [TempData]
    public string? Notice { get; set; }

    /// <summary>New recovery codes, to the next view only (the encrypted TempData cookie, read once).</summary>
    [TempData]
    public string? NewCodes { get; set; }

    [BindProperty]
    public string? Current { get; set; }

    [BindProperty]
    public string? NewPassword { get; set; }

    [BindProperty]
    public string? Confirm { get; set; }

    [BindProperty]
    public string? Code { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool Verify { get; set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (NewCodes is not null)
        {
            RecoveryCodes = JsonSerializer.Deserialize(NewCodes, DashboardJson.Default.StringArray);
        }

        return await ShowAsync();
    }

    public async Task<IActionResult> OnPostPasswordAsync()
    {
        var member = await MeAsync();
        if (string.IsNullOrEmpty(Current) || string.IsNullOrEmpty(NewPassword))
        {
            Errors.Add("Enter your current password and the new one.");
        }
        else if (NewPassword != Confirm)
        {
            Errors.Add("The two new passwords differ: type the same password twice.");
        }
        else
        {
            var changed = await members.ChangePasswordAsync(member, Current, NewPassword);
            if (changed.Succeeded)
            {
                // The new security stamp has ended every session of this member; this one goes on with the new stamp.
                await signIn.OpenSessionAsync(HttpContext, member);
                Notice = "Password changed. Every other session of yours has been signed out.";
                return RedirectToPage();
            }

            Errors.AddRange(changed.Errors.Select(e => e.Code == nameof(IdentityErrorDescriber.PasswordMismatch) ? "The current password is not right." : e.Description));
        }

        return await ShowAsync(StatusCodes.Status400BadRequest);
    }

    public async Task<IActionResult> OnPostSetupAsync()
    {
        var member = await MeAsync();
        if (member.TwoFactorEnabled)
        {
            return RedirectToPage();
        }

        await members.ResetAuthenticatorKeyAsync(member);
        await signIn.OpenSessionAsync(HttpContext, member);
        return RedirectToPage(new { Verify = true });
    }

    public async Task<IActionResult> OnPostEnableAsync()
    {
        var member = await MeAsync();
        var code = (Code ?? "").Replace(" ", "").Replace("-", "");
        if (member.TwoFactorEnabled)
        {
            return RedirectToPage();
        }

        if (!await members.VerifyTwoFactorTokenAsync(member, TokenOptions.DefaultAuthenticatorProvider, code))
        {
            Verify = true;
            Errors.Add("That code is not right. Check the app's clock, and enter the code it shows now.");
            return await ShowAsync(StatusCodes.Status400BadRequest);
        }

        await members.SetTwoFactorEnabledAsync(member, true);
        await signIn.OpenSessionAsync(HttpContext, member);
        NewCodes = JsonSerializer.Serialize((await members.GenerateNewTwoFactorRecoveryCodesAsync(member, 10))!.ToArray(), DashboardJson.Default.StringArray);
        Notice = "Two-factor sign-in is on. Every other session of yours has been signed out.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostRecoveryCodesAsync()
    {
        var member = await MeAsync();
        if (member.TwoFactorEnabled)
        {
            NewCodes = JsonSerializer.Serialize((await members.GenerateNewTwoFactorRecoveryCodesAsync(member, 10))!.ToArray(), DashboardJson.Default.StringArray);
            Notice = "New recovery codes made: the old ones no longer work.";
        }

        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostDisableAsync()
    {
        var member = await MeAsync();
        if (string.IsNullOrEmpty(Current) || !await members.CheckPasswordAsync(member, Current))
        {
            Errors.Add("The password is not right: two-factor sign-in stays on.");
            return await ShowAsync(StatusCodes.Status400BadRequest);
        }

        await members.TurnOffTwoFactorAsync(member);
        await signIn.OpenSessionAsync(HttpContext, member);
        Notice = "Two-factor sign-in is off.";
        return RedirectToPage();
    }

    private async Task<Member> MeAsync() => Member = (await members.FindByIdAsync(User.MemberId()))!;

    private async Task<IActionResult> ShowAsync(int status = StatusCodes.Status200OK)
    {
        var member = await MeAsync();
        RecoveryCodesLeft = await members.CountRecoveryCodesAsync(member);
        if (!member.TwoFactorEnabled && Verify && await members.GetAuthenticatorKeyAsync(member) is { } key)
        {
            AuthenticatorKey = key;
            var uri = $"otpauth://totp/{Uri.EscapeDataString("Licenz:" + member.Email)}?secret={key}&issuer=Licenz&digits=6";
            using var generator = new QRCodeGenerator();
            using var data = generator.CreateQrCode(uri, QRCodeGenerator.ECCLevel.M);
            AuthenticatorQr = "data:image/png;base64," + Convert.ToBase64String(new PngByteQRCode(data).GetGraphic(5));
        }

        Response.StatusCode = status;
        return Page();
    }
}

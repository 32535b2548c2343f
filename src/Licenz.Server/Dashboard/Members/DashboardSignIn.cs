using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;

namespace Licenz.Server.Dashboard.Members;

/// <summary>What a password, or a second factor, came to.</summary>
public enum SignInOutcome
{
    SignedIn,
    NeedsCode,
    Wrong,
    LockedOut,
}

/// <summary>
/// Signing in to the dashboard, on Identity's <see cref="UserManager{TUser}"/>: the password checked against its hash,
/// failures counted (<see cref="DashboardSetup.MaxFailedSignIns"/> in a row lock the member out for
/// <see cref="DashboardSetup.LockoutTime"/>, wrong authenticator codes included), then the authenticator code for
/// members who set one up, then the session cookie.
/// </summary>
public sealed class DashboardSignIn(UserManager<Member> members, TimeProvider time)
{
    /// <summary>Hashed against when no member has the email, so that the answer takes as long either way.</summary>
    private static readonly Member Nobody = new()
    {
        Id = "mem_nobody", AccountId = "acct_nobody", Email = "", NormalizedEmail = "", SecurityStamp = "",
    };

    private static string? _nobodyHash;

    /// <summary>The first step: email and password. A member with a second factor is then asked for a code.</summary>
    public async Task<(SignInOutcome Outcome, DateTime? LockedUntil)> PasswordAsync(HttpContext http, string email, string password)
    {
        var member = await members.FindByEmailAsync(email.Trim());
        if (member is null)
        {
            _nobodyHash ??= members.PasswordHasher.HashPassword(Nobody, Guid.NewGuid().ToString());
            members.PasswordHasher.VerifyHashedPassword(Nobody, _nobodyHash, password);
            return (SignInOutcome.Wrong, null);
        }

        if (await members.IsLockedOutAsync(member))
        {
            return (SignInOutcome.LockedOut, member.LockoutEnd);
        }

        if (!await members.CheckPasswordAsync(member, password))
        {
            return await FailedAsync(member);
        }

        // The failures are not forgiven before the code too is right: otherwise the password, once known, would buy
        // another run of guesses at the code each time it is typed.
        if (member.TwoFactorEnabled)
        {
            await http.SignInAsync(DashboardSetup.TwoFactorScheme, new ClaimsPrincipal(new ClaimsIdentity(
                [new Claim(DashboardSetup.MemberClaim, member.Id), new Claim(DashboardSetup.StampClaim, member.SecurityStamp)],
                DashboardSetup.TwoFactorScheme)));
            return (SignInOutcome.NeedsCode, null);
        }

        await OpenSessionAsync(http, member);
        return (SignInOutcome.SignedIn, null);
    }

    /// <summary>The member whose password was right a few minutes ago and who still owes a code; null if none.</summary>
    public async Task<Member?> PendingAsync(HttpContext http)
    {
        var pending = await http.AuthenticateAsync(DashboardSetup.TwoFactorScheme);
        var memberId = pending.Principal?.FindFirstValue(DashboardSetup.MemberClaim);
        var member = memberId is null ? null : await members.FindByIdAsync(memberId);
        return member is not null && member.SecurityStamp == pending.Principal!.FindFirstValue(DashboardSetup.StampClaim) ? member : null;
    }

    /// <summary>The second step: a code from the authenticator app, or one of the recovery codes (each works once).</summary>
    public async Task<(SignInOutcome Outcome, DateTime? LockedUntil)> CodeAsync(HttpContext http, Member member, string code)
    {
        if (await members.IsLockedOutAsync(member))
        {
            return (SignInOutcome.LockedOut, member.LockoutEnd);
        }

        var typed = code.Replace(" ", "").Replace("-", "").Trim();
        var right = typed.Length == 6 && typed.All(char.IsAsciiDigit)
            ? await members.VerifyTwoFactorTokenAsync(member, TokenOptions.DefaultAuthenticatorProvider, typed)
            : (await members.RedeemTwoFactorRecoveryCodeAsync(member, code.Trim())).Succeeded;
        if (!right)
        {
            return await FailedAsync(member);
        }

        await http.SignOutAsync(DashboardSetup.TwoFactorScheme);
        await OpenSessionAsync(http, member);
        return (SignInOutcome.SignedIn, null);
    }

    /// <summary>
    /// Opens (or, after the member's security stamp changed, renews) the session cookie. A changed stamp has ended every
    /// other session of the member; this one goes on.
    /// </summary>
    public async Task OpenSessionAsync(HttpContext http, Member member)
    {
        // One save (one event, member.signed_in): the time, and the failures before it forgiven.
        member.LastSignInAt = time.GetUtcNow().UtcDateTime;
        member.AccessFailedCount = 0;
        await members.UpdateAsync(member);
        await http.SignInAsync(DashboardSetup.Scheme, DashboardSetup.Principal(member));
    }

    private async Task<(SignInOutcome, DateTime?)> FailedAsync(Member member)
    {
        await members.AccessFailedAsync(member);
        return await members.IsLockedOutAsync(member) ? (SignInOutcome.LockedOut, member.LockoutEnd) : (SignInOutcome.Wrong, null);
    }
}

public static class MemberTwoFactor
{
    /// <summary>Turns the second factor off: the authenticator key and the recovery codes go too, and the member's sessions end.</summary>
    public static async Task TurnOffTwoFactorAsync(this UserManager<Member> members, Member member)
    {
        await members.SetTwoFactorEnabledAsync(member, false);
        await members.ResetAuthenticatorKeyAsync(member);
        await members.GenerateNewTwoFactorRecoveryCodesAsync(member, 0);
    }
}

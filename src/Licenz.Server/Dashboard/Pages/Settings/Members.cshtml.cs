using System.Net.Mail;
using Licenz.Server.Dashboard.Members;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Dashboard.Pages.Settings;

/// <summary>Settings → Members (owners only): invite by a one-time link, change roles, remove, reset a lost second factor.</summary>
public sealed class MembersModel(LicenzDbContext db, UserManager<Member> members, TimeProvider time) : PageModel
{
    public IReadOnlyList<Member> Members { get; private set; } = [];

    public IReadOnlyList<Invitation> Invitations { get; private set; } = [];

    public string? Error { get; private set; }

    [TempData]
    public string? Notice { get; set; }

    /// <summary>The new invitation's link, to the next view only (the encrypted TempData cookie, read once).</summary>
    [TempData]
    public string? InvitationLink { get; set; }

    [TempData]
    public string? InvitedEmail { get; set; }

    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string Role { get; set; } = DashboardSetup.RoleName(MemberRole.Support);

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostInviteAsync(CancellationToken cancellationToken)
    {
        var email = Email?.Trim() ?? "";
        if (!MailAddress.TryCreate(email, out var parsed) || parsed.Address != email || email.Length > 254)
        {
            Error = "Enter the email address of the person to invite, such as sam@example.com.";
        }
        else if (!ApiNames<MemberRole>.TryParse(Role, out var role))
        {
            Error = $"The role must be one of {ApiNames<MemberRole>.List}.";
        }
        else if (await members.FindByEmailAsync(email) is not null)
        {
            Error = $"{email} is already a member on this server.";
        }
        else
        {
            var (_, token) = MemberInvitations.Issue(db, time, User.AccountId(), email, role, User.MemberId(), MemberInvitations.InvitationLifetime);
            await db.SaveChangesAsync(cancellationToken);
            InvitationLink = $"{Request.Scheme}://{Request.Host}{MemberInvitations.LinkPath}{token}";
            InvitedEmail = email;
            return RedirectToPage();
        }

        await LoadAsync(cancellationToken);
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    public async Task<IActionResult> OnPostRoleAsync(string id, CancellationToken cancellationToken)
    {
        var member = await FindAsync(id, cancellationToken);
        if (member is null)
        {
            return NotFound();
        }

        if (!ApiNames<MemberRole>.TryParse(Role, out var role))
        {
            return await RefuseAsync($"The role must be one of {ApiNames<MemberRole>.List}.", cancellationToken);
        }

        if (member.Role == MemberRole.Owner && role != MemberRole.Owner && await IsLastOwnerAsync(member, cancellationToken))
        {
            return await RefuseAsync("An account keeps at least one owner: make another member owner first.", cancellationToken);
        }

        member.Role = role;
        db.RecordEvent(member, MemberEvents.RoleChanged);
        await db.SaveChangesAsync(cancellationToken);
        Notice = $"{member.Email} is now {DashboardSetup.RoleName(role).Replace('_', '-')}.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostRemoveAsync(string id, CancellationToken cancellationToken)
    {
        var member = await FindAsync(id, cancellationToken);
        if (member is null)
        {
            return NotFound();
        }

        if (member.Id == User.MemberId())
        {
            return await RefuseAsync("You cannot remove yourself: another owner can.", cancellationToken);
        }

        db.Members.Remove(member);
        db.RecordEvent(member, MemberEvents.Removed);
        await db.SaveChangesAsync(cancellationToken);
        Notice = $"{member.Email} was removed and is signed out.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostResetTwoFactorAsync(string id, CancellationToken cancellationToken)
    {
        var member = await FindAsync(id, cancellationToken);
        if (member is null)
        {
            return NotFound();
        }

        await members.TurnOffTwoFactorAsync(member);
        Notice = $"Two-factor sign-in is off for {member.Email}, and their sessions are signed out.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostWithdrawAsync(string id, CancellationToken cancellationToken)
    {
        var invitation = await db.Invitations.FirstOrDefaultAsync(i => i.Id == id && i.AcceptedAt == null && i.RevokedAt == null, cancellationToken);
        if (invitation is null)
        {
            return NotFound();
        }

        invitation.RevokedAt = time.GetUtcNow().UtcDateTime;
        db.RecordEvent(invitation, MemberEvents.Withdrawn);
        await db.SaveChangesAsync(cancellationToken);

        Notice = "The invitation was withdrawn: its link no longer works.";
        return RedirectToPage();
    }

    /// <summary>A member of this account (the tenant filter keeps other accounts' out).</summary>
    private Task<Member?> FindAsync(string id, CancellationToken cancellationToken) => db.Members.FirstOrDefaultAsync(m => m.Id == id, cancellationToken);

    private Task<bool> IsLastOwnerAsync(Member member, CancellationToken cancellationToken) =>
        db.Members.AllAsync(m => m.Id == member.Id || m.Role != MemberRole.Owner, cancellationToken);

    private async Task<IActionResult> RefuseAsync(string error, CancellationToken cancellationToken)
    {
        Error = error;
        await LoadAsync(cancellationToken);
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        Members = await db.Members.AsNoTracking().OrderBy(m => m.Email).ToListAsync(cancellationToken);
        Invitations = await db.Invitations.AsNoTracking().Where(i => i.AcceptedAt == null && i.RevokedAt == null && i.ExpiresAt > now)
            .OrderByDescending(i => i.Id).ToListAsync(cancellationToken);
    }
}

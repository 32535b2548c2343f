using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Dashboard.Members;

/// <summary>
/// One-time links that make members: the first owner's setup link (printed at first start while the default account has
/// no member, and by <c>create-dashboard-user</c>), and owners' invitations. A link is
/// <c>/dashboard/setup/&lt;token&gt;</c>; only the token's SHA-256 hash is stored, and the link works once, before it expires.
/// </summary>
public static class MemberInvitations
{
    public const string LinkPath = DashboardSetup.Path + "/setup/";

    /// <summary>How long an owner's invitation stays open.</summary>
    public static readonly TimeSpan InvitationLifetime = TimeSpan.FromDays(7);

    /// <summary>How long the setup link printed at a start stays open (the next start, or the command, prints another).</summary>
    public static readonly TimeSpan SetupLifetime = TimeSpan.FromDays(1);

    /// <summary>Adds an invitation to <paramref name="db"/> (saved with it) and answers it with its token, which is never stored.</summary>
    public static (Invitation Invitation, string Token) Issue(
        LicenzDbContext db, TimeProvider time, string accountId, string? email, MemberRole role, string? invitedBy, TimeSpan lifetime)
    {
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow().UtcDateTime;
        var invitation = new Invitation
        {
            Id = Ids.New(Ids.Invitation, time),
            AccountId = accountId,
            Email = email?.Trim(),
            Role = role,
            TokenHash = Hash(token),
            InvitedBy = invitedBy,
            CreatedAt = now,
            ExpiresAt = now + lifetime,
        };
        db.Invitations.Add(invitation);
        return (invitation, token);
    }

    /// <summary>The invitation of a link that is still open (not used, withdrawn or expired); null otherwise.</summary>
    public static async Task<Invitation?> FindOpenAsync(LicenzDbContext db, string? token, DateTime now, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100)
        {
            return null;
        }

        var hash = Hash(token);
        return await db.Invitations.AsNoTracking().IgnoreQueryFilters([LicenzDbContext.TenantFilter])
            .FirstOrDefaultAsync(i => i.TokenHash == hash && i.AcceptedAt == null && i.RevokedAt == null && i.ExpiresAt > now, cancellationToken);
    }

    /// <summary>
    /// Makes the member the invitation is for, with the password chosen, and closes the link, in one transaction: the link
    /// is claimed by a conditional write first (<c>UPDATE … WHERE accepted_at IS NULL</c>, never read-then-write), so two
    /// people opening it at once make one member. Answers the member, or
    /// what was wrong (the password too short, the email taken, the link used meanwhile) with nothing written.
    /// </summary>
    public static async Task<(Member? Member, IReadOnlyList<string> Errors)> AcceptAsync(
        LicenzDbContext db, UserManager<Member> members, TimeProvider time, Invitation invitation, string email, string? name, string password,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var claimed = await db.Invitations.IgnoreQueryFilters([LicenzDbContext.TenantFilter])
            .Where(i => i.Id == invitation.Id && i.AcceptedAt == null && i.RevokedAt == null && i.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.AcceptedAt, now), cancellationToken);
        if (claimed != 1)
        {
            return (null, ["This link has been used, withdrawn or has expired. Ask for a new one."]);
        }

        var member = new Member
        {
            Id = Ids.New(Ids.Member, time),
            AccountId = invitation.AccountId,
            Email = (invitation.Email ?? email).Trim(),
            NormalizedEmail = "",
            Name = string.IsNullOrWhiteSpace(name) ? null : name.Trim(),
            Role = invitation.Role,
            SecurityStamp = "",
            CreatedAt = now,
        };
        member.NormalizedEmail = members.NormalizeEmail(member.Email);
        IdentityResult created;
        try
        {
            created = await members.CreateAsync(member, password);
        }
        catch (DbUpdateException exception) when (DatabaseConflicts.IsUniqueViolation(exception))
        {
            // Another link made a member with this email a moment ago.
            created = IdentityResult.Failed(members.ErrorDescriber.DuplicateEmail(member.Email));
        }

        if (!created.Succeeded)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            db.ChangeTracker.Clear();
            return (null, created.Errors.Select(e => e.Description).ToList());
        }

        await transaction.CommitAsync(cancellationToken);
        return (member, []);
    }

    /// <summary>
    /// While the account has no member, a new setup link for its first owner (the links printed before it are withdrawn);
    /// null once it has one.
    /// </summary>
    public static async Task<string?> SetupLinkAsync(LicenzDbContext db, TimeProvider time, string accountId, CancellationToken cancellationToken)
    {
        if (await db.Members.IgnoreQueryFilters([LicenzDbContext.TenantFilter]).AnyAsync(m => m.AccountId == accountId, cancellationToken))
        {
            return null;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var earlier = await db.Invitations.IgnoreQueryFilters([LicenzDbContext.TenantFilter])
            .Where(i => i.AccountId == accountId && i.InvitedBy == null && i.AcceptedAt == null && i.RevokedAt == null).ToListAsync(cancellationToken);
        foreach (var link in earlier)
        {
            link.RevokedAt = now;
            db.RecordEvent(link, MemberEvents.Withdrawn);
        }

        var (_, token) = Issue(db, time, accountId, email: null, MemberRole.Owner, invitedBy: null, SetupLifetime);
        await db.SaveChangesAsync(cancellationToken);
        return token;
    }

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}

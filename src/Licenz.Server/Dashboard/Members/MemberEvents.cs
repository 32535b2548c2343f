using System.Text.Json.Serialization;
using Licenz.Server.Events;
using Licenz.Server.Http;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace Licenz.Server.Dashboard.Members;

/// <summary>A dashboard member as the event log shows it: who, in which role, with or without a second factor; no secret.</summary>
public sealed record MemberDto(
    string Id, string Email, string? Name, MemberRole Role, bool TwoFactorEnabled, DateTime? LockedOutUntil, DateTime CreatedAt, DateTime? LastSignInAt);

/// <summary>A one-time link as the event log shows it: for whom, which role, who issued it; never its token or its hash.</summary>
public sealed record InvitationDto(
    string Id, string? Email, MemberRole Role, string? InvitedBy, DateTime CreatedAt, DateTime ExpiresAt, DateTime? AcceptedAt, DateTime? WithdrawnAt);

/// <summary>Source-generated JSON for the member events (options as <see cref="HttpJsonContext"/>).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = false,
    AllowDuplicateProperties = false,
    NumberHandling = JsonNumberHandling.Strict,
    Converters = [typeof(UtcTimestampConverter), typeof(ApiEnumConverterFactory)])]
[JsonSerializable(typeof(MemberDto))]
[JsonSerializable(typeof(InvitationDto))]
public sealed partial class MembersJsonContext : JsonSerializerContext;

/// <summary>
/// Who can sign in to the dashboard, and with what, is audited like the rest: every change of a member or of a one-time
/// link is an event of the event spine, named for what happened (<see cref="Verb"/>), with the member who did it as its
/// actor (none for what happens at the sign-in form).
/// </summary>
/// <remarks>
/// Events: <c>member.joined</c>, <c>member.role_changed</c>, <c>member.removed</c>, <c>member.password_changed</c>,
/// <c>member.two_factor_enabled</c>, <c>member.two_factor_disabled</c>, <c>member.authenticator_reset</c>,
/// <c>member.recovery_codes_generated</c>, <c>member.recovery_code_used</c>, <c>member.signed_in</c>,
/// <c>member.sign_in_failed</c>, <c>member.locked_out</c>; <c>member_invitation.created</c>,
/// <c>member_invitation.withdrawn</c> (accepting a link is the <c>member.joined</c> it makes). A locked-out member's
/// further attempts change nothing, so they write nothing: a guessed email costs the log five events per lockout at most.
/// </remarks>
public static class MemberEvents
{
    public const string Joined = "joined";
    public const string RoleChanged = "role_changed";
    public const string Removed = "removed";
    public const string Withdrawn = "withdrawn";

    public static IServiceCollection AddMemberEvents(this IServiceCollection services) =>
        services
            .AddEventSource<Member, MemberDto>("member", m => (m.Id, m.AccountId), (m, _) => m.ToDto(), MembersJsonContext.Default.MemberDto)
            .AddEventSource<Invitation, InvitationDto>("member_invitation", i => (i.Id, i.AccountId), (i, _) => i.ToDto(), MembersJsonContext.Default.InvitationDto);

    public static MemberDto ToDto(this Member m) =>
        new(m.Id, m.Email, m.Name, m.Role, m.TwoFactorEnabled, m.LockoutEnd, m.CreatedAt, m.LastSignInAt);

    public static InvitationDto ToDto(this Invitation i) =>
        new(i.Id, i.Email, i.Role, i.InvitedBy, i.CreatedAt, i.ExpiresAt, i.AcceptedAt, i.RevokedAt);

    /// <summary>
    /// What a save of <paramref name="entry"/> (a member Identity changed) is, from the properties it changes: one Identity
    /// operation changes one thing (with the security stamp, or the failure count beside it), so the first that applies names it.
    /// </summary>
    public static string Verb(EntityEntry<Member> entry)
    {
        bool Changed(string property) => entry.Property(property).IsModified;
        var member = entry.Entity;
        if (Changed(nameof(Member.Role)))
        {
            return RoleChanged;
        }

        if (Changed(nameof(Member.PasswordHash)))
        {
            return "password_changed";
        }

        if (Changed(nameof(Member.TwoFactorEnabled)))
        {
            return member.TwoFactorEnabled ? "two_factor_enabled" : "two_factor_disabled";
        }

        if (Changed(nameof(Member.LockoutEnd)) && member.LockoutEnd is not null)
        {
            return "locked_out";
        }

        if (Changed(nameof(Member.AccessFailedCount)) && member.AccessFailedCount > entry.Property(m => m.AccessFailedCount).OriginalValue)
        {
            return "sign_in_failed";
        }

        if (Changed(nameof(Member.LastSignInAt)))
        {
            return "signed_in";
        }

        if (Changed(nameof(Member.AuthenticatorKey)))
        {
            return "authenticator_reset";
        }

        if (Changed(nameof(Member.RecoveryCodeHashes)))
        {
            var before = CodeCount(entry.Property(m => m.RecoveryCodeHashes).OriginalValue);
            return CodeCount(member.RecoveryCodeHashes) == before - 1 ? "recovery_code_used" : "recovery_codes_generated";
        }

        return "updated";
    }

    private static int CodeCount(string? hashes) => string.IsNullOrEmpty(hashes) ? 0 : hashes.Split(';').Length;
}

using System.Security.Cryptography;
using System.Text;
using Licenz.Server.Data;
using Licenz.Server.Signing;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Dashboard.Members;

/// <summary>
/// ASP.NET Core Identity's store for <see cref="Member"/>s, over the request's <see cref="LicenzDbContext"/>: Identity
/// hashes passwords, counts failures and locks out, checks TOTP codes; this keeps what it decides. Sign-in comes before
/// any account is served, so members are found across accounts (their email is unique on the server).
/// </summary>
/// <remarks>
/// Two secrets are kept differently from Identity's own EF store: the authenticator key is sealed under the master key
/// (Identity keeps it in plain text), and recovery codes are kept as HMAC-SHA256 hashes under a key derived from the master key (Identity keeps them as typed).
/// </remarks>
public sealed class MemberStore(LicenzDbContext db, KeyEncryption encryption) :
    IUserPasswordStore<Member>,
    IUserEmailStore<Member>,
    IUserSecurityStampStore<Member>,
    IUserLockoutStore<Member>,
    IUserTwoFactorStore<Member>,
    IUserAuthenticatorKeyStore<Member>,
    IUserTwoFactorRecoveryCodeStore<Member>
{
    private const string AuthenticatorPurpose = "member-authenticator-key";
    private const string RecoveryCodePurpose = "member-recovery-codes";

    private IQueryable<Member> Members => db.Members.IgnoreQueryFilters([LicenzDbContext.TenantFilter]);

    public void Dispose()
    {
    }

    public Task<string> GetUserIdAsync(Member user, CancellationToken cancellationToken) => Task.FromResult(user.Id);

    public Task<string?> GetUserNameAsync(Member user, CancellationToken cancellationToken) => Task.FromResult<string?>(user.Email);

    public Task SetUserNameAsync(Member user, string? userName, CancellationToken cancellationToken)
    {
        user.Email = userName ?? user.Email;
        return Task.CompletedTask;
    }

    public Task<string?> GetNormalizedUserNameAsync(Member user, CancellationToken cancellationToken) => Task.FromResult<string?>(user.NormalizedEmail);

    public Task SetNormalizedUserNameAsync(Member user, string? normalizedName, CancellationToken cancellationToken)
    {
        user.NormalizedEmail = normalizedName ?? user.NormalizedEmail;
        return Task.CompletedTask;
    }

    public async Task<IdentityResult> CreateAsync(Member user, CancellationToken cancellationToken)
    {
        db.Members.Add(user);
        db.RecordEvent(user, MemberEvents.Joined);
        await db.SaveChangesAsync(cancellationToken);
        return IdentityResult.Success;
    }

    public async Task<IdentityResult> UpdateAsync(Member user, CancellationToken cancellationToken)
    {
        if (db.Entry(user).State == EntityState.Detached)
        {
            // Every column is written, so nothing says what changed: member.updated.
            db.Members.Update(user);
        }
        else
        {
            db.RecordEvent(user, MemberEvents.Verb(db.Entry(user)));
        }

        await db.SaveChangesAsync(cancellationToken);
        return IdentityResult.Success;
    }

    public async Task<IdentityResult> DeleteAsync(Member user, CancellationToken cancellationToken)
    {
        db.Members.Remove(user);
        db.RecordEvent(user, MemberEvents.Removed);
        await db.SaveChangesAsync(cancellationToken);
        return IdentityResult.Success;
    }

    public Task<Member?> FindByIdAsync(string userId, CancellationToken cancellationToken) =>
        Members.FirstOrDefaultAsync(m => m.Id == userId, cancellationToken);

    public Task<Member?> FindByNameAsync(string normalizedUserName, CancellationToken cancellationToken) =>
        FindByEmailAsync(normalizedUserName, cancellationToken);

    public Task SetPasswordHashAsync(Member user, string? passwordHash, CancellationToken cancellationToken)
    {
        user.PasswordHash = passwordHash;
        return Task.CompletedTask;
    }

    public Task<string?> GetPasswordHashAsync(Member user, CancellationToken cancellationToken) => Task.FromResult(user.PasswordHash);

    public Task<bool> HasPasswordAsync(Member user, CancellationToken cancellationToken) => Task.FromResult(user.PasswordHash is not null);

    public Task SetEmailAsync(Member user, string? email, CancellationToken cancellationToken)
    {
        user.Email = email ?? user.Email;
        return Task.CompletedTask;
    }

    public Task<string?> GetEmailAsync(Member user, CancellationToken cancellationToken) => Task.FromResult<string?>(user.Email);

    /// <summary>An invitation proves the address: whoever opened the link reads that mailbox, or was handed the link.</summary>
    public Task<bool> GetEmailConfirmedAsync(Member user, CancellationToken cancellationToken) => Task.FromResult(true);

    public Task SetEmailConfirmedAsync(Member user, bool confirmed, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<Member?> FindByEmailAsync(string normalizedEmail, CancellationToken cancellationToken) =>
        Members.FirstOrDefaultAsync(m => m.NormalizedEmail == normalizedEmail, cancellationToken);

    public Task<string?> GetNormalizedEmailAsync(Member user, CancellationToken cancellationToken) => Task.FromResult<string?>(user.NormalizedEmail);

    public Task SetNormalizedEmailAsync(Member user, string? normalizedEmail, CancellationToken cancellationToken)
    {
        user.NormalizedEmail = normalizedEmail ?? user.NormalizedEmail;
        return Task.CompletedTask;
    }

    public Task SetSecurityStampAsync(Member user, string stamp, CancellationToken cancellationToken)
    {
        user.SecurityStamp = stamp;
        return Task.CompletedTask;
    }

    public Task<string?> GetSecurityStampAsync(Member user, CancellationToken cancellationToken) => Task.FromResult<string?>(user.SecurityStamp);

    public Task<DateTimeOffset?> GetLockoutEndDateAsync(Member user, CancellationToken cancellationToken) =>
        Task.FromResult<DateTimeOffset?>(user.LockoutEnd is { } end ? new DateTimeOffset(end, TimeSpan.Zero) : null);

    public Task SetLockoutEndDateAsync(Member user, DateTimeOffset? lockoutEnd, CancellationToken cancellationToken)
    {
        user.LockoutEnd = lockoutEnd?.UtcDateTime;
        return Task.CompletedTask;
    }

    public Task<int> IncrementAccessFailedCountAsync(Member user, CancellationToken cancellationToken) => Task.FromResult(++user.AccessFailedCount);

    public Task ResetAccessFailedCountAsync(Member user, CancellationToken cancellationToken)
    {
        user.AccessFailedCount = 0;
        return Task.CompletedTask;
    }

    public Task<int> GetAccessFailedCountAsync(Member user, CancellationToken cancellationToken) => Task.FromResult(user.AccessFailedCount);

    /// <summary>Every member can be locked out: the owner too, or a password could be guessed without end.</summary>
    public Task<bool> GetLockoutEnabledAsync(Member user, CancellationToken cancellationToken) => Task.FromResult(true);

    public Task SetLockoutEnabledAsync(Member user, bool enabled, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task SetTwoFactorEnabledAsync(Member user, bool enabled, CancellationToken cancellationToken)
    {
        user.TwoFactorEnabled = enabled;
        return Task.CompletedTask;
    }

    public Task<bool> GetTwoFactorEnabledAsync(Member user, CancellationToken cancellationToken) => Task.FromResult(user.TwoFactorEnabled);

    public Task SetAuthenticatorKeyAsync(Member user, string key, CancellationToken cancellationToken)
    {
        user.AuthenticatorKey = encryption.Seal(Encoding.UTF8.GetBytes(key), AuthenticatorPurpose);
        return Task.CompletedTask;
    }

    public Task<string?> GetAuthenticatorKeyAsync(Member user, CancellationToken cancellationToken) =>
        Task.FromResult(user.AuthenticatorKey is { } sealedKey ? Encoding.UTF8.GetString(encryption.Open(sealedKey, AuthenticatorPurpose)) : null);

    public Task ReplaceCodesAsync(Member user, IEnumerable<string> recoveryCodes, CancellationToken cancellationToken)
    {
        user.RecoveryCodeHashes = string.Join(';', recoveryCodes.Select(Hash));
        return Task.CompletedTask;
    }

    public Task<bool> RedeemCodeAsync(Member user, string code, CancellationToken cancellationToken)
    {
        var presented = Encoding.ASCII.GetBytes(Hash(code));
        var hashes = Hashes(user);
        var match = -1;
        for (var i = 0; i < hashes.Length; i++)
        {
            // Each compared in fixed time, so how long the answer takes says nothing about how near a guess came.
            if (CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(hashes[i]), presented))
            {
                match = i;
            }
        }

        if (match < 0)
        {
            return Task.FromResult(false);
        }

        user.RecoveryCodeHashes = string.Join(';', hashes.Where((_, i) => i != match));
        return Task.FromResult(true);
    }

    public Task<int> CountCodesAsync(Member user, CancellationToken cancellationToken) => Task.FromResult(Hashes(user).Length);

    private static string[] Hashes(Member user) => user.RecoveryCodeHashes.Split(';', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Keyed by the master key, so that the database alone is not enough to try codes against.</summary>
    private string Hash(string code) =>
        Convert.ToBase64String(HMACSHA256.HashData(encryption.DeriveKey(RecoveryCodePurpose), Encoding.UTF8.GetBytes(code.Trim().ToUpperInvariant())));
}

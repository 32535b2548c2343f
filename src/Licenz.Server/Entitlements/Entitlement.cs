using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.RegularExpressions;
using Licenz.Server.Accounts;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Licenz.Server.Entitlements;

/// <summary>
/// A feature a license can entitle to (<c>ent_…</c>): a code the application asks for (<c>pdf-export</c>), unique in
/// the account. Policies and licenses name entitlements by code; a license's effective entitlements are its policy's
/// and its own.
/// </summary>
public sealed class Entitlement : IAccountResource
{
    public required string Id { get; init; }
    public required string AccountId { get; init; }
    public required string Code { get; init; }
    public required string Name { get; set; }
    public DateTime CreatedAt { get; init; }
}

internal sealed class EntitlementConfiguration : IEntityTypeConfiguration<Entitlement>
{
    public void Configure(EntityTypeBuilder<Entitlement> builder)
    {
        builder.ToTable("entitlements");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).HasMaxLength(40);
        builder.Property(e => e.AccountId).HasMaxLength(40);
        builder.Property(e => e.Code).HasMaxLength(64);
        builder.Property(e => e.Name).HasMaxLength(200);
        builder.HasIndex(e => new { e.AccountId, e.Code }).IsUnique();
        builder.HasIndex(e => new { e.AccountId, e.Id });
        builder.HasOne<Account>().WithMany().HasForeignKey(e => e.AccountId).OnDelete(DeleteBehavior.Restrict);
    }
}

/// <param name="Id">The entitlement id, <c>ent_…</c>.</param>
/// <param name="Code">What applications ask for, unique in the account.</param>
/// <param name="Name">Display name.</param>
/// <param name="CreatedAt">When it was created (UTC).</param>
public sealed record EntitlementDto(string Id, string Code, string Name, DateTime CreatedAt);

/// <summary>Body of <c>POST /entitlements</c>.</summary>
public sealed record CreateEntitlementRequest
{
    /// <summary>Letters, digits, '.', '_', ':' and '-', at most 64; unique in the account.</summary>
    [EntitlementCode]
    public required string Code { get; init; }

    /// <summary>Display name; the code when left out.</summary>
    [PrintableText(200)]
    public string? Name { get; init; }
}

/// <summary>An entitlement code: starts with a letter or digit, then letters, digits, '.', '_', ':' and '-', 64 at most.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed partial class EntitlementCodeAttribute : ValidationAttribute
{
    public const string Pattern = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$";

    protected override ValidationResult? IsValid(object? value, ValidationContext context) =>
        value is not string code || Code().IsMatch(code)
            ? ValidationResult.Success
            : string.IsNullOrWhiteSpace(code)
            ? new ValidationResult($"{context.DisplayName} must not be empty.", [context.MemberName!])
            : new ValidationResult(
                $"{context.DisplayName} must start with a letter or digit and use only letters, digits, '.', '_', ':' and '-' (64 at most).",
                [context.MemberName!]);

    [GeneratedRegex(Pattern)]
    public static partial Regex Code();
}

/// <summary>Entitlement codes as rows keep them: a JSON array of distinct codes, sorted.</summary>
public static class EntitlementCodes
{
    public static string Store(IEnumerable<string> codes) =>
        JsonSerializer.Serialize(codes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(), HttpJsonContext.Default.StringArray);

    public static string[] Read(string stored) =>
        stored is "" or "[]" ? [] : JsonSerializer.Deserialize(stored, HttpJsonContext.Default.StringArray) ?? [];

    /// <summary>Which of <paramref name="codes"/> the account has not defined, in the order given.</summary>
    public static async Task<List<string>> UnknownAsync(LicenzDbContext db, string accountId, IReadOnlyCollection<string> codes, CancellationToken cancellationToken)
    {
        if (codes.Count == 0)
        {
            return [];
        }

        var known = await db.Entitlements.AsNoTracking().Where(e => e.AccountId == accountId && codes.Contains(e.Code))
            .Select(e => e.Code).ToListAsync(cancellationToken);
        return codes.Where(c => !known.Contains(c, StringComparer.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The error for codes the account has not defined.</summary>
    public static ApiErrorResult Unknown(string field, List<string> unknown) => ApiErrorResult.BadRequest(
        $"Field '{field}': no entitlement with code {string.Join(", ", unknown.Select(c => $"'{RequestRules.Shown(c)}'"))} in this account; create it with POST /entitlements first.",
        field);
}

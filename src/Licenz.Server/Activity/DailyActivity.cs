using Licenz.Server.Accounts;
using Licenz.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage;
using System.Runtime.CompilerServices;

namespace Licenz.Server.Activity;

/// <summary>
/// An account's verifications and machine activations on one day (UTC): the counters the activity writer keeps
/// (<see cref="ActivityRecorder"/>), so that the dashboard's 30-day chart reads 30 rows, never the requests themselves.
/// </summary>
public sealed class DailyActivity : IAccountResource
{
    /// <summary>The account and the day: the key is the pair, this is not stored.</summary>
    public string Id => $"{AccountId}:{Day:yyyy-MM-dd}";

    public required string AccountId { get; init; }
    public DateOnly Day { get; init; }
    public long Verifications { get; set; }
    public long Activations { get; set; }
}

internal sealed class DailyActivityConfiguration : IEntityTypeConfiguration<DailyActivity>
{
    public void Configure(EntityTypeBuilder<DailyActivity> builder)
    {
        builder.ToTable("daily_activity");
        builder.HasKey(d => new { d.AccountId, d.Day });
        builder.Ignore(d => d.Id);
        builder.Property(d => d.AccountId).HasMaxLength(40);
        builder.HasOne<Account>().WithMany().HasForeignKey(d => d.AccountId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>What a day's row counts.</summary>
public enum DailyCount
{
    Verification,
    Activation,
}

/// <summary>
/// Adds to a day's counters, making the row if it is the day's first: one <c>INSERT … ON CONFLICT DO UPDATE</c>, which
/// SQLite and PostgreSQL spell alike, so that nodes adding to the same day at once lose nothing.
/// </summary>
internal static class DailyActivityUpsert
{
    private static readonly ConditionalWeakTable<IModel, string> Built = new();

    public static Task AddAsync(LicenzDbContext db, string accountId, DateOnly day, long verifications, long activations, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlRawAsync(Statement(db), [accountId, day, verifications, activations], cancellationToken);

    private static string Statement(LicenzDbContext db) =>
        Built.TryGetValue(db.Model, out var statement) ? statement : Built.GetValue(db.Model, model =>
        {
            var sql = db.GetService<ISqlGenerationHelper>();
            var entity = model.FindEntityType(typeof(DailyActivity))!;
            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            string Column(string property) => sql.DelimitIdentifier(entity.FindProperty(property)!.GetColumnName(table)!);
            var name = sql.DelimitIdentifier(table.Name, table.Schema);
            var (account, dayColumn, verified, activated) =
                (Column(nameof(DailyActivity.AccountId)), Column(nameof(DailyActivity.Day)), Column(nameof(DailyActivity.Verifications)), Column(nameof(DailyActivity.Activations)));
            return $"INSERT INTO {name} ({account}, {dayColumn}, {verified}, {activated}) VALUES ({{0}}, {{1}}, {{2}}, {{3}}) " +
                $"ON CONFLICT ({account}, {dayColumn}) DO UPDATE SET {verified} = {name}.{verified} + excluded.{verified}, " +
                $"{activated} = {name}.{activated} + excluded.{activated}";
        });
}

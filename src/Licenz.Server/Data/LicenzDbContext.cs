using System.Linq.Expressions;
using Licenz.Server.Accounts;
using Licenz.Server.Activity;
using Licenz.Server.ApiKeys;
using Licenz.Server.Entitlements;
using Licenz.Server.Events;
using Licenz.Server.Licenses;
using Licenz.Server.Machines;
using Licenz.Server.Policies;
using Licenz.Server.Products;
using Licenz.Server.Signing;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Licenz.Server.Data;

/// <summary>
/// The database, as every feature sees it. This type runs on SQLite (the embedded default, migrations in
/// <c>Data/Migrations/Sqlite</c>); <see cref="PostgreSqlLicenzDbContext"/> is the same model on PostgreSQL, a type of
/// its own only so that each engine has its own migrations (<c>Data/Migrations/PostgreSql</c>).
/// </summary>
public class LicenzDbContext : DbContext, IDataProtectionKeyContext
{
    public LicenzDbContext(DbContextOptions<LicenzDbContext> options)
        : base(options)
    {
    }

    /// <summary>For the engine-specific types, which bring options of their own type.</summary>
    protected LicenzDbContext(DbContextOptions options)
        : base(options)
    {
    }

    /// <summary>
    /// The named query filter on every account-owned entity (<see cref="IAccountResource"/>): a query sees only the rows of
    /// the account the context serves (<see cref="Tenancy"/>), none when it serves none. The few reads that must cross
    /// accounts (verification's key lookup, the cache warm-up, signing keys and the JWKS, the activity writer) opt out
    /// with <c>IgnoreQueryFilters([LicenzDbContext.TenantFilter])</c>.
    /// </summary>
    public const string TenantFilter = "Tenant";

    private readonly Dictionary<object, string> _recordedEvents = new(ReferenceEqualityComparer.Instance);

    public DbSet<Account> Accounts => Set<Account>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<Product> Products => Set<Product>();
    public DbSet<License> Licenses => Set<License>();
    public DbSet<LicenseActivity> LicenseActivity => Set<LicenseActivity>();
    public DbSet<DailyActivity> DailyActivity => Set<DailyActivity>();
    public DbSet<VerificationRefusal> VerificationRefusals => Set<VerificationRefusal>();
    public DbSet<Policy> Policies => Set<Policy>();
    public DbSet<Entitlement> Entitlements => Set<Entitlement>();
    public DbSet<Machine> Machines => Set<Machine>();
    public DbSet<SigningKeyRecord> SigningKeys => Set<SigningKeyRecord>();
    public DbSet<LicenzEvent> Events => Set<LicenzEvent>();
    public DbSet<Revocations.RevocationEntry> Revocations => Set<Revocations.RevocationEntry>();
    public DbSet<Dashboard.Members.Member> Members => Set<Dashboard.Members.Member>();
    public DbSet<Dashboard.Members.Invitation> Invitations => Set<Dashboard.Members.Invitation>();

    /// <summary>The dashboard's cookie keys (sealed under the master key), shared by every node, so a session outlives a node.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>Whether the group-commit writer runs a group on this context: a write's save then waits for the group's (<see cref="GroupCommit.SaveAsync"/>).</summary>
    internal bool InGroup { get; set; }

    /// <summary>In a group, whether a write's save waits for the group's (<see cref="GroupCommit.SaveAsync"/>).</summary>
    internal bool SaveWaiting { get; set; }

    /// <summary>Set for each use of a pooled context (see <see cref="DatabaseSetup"/>).</summary>
    public Tenancy? Tenancy { get; internal set; }

    /// <summary>The tenant filter's parameter, read each time a query runs.</summary>
    public string? TenantAccountId => Tenancy?.AccountId;

    /// <summary>Names the event a change to <paramref name="entity"/> stands for (<c>suspended</c> → <c>license.suspended</c>).</summary>
    public void RecordEvent(object entity, string verb) => _recordedEvents[entity] = verb;

    internal string? TakeRecordedEvent(object entity) => _recordedEvents.Remove(entity, out var verb) ? verb : null;

    internal void ClearRecordedEvents() => _recordedEvents.Clear();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(LicenzDbContext).Assembly);
        modelBuilder.Entity<DataProtectionKey>().ToTable("data_protection_keys");

        // The filter reads this context's property, which EF evaluates per query for the context running it.
        var context = Expression.Constant(this);
        foreach (var entityType in modelBuilder.Model.GetEntityTypes().Where(t => typeof(IAccountResource).IsAssignableFrom(t.ClrType)))
        {
            var row = Expression.Parameter(entityType.ClrType, "row");
            var filter = Expression.Lambda(
                Expression.Equal(
                    Expression.Property(row, nameof(IAccountResource.AccountId)),
                    Expression.Property(context, nameof(TenantAccountId))),
                row);
            modelBuilder.Entity(entityType.ClrType).HasQueryFilter(TenantFilter, filter);
        }
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Every timestamp is UTC; providers that drop the kind (SQLite) get it back on read.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<string>().AreUnicode();
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        value => value.Kind == DateTimeKind.Utc ? value : value.ToUniversalTime(),
        value => DateTime.SpecifyKind(value, DateTimeKind.Utc));
}

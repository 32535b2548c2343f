using Licenz.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Machines;

/// <summary>Settings under <c>Licenz:Machines</c>.</summary>
public sealed class MachineOptions
{
    public const string Section = "Licenz:Machines";

    /// <summary>How often the heartbeat monitor looks for machines whose heartbeat is overdue.</summary>
    public TimeSpan HeartbeatCheckInterval { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Deactivates machines whose heartbeat is overdue (their policy requires heartbeats), freeing their seats for other
/// machines: event <c>machine.heartbeat.dead</c>. Every node runs it; two nodes that find the same machine race on
/// its version, and the loser skips it, so its seat is given back once.
/// </summary>
public sealed class HeartbeatMonitor(IServiceScopeFactory scopes, IOptions<MachineOptions> options, TimeProvider time, ILogger<HeartbeatMonitor> logger)
    : BackgroundService
{
    private const int BatchSize = 100;

    /// <summary>One pass: deactivates every machine overdue now. Returns how many it deactivated.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var deactivated = 0;
        while (true)
        {
            var now = time.GetUtcNow().UtcDateTime;
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
            var overdue = await db.Machines.IgnoreQueryFilters([LicenzDbContext.TenantFilter])
                .Where(m => m.HeartbeatDueAt < now
                    && db.Licenses.IgnoreQueryFilters(new[] { LicenzDbContext.TenantFilter }).Any(l => l.Id == m.LicenseId && l.Policy!.RequireHeartbeat))
                .OrderBy(m => m.HeartbeatDueAt).Take(BatchSize).ToListAsync(cancellationToken);
            var skipped = 0;
            foreach (var machine in overdue)
            {
                if (await DeactivateAsync(db, machine, cancellationToken))
                {
                    deactivated++;
                }
                else
                {
                    skipped++;
                }
            }

            if (overdue.Count < BatchSize || skipped == overdue.Count)
            {
                return deactivated;
            }
        }
    }

    private static async Task<bool> DeactivateAsync(LicenzDbContext db, Machine machine, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            db.Machines.Remove(machine);
            db.RecordEvent(machine, "heartbeat.dead");
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Deactivated meanwhile (another node's monitor, its holder, the vendor): its seat is already back.
            await transaction.RollbackAsync(CancellationToken.None);
            db.ChangeTracker.Clear();
            return false;
        }

        await Seats.ReleaseMachineAsync(db, machine.LicenseId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The loop keeps real time; the times it compares are the server's clock (TimeProvider).
        using var timer = new PeriodicTimer(options.Value.HeartbeatCheckInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var count = await SweepAsync(stoppingToken);
                    if (count > 0)
                    {
                        logger.LogInformation("Deactivated {Count} machines whose heartbeat was overdue", count);
                    }
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    logger.LogWarning(exception, "Could not deactivate machines whose heartbeat is overdue; will retry");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}

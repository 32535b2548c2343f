using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Data;

/// <summary>
/// Records "last used" (API keys) and "last validated" (licenses) off the request path: requests note
/// the time in memory and a background loop writes the latest value per row about once a second,
/// so a burst of verifications costs one UPDATE per license instead of one per request.
/// </summary>
public sealed class ActivityRecorder(IServiceScopeFactory scopes, ILogger<ActivityRecorder> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<string, DateTime> _keysUsed = new();
    private readonly ConcurrentDictionary<string, DateTime> _licensesValidated = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);

    public void ApiKeyUsed(string keyId, DateTime at) => _keysUsed[keyId] = at;

    public void LicenseValidated(string licenseId, DateTime at) => _licensesValidated[licenseId] = at;

    /// <summary>Writes what is pending now. The loop calls it; tests and shutdown call it directly.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        // Checked only once the lock is held: while the loop is writing, the dictionaries are already
        // empty, and returning early would tell a caller "written" before the write has landed.
        await _flushing.WaitAsync(cancellationToken);
        try
        {
            if (_keysUsed.IsEmpty && _licensesValidated.IsEmpty)
            {
                return;
            }

            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
            foreach (var id in _keysUsed.Keys)
            {
                if (_keysUsed.TryRemove(id, out var at))
                {
                    await db.ApiKeys.Where(k => k.Id == id && (k.LastUsedAt == null || k.LastUsedAt < at))
                        .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, at), cancellationToken);
                }
            }

            foreach (var id in _licensesValidated.Keys)
            {
                if (_licensesValidated.TryRemove(id, out var at))
                {
                    await db.Licenses.Where(l => l.Id == id && (l.LastValidatedAt == null || l.LastValidatedAt < at))
                        .ExecuteUpdateAsync(s => s.SetProperty(l => l.LastValidatedAt, at), cancellationToken);
                }
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await FlushAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    logger.LogWarning(exception, "Could not record API key and license activity; will retry");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await FlushAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning(exception, "Could not record the last API key and license activity at shutdown");
        }
    }
}

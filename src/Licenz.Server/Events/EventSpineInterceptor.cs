using System.Data.Common;
using System.Runtime.CompilerServices;
using Licenz.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Licenz.Server.Events;

/// <summary>
/// The event spine: every save that adds, changes or deletes an event source (<see cref="EventSources"/>) appends one
/// <see cref="LicenzEvent"/> per changed resource to the same save, so the change and its event commit together or not
/// at all. Once committed, the events go to every <see cref="IEventSink"/> (the verification cache, first of all).
/// The event's type is <c>resource.created</c> / <c>.updated</c> / <c>.deleted</c>, unless the code that made the
/// change named it (<see cref="LicenzDbContext.RecordEvent"/>: <c>license.suspended</c>, …).
/// </summary>
public sealed class EventSpineInterceptor(EventSources sources, IEnumerable<IEventSink> sinks, TimeProvider time)
    : SaveChangesInterceptor, IDbTransactionInterceptor
{
    private readonly IEventSink[] _sinks = [.. sinks];
    private readonly ConditionalWeakTable<DbContext, List<LicenzEvent>> _saving = new();
    private readonly ConditionalWeakTable<DbContext, List<LicenzEvent>> _awaitingCommit = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Append(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Append(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Saved(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Saved(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Forget(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    private void Append(DbContext? context)
    {
        if (context is not LicenzDbContext db)
        {
            return;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var events = new List<LicenzEvent>();
        foreach (var entry in db.ChangeTracker.Entries().ToList())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted)
                || !sources.TryGet(entry.Entity.GetType(), out var source))
            {
                continue;
            }

            var verb = db.TakeRecordedEvent(entry.Entity) ?? entry.State switch
            {
                EntityState.Added => "created",
                EntityState.Deleted => "deleted",
                _ => "updated",
            };
            var subject = source.Describe(entry.Entity, now);
            events.Add(new LicenzEvent
            {
                Id = Ids.NewSequential(LicenzEvent.IdPrefix, time),
                AccountId = subject.AccountId,
                Type = $"{source.ResourceType}.{verb}",
                ResourceType = source.ResourceType,
                ResourceId = subject.Id,
                ActorKeyId = db.Tenancy?.ActorKeyId,
                CreatedAt = now,
                Data = subject.Data,
                KeyHash = subject.KeyHash,
            });
        }

        db.ClearRecordedEvents();
        if (events.Count > 0)
        {
            db.Events.AddRange(events);

            // A revocation, suspension, reinstatement, deletion or deactivation also changes its account's revocation list.
            foreach (var change in events)
            {
                if (Revocations.RevocationEntry.For(change) is { } entry)
                {
                    db.Revocations.Add(entry);
                }
            }

            _saving.AddOrUpdate(db, events);
        }
    }

    private void Saved(DbContext? context)
    {
        if (context is null || !_saving.TryGetValue(context, out var events))
        {
            return;
        }

        _saving.Remove(context);
        if (context.Database.CurrentTransaction is null)
        {
            Publish(events);
        }
        else
        {
            // Committed only when the caller's transaction is: until then no other request may see the change.
            _awaitingCommit.GetOrCreateValue(context).AddRange(events);
        }
    }

    private void Forget(DbContext? context)
    {
        if (context is not null)
        {
            _saving.Remove(context);
        }
    }

    private void Publish(List<LicenzEvent> events)
    {
        foreach (var sink in _sinks)
        {
            sink.Committed(events);
        }
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Committed(eventData.Context);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Committed(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => RolledBack(eventData.Context);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        RolledBack(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => RolledBack(eventData.Context);

    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        RolledBack(eventData.Context);
        return Task.CompletedTask;
    }

    private void Committed(DbContext? context)
    {
        if (context is not null && _awaitingCommit.TryGetValue(context, out var events))
        {
            _awaitingCommit.Remove(context);
            Publish(events);
        }
    }

    private void RolledBack(DbContext? context)
    {
        if (context is not null)
        {
            _awaitingCommit.Remove(context);
        }
    }
}

using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Licenz.Server.Data;

/// <summary>
/// Group commit for the writes that come in bursts (license creation, machine activation): one writer takes every write
/// waiting, runs them one after another in one transaction on one connection, and commits them together, so a burst
/// of N requests costs one commit (one WAL flush, one <c>fsync</c>) instead of N, and on SQLite no longer has N
/// connections taking turns on the write lock, each reading its pages again after the others wrote.
/// </summary>
/// <remarks>
/// <para>
/// A write is a function of a context (<see cref="RunAsync{T}"/>) that behaves the same whether it runs in a group's
/// transaction or alone: its <c>SaveChanges</c> commits when it runs alone and joins the group's transaction otherwise,
/// and a write that needs a transaction of its own takes one through <see cref="WriteTransaction"/>. Writes run in
/// arrival order, each seeing what the ones before it wrote, so a conditional write (a seat taken by <c>UPDATE … WHERE
/// count &lt; limit</c>) holds exactly as it does alone. A write that saves through <see cref="SaveAsync"/> lets its rows
/// wait in the context, to be saved with those of the writes of the same caller after it in one round trip: the
/// writer's one connection no longer waits on the database once per write.
/// </para>
/// <para>
/// If any write of a group fails, or the commit does, the group's transaction is rolled back and every write of it runs
/// again alone, in arrival order: a write's failure (a conflict, a broken rule) is then its own, and nobody else's.
/// The events of a group (<see cref="Events.EventSpineInterceptor"/>) go out when it commits, and only then. A write
/// whose request was aborted before its turn is skipped; one that started finishes, as a request's save would.
/// </para>
/// <para>
/// No write waits for a group to fill: the writer takes what is waiting as soon as the previous group committed, so a
/// single request is written at once and a burst gathers by itself while the group before it commits.
/// </para>
/// </remarks>
public sealed class GroupCommit(IDbContextFactory<LicenzDbContext> contexts, ILogger<GroupCommit> logger) : BackgroundService
{
    /// <summary>The most writes one transaction takes: a larger burst is several groups, so no single commit grows without end.</summary>
    public const int MaxGroup = 64;

    private readonly Channel<Write> _queue = Channel.CreateUnbounded<Write>(new UnboundedChannelOptions { SingleReader = true });
    private long _transactions;
    private long _written;
    private long _failedTogether;
    private long _waiting;

    /// <summary>Transactions the writer committed or tried (a group, or a write alone): writes ÷ transactions is how well writes group.</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>Writes the writer ran to their end (committed, or failed alone).</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Groups that failed together, whose writes then ran again alone.</summary>
    public long FailedTogether => Interlocked.Read(ref _failedTogether);

    /// <summary>Writes queued and not yet taken by the writer.</summary>
    public long Waiting => Interlocked.Read(ref _waiting);

    /// <summary>
    /// Runs <paramref name="write"/> on the writer's context, serving the same account as <paramref name="requestDb"/> (its
    /// tenant filter, and the actor on events), and answers its result once it is committed.
    /// </summary>
    /// <param name="requestDb">The request's context: whose account the write serves. The write must not use it.</param>
    /// <param name="cancellationToken">The request's: it skips the write if it has not started, and stops the wait.</param>
    public async Task<T> RunAsync<T>(
        LicenzDbContext requestDb, Func<LicenzDbContext, CancellationToken, Task<T>> write, CancellationToken cancellationToken)
    {
        var queued = new Write<T>(requestDb.Tenancy, write, cancellationToken);
        Enqueue(queued);
        return await queued.Result.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// A write's save. Alone, it saves at once. In a group it waits: the writes of one caller that follow each other
    /// are saved by one <c>SaveChanges</c> before the commit — one round trip for all their rows, where a save each cost
    /// one round trip each while the rest of the group waited (license creation and machine activation on PostgreSQL).
    /// What the save would have refused (a unique key) then fails the group, whose writes run again alone, each saving
    /// at once. A write that reads rows an earlier write of its group may have added calls <see cref="SavePendingAsync"/>
    /// first: queries do not see what is added and not saved.
    /// </summary>
    public static Task SaveAsync(LicenzDbContext writer, CancellationToken cancellationToken)
    {
        if (!writer.InGroup)
        {
            return writer.SaveChangesAsync(cancellationToken);
        }

        // A flag, not ChangeTracker.HasChanges(): that scans every tracked entity, and a group's grow with each write.
        writer.SaveWaiting = true;
        return Task.CompletedTask;
    }

    /// <summary>Saves what the earlier writes of the group left to save (<see cref="SaveAsync"/>), so that queries see it.</summary>
    public static async Task SavePendingAsync(LicenzDbContext writer, CancellationToken cancellationToken)
    {
        if (writer.SaveWaiting)
        {
            await writer.SaveChangesAsync(cancellationToken);
            writer.SaveWaiting = false;
        }
    }

    private void Enqueue(Write write)
    {
        Interlocked.Increment(ref _waiting);
        if (!_queue.Writer.TryWrite(write))
        {
            Interlocked.Decrement(ref _waiting);
            throw new OperationCanceledException("The server is stopping: it takes no more writes.");
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var group = new List<Write>(MaxGroup);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (group.Count < MaxGroup && _queue.Reader.TryRead(out var write))
                {
                    Interlocked.Decrement(ref _waiting);
                    if (write.Abandoned)
                    {
                        write.Cancel();
                    }
                    else
                    {
                        group.Add(write);
                    }
                }

                if (group.Count > 0)
                {
                    try
                    {
                        await WriteAsync(group, stoppingToken);
                    }
                    catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
                    {
                        // The writer itself failed (no context, no connection): this group's writes fail, and the writer
                        // goes on with the next, so that writes never wait for a writer that stopped.
                        logger.LogError(exception, "The group-commit writer failed a group of {Count} writes", group.Count);
                        foreach (var write in group)
                        {
                            write.Fail(exception);
                        }
                    }
                }

                group.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _queue.Writer.TryComplete();
            foreach (var write in group)
            {
                write.Cancel();
            }

            while (_queue.Reader.TryRead(out var write))
            {
                Interlocked.Decrement(ref _waiting);
                write.Cancel();
            }
        }
    }

    private async Task WriteAsync(List<Write> group, CancellationToken cancellationToken)
    {
        await using var db = contexts.CreateDbContext();
        if (group.Count > 1 && await TryTogetherAsync(db, group, cancellationToken))
        {
            return;
        }

        foreach (var write in group)
        {
            await AloneAsync(db, write, cancellationToken);
        }
    }

    /// <summary>The whole group in one transaction; false, with nothing written and nobody answered, if any part failed.</summary>
    private async Task<bool> TryTogetherAsync(LicenzDbContext db, List<Write> group, CancellationToken cancellationToken)
    {
        // A failed write makes the group run again alone, so a save needs no savepoint of its own to undo it.
        db.Database.AutoSavepointsEnabled = false;
        try
        {
            await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
            {
                // The caller of the writes whose saves wait (SaveAsync): the events of a save name one caller, so a caller
                // change saves first.
                (string? Account, string? Actor)? waiting = null;
                db.InGroup = true;
                foreach (var write in group)
                {
                    var caller = (write.Tenancy?.AccountId, write.Tenancy?.ActorKeyId);
                    if (waiting is { } pending && pending != caller)
                    {
                        await SaveWaitingAsync(db, cancellationToken);
                        waiting = null;
                    }

                    db.Tenancy = write.Tenancy;
                    await write.RunAsync(db, cancellationToken);
                    if (db.SaveWaiting)
                    {
                        waiting = caller;
                    }
                    else
                    {
                        // Saved (or nothing to save): the next write starts from a clean context.
                        db.ChangeTracker.Clear();
                        waiting = null;
                    }
                }

                if (waiting is not null)
                {
                    await SaveWaitingAsync(db, cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
            }

            Interlocked.Increment(ref _transactions);
            Interlocked.Add(ref _written, group.Count);
            foreach (var write in group)
            {
                write.Complete();
            }

            return true;
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref _transactions);
            Interlocked.Increment(ref _failedTogether);
            logger.LogDebug(exception, "A group of {Count} writes failed together; each runs again alone", group.Count);
            return false;
        }
        finally
        {
            db.Database.AutoSavepointsEnabled = true;
            db.InGroup = false;
            db.SaveWaiting = false;
            db.ChangeTracker.Clear();
        }
    }

    private static async Task SaveWaitingAsync(LicenzDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        finally
        {
            db.ChangeTracker.Clear();
            db.SaveWaiting = false;
        }
    }

    private async Task AloneAsync(LicenzDbContext db, Write write, CancellationToken cancellationToken)
    {
        if (write.Abandoned)
        {
            write.Cancel();
            return;
        }

        db.Tenancy = write.Tenancy;
        try
        {
            await write.RunAsync(db, cancellationToken);
            Count();
            write.Complete();
        }
        catch (Exception exception)
        {
            Count();
            write.Fail(exception);
        }
        finally
        {
            db.ChangeTracker.Clear();
        }

        void Count()
        {
            Interlocked.Increment(ref _transactions);
            Interlocked.Increment(ref _written);
        }
    }

    private abstract class Write(Tenancy? tenancy, CancellationToken requestAborted)
    {
        public Tenancy? Tenancy { get; } = tenancy;

        public bool Abandoned => requestAborted.IsCancellationRequested;

        public abstract Task RunAsync(LicenzDbContext db, CancellationToken cancellationToken);

        public abstract void Complete();

        public abstract void Fail(Exception exception);

        public abstract void Cancel();
    }

    private sealed class Write<T>(Tenancy? tenancy, Func<LicenzDbContext, CancellationToken, Task<T>> write, CancellationToken requestAborted)
        : Write(tenancy, requestAborted)
    {
        private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _value = default!;

        public Task<T> Result => _result.Task;

        public override async Task RunAsync(LicenzDbContext db, CancellationToken cancellationToken) => _value = await write(db, cancellationToken);

        public override void Complete() => _result.TrySetResult(_value);

        public override void Fail(Exception exception) => _result.TrySetException(exception);

        public override void Cancel() => _result.TrySetCanceled();
    }
}

/// <summary>
/// The transaction of a write that may run in a <see cref="GroupCommit"/> group: its own when it runs alone, the group's
/// when it joins one (then committing is the group's, and a write that must undo what it wrote fails instead, so that the
/// group runs again alone).
/// </summary>
public sealed class WriteTransaction : IAsyncDisposable
{
    private readonly IDbContextTransaction? _own;

    private WriteTransaction(IDbContextTransaction? own) => _own = own;

    /// <summary>True when the write runs alone in a transaction of its own, which it may roll back.</summary>
    public bool IsOwn => _own is not null;

    public static async Task<WriteTransaction> BeginAsync(LicenzDbContext db, CancellationToken cancellationToken) =>
        new(db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null);

    /// <summary>Commits a transaction of its own; in a group, the group commits.</summary>
    public Task CommitAsync(CancellationToken cancellationToken) => _own?.CommitAsync(cancellationToken) ?? Task.CompletedTask;

    /// <summary>Rolls back a transaction of its own. Call only when <see cref="IsOwn"/>.</summary>
    public Task RollbackAsync(CancellationToken cancellationToken) =>
        _own?.RollbackAsync(cancellationToken) ?? throw new InvalidOperationException("A write in a group cannot roll back the group's transaction.");

    /// <summary>Ends a transaction of its own, rolling back what was not committed.</summary>
    public ValueTask DisposeAsync() => _own?.DisposeAsync() ?? ValueTask.CompletedTask;
}

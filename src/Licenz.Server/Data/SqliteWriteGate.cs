using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using SQLitePCL;
using static Microsoft.EntityFrameworkCore.Diagnostics.CommandSource;

namespace Licenz.Server.Data;

/// <summary>
/// Lets the server's writes to its SQLite database take turns, in the order they come, each waiting for its turn
/// asynchronously before it asks SQLite for the write lock: a writer never finds the lock taken by this process.
/// </summary>
/// <remarks>
/// <para>
/// SQLite has one writer at a time. EF Core begins its transactions with <c>BEGIN IMMEDIATE</c> (Microsoft.Data.Sqlite's
/// default), which takes the write lock or fails at once with <c>SQLITE_BUSY</c>, and Microsoft.Data.Sqlite answers that
/// by putting the thread to sleep for 150 ms and trying again until its command timeout (SQLite's own busy handler is not
/// set). Under concurrent writers that is slow and unfair: a writer that finds the lock taken asks again 150 ms later and
/// gets it only if it happens to be free at that instant, writers that came after it take it in between, and each
/// waiting writer blocks a pool thread. License creation under 64 concurrent requests had a p99 of 7.5 times its p50
/// (1.5 s; <c>bench/writes.sh</c>, bench/README.md). Through this gate the writers queue in arrival order
/// (<see cref="SemaphoreSlim"/> hands its count to the oldest asynchronous waiter) and the lock is free when their turn
/// comes. Another process writing to the same file (a server command run beside the server) still meets the busy loop.
/// </para>
/// <para>
/// A write is a transaction (an explicit one, or the one SaveChanges opens for several statements), from its start to
/// its commit or rollback, or else to the closing of its connection (a transaction disposed without either is rolled
/// back, and the connection EF opened for it closed); or a single statement outside a transaction from SaveChanges,
/// ExecuteUpdate, ExecuteDelete, ExecuteSql or a migration, until it has run (a reader's statement, until the reader is
/// disposed: SQLite ends the statement's own transaction then). Reads never wait: in WAL mode they never wait for the
/// writer either. A write whose request is aborted leaves the queue; one that waits longer than its command timeout
/// (30 s by default), as the busy loop would have, fails as it would have: <c>SQLITE_BUSY</c>, database is locked.
/// </para>
/// <para>
/// One gate per server, which has one SQLite database. PostgreSQL has row locks and needs none.
/// </para>
/// </remarks>
public sealed class SqliteWriteGate : IDbTransactionInterceptor, IDbCommandInterceptor, IDbConnectionInterceptor
{
    private const int SqliteBusy = 5;

    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly Lock _lock = new();

    // Whose write has the turn: EF's id of its connection, and of its statement when it is one outside a transaction
    // (Guid.Empty for a transaction). Guid.Empty when nobody's.
    private Guid _connection;
    private Guid _command;

    /// <remarks>
    /// Begins the transaction itself once its turn has come, rather than leave that to EF Core: a transaction that fails
    /// to begin (its request aborted meanwhile, or SQLite busy because another process writes) gives the turn back at
    /// once, where EF Core would report no failure and leave the connection open until the context goes back to its pool.
    /// </remarks>
    public InterceptionResult<DbTransaction> TransactionStarting(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result)
    {
        if (result.HasResult)
        {
            return result;
        }

        Enter(eventData.ConnectionId, Guid.Empty, TimeoutOf(connection));
        try
        {
            return InterceptionResult<DbTransaction>.SuppressWithResult(connection.BeginTransaction(eventData.IsolationLevel));
        }
        catch
        {
            Leave(eventData.ConnectionId, Guid.Empty);
            throw;
        }
    }

    /// <inheritdoc cref="TransactionStarting"/>
    public async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
    {
        if (result.HasResult)
        {
            return result;
        }

        await EnterAsync(eventData.ConnectionId, Guid.Empty, TimeoutOf(connection), cancellationToken);
        try
        {
            return InterceptionResult<DbTransaction>.SuppressWithResult(await connection.BeginTransactionAsync(eventData.IsolationLevel, cancellationToken));
        }
        catch
        {
            Leave(eventData.ConnectionId, Guid.Empty);
            throw;
        }
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Leave(eventData.ConnectionId, Guid.Empty);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Leave(eventData.ConnectionId, Guid.Empty);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Leave(eventData.ConnectionId, Guid.Empty);

    public void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => LeaveUnlessStillInTransaction(eventData);

    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        LeaveUnlessStillInTransaction(eventData);
        return Task.CompletedTask;
    }

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Leave(eventData.ConnectionId, Guid.Empty);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A connection that opens cannot be writing: a turn it still has is one its transaction kept when the connection
    /// was closed behind EF Core's interceptors (a pooled context going back to its pool closes its connection so).
    /// </summary>
    public void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Leave(eventData.ConnectionId, Guid.Empty);

    public Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Leave(eventData.ConnectionId, Guid.Empty);
        return Task.CompletedTask;
    }

    public InterceptionResult ConnectionClosing(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        Leave(eventData.ConnectionId, Guid.Empty);
        return result;
    }

    public ValueTask<InterceptionResult> ConnectionClosingAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        Leave(eventData.ConnectionId, Guid.Empty);
        return ValueTask.FromResult(result);
    }

    public InterceptionResult ConnectionDisposing(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        Leave(eventData.ConnectionId, Guid.Empty);
        return result;
    }

    public ValueTask<InterceptionResult> ConnectionDisposingAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        Leave(eventData.ConnectionId, Guid.Empty);
        return ValueTask.FromResult(result);
    }

    public InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        if (WritesAlone(command, eventData))
        {
            Enter(eventData.ConnectionId, eventData.CommandId, command.CommandTimeout);
        }

        return result;
    }

    public async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (WritesAlone(command, eventData))
        {
            await EnterAsync(eventData.ConnectionId, eventData.CommandId, command.CommandTimeout, cancellationToken);
        }

        return result;
    }

    public int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        Leave(eventData.ConnectionId, eventData.CommandId);
        return result;
    }

    public ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Leave(eventData.ConnectionId, eventData.CommandId);
        return ValueTask.FromResult(result);
    }

    public InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        if (WritesAlone(command, eventData))
        {
            Enter(eventData.ConnectionId, eventData.CommandId, command.CommandTimeout);
        }

        return result;
    }

    public async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        if (WritesAlone(command, eventData))
        {
            await EnterAsync(eventData.ConnectionId, eventData.CommandId, command.CommandTimeout, cancellationToken);
        }

        return result;
    }

    public InterceptionResult DataReaderDisposing(DbCommand command, DataReaderDisposingEventData eventData, InterceptionResult result)
    {
        Leave(eventData.ConnectionId, eventData.CommandId);
        return result;
    }

    public void CommandFailed(DbCommand command, CommandErrorEventData eventData) => Leave(eventData.ConnectionId, eventData.CommandId);

    public Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Leave(eventData.ConnectionId, eventData.CommandId);
        return Task.CompletedTask;
    }

    public void CommandCanceled(DbCommand command, CommandEndEventData eventData) => Leave(eventData.ConnectionId, eventData.CommandId);

    public Task CommandCanceledAsync(DbCommand command, CommandEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Leave(eventData.ConnectionId, eventData.CommandId);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A transaction that failed to begin (its request aborted as its turn came, SQLite busy because of another process)
    /// or to end: the turn goes on only once SQLite holds no transaction on the connection (sqlite3_get_autocommit), else
    /// with the rollback or the connection's close that will follow.
    /// </summary>
    private void LeaveUnlessStillInTransaction(TransactionErrorEventData eventData)
    {
        if (eventData.Context?.Database.GetDbConnection() is SqliteConnection { State: ConnectionState.Open, Handle: { } handle }
            && raw.sqlite3_get_autocommit(handle) == 0)
        {
            return;
        }

        Leave(eventData.ConnectionId, Guid.Empty);
    }

    /// <summary>A statement that writes on its own: outside a transaction (inside one, the transaction has the turn).</summary>
    private static bool WritesAlone(DbCommand command, CommandEventData eventData) =>
        command.Transaction is null && eventData.CommandSource is SaveChanges or ExecuteUpdate or ExecuteDelete or ExecuteSqlRaw or CommandSource.Migrations;

    private static int TimeoutOf(DbConnection connection) => connection is SqliteConnection sqlite ? sqlite.DefaultTimeout : 30;

    private void Enter(Guid connection, Guid command, int timeoutSeconds)
    {
        if (Holds(connection))
        {
            Continue(connection, command);
            return;
        }

        if (!_turn.Wait(Timeout(timeoutSeconds)))
        {
            throw Busy(timeoutSeconds);
        }

        Take(connection, command);
    }

    /// <summary>As <see cref="Enter"/>; a write whose request is aborted while it waits leaves the queue.</summary>
    private async ValueTask EnterAsync(Guid connection, Guid command, int timeoutSeconds, CancellationToken cancellationToken)
    {
        if (Holds(connection))
        {
            Continue(connection, command);
            return;
        }

        if (!await _turn.WaitAsync(Timeout(timeoutSeconds), cancellationToken))
        {
            throw Busy(timeoutSeconds);
        }

        Take(connection, command);
    }

    /// <summary>
    /// Whether this connection's write has the turn already: a transaction disposed without commit or rollback on a
    /// connection its caller opened keeps it until the connection closes, and the connection's next write goes on with it.
    /// </summary>
    private bool Holds(Guid connection)
    {
        lock (_lock)
        {
            return _connection == connection;
        }
    }

    /// <summary>A transaction that begins on a connection whose statement has the turn keeps it until the transaction ends.</summary>
    private void Continue(Guid connection, Guid command)
    {
        if (command == Guid.Empty)
        {
            Take(connection, command);
        }
    }

    private void Take(Guid connection, Guid command)
    {
        lock (_lock)
        {
            _connection = connection;
            _command = command;
        }
    }

    /// <summary>
    /// Ends the turn of this connection's write: any write of it (<paramref name="command"/> empty: its transaction ended,
    /// or it closes), or only the statement <paramref name="command"/>. Anything else (a read, or a statement inside a
    /// transaction, ending) changes nothing.
    /// </summary>
    private void Leave(Guid connection, Guid command)
    {
        lock (_lock)
        {
            if (_connection != connection || (command != Guid.Empty && _command != command))
            {
                return;
            }

            _connection = Guid.Empty;
            _command = Guid.Empty;
        }

        _turn.Release();
    }

    private static TimeSpan Timeout(int seconds) => seconds > 0 ? TimeSpan.FromSeconds(seconds) : System.Threading.Timeout.InfiniteTimeSpan;

    private static SqliteException Busy(int seconds) =>
        new($"SQLite Error 5: 'database is locked': this write waited {seconds} s for the server's other writes to the database.", SqliteBusy);
}

using Licenz.Server.Data;
using Licenz.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Licenz.Server.Tests.Data;

/// <summary>
/// The server's writes to SQLite take turns in arrival order (<see cref="SqliteWriteGate"/>): while one write transaction
/// is open, the next waits without asking SQLite for the lock. Without the gate each of these writes would meet SQLite's
/// lock, spin in Microsoft.Data.Sqlite's busy loop on the test's thread for its 30 s timeout and fail with
/// <c>database is locked</c>; with it they wait, and go once the write ahead of them ends. No timing is asserted: a write
/// that waits cannot have finished, and the 30 s bounds only keep a broken gate from hanging the run.
/// </summary>
public sealed class SqliteWriteGateTests(LicenzApplication.OnSqlite app) : IClassFixture<LicenzApplication.OnSqlite>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task WriteTransactionsWaitForTheOneAheadAndGoInTheOrderTheyCame()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var first = Context();
        await using var second = Context();
        await using var third = Context();

        var firstTransaction = await first.Db.Database.BeginTransactionAsync(cancellationToken);
        var secondBegins = second.Db.Database.BeginTransactionAsync(cancellationToken);
        var thirdBegins = third.Db.Database.BeginTransactionAsync(cancellationToken);
        Assert.False(secondBegins.IsCompleted);
        Assert.False(thirdBegins.IsCompleted);

        await firstTransaction.CommitAsync(cancellationToken);
        var secondTransaction = await secondBegins.WaitAsync(Bound, cancellationToken);
        Assert.False(thirdBegins.IsCompleted);

        await secondTransaction.RollbackAsync(cancellationToken);
        var thirdTransaction = await thirdBegins.WaitAsync(Bound, cancellationToken);
        await thirdTransaction.CommitAsync(cancellationToken);
    }

    [Fact]
    public async Task SaveChangesAndExecuteUpdateOutsideATransactionWaitForTheTransactionAhead()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var holder = Context();
        await using var saving = Context();
        await using var updating = Context();

        var transaction = await holder.Db.Database.BeginTransactionAsync(cancellationToken);

        // One row of a table without events: SaveChanges runs it as a single statement, outside any transaction.
        var name = "gate-" + Guid.NewGuid().ToString("N");
        saving.Db.DataProtectionKeys.Add(new DataProtectionKey { FriendlyName = name, Xml = "<key/>" });
        var save = saving.Db.SaveChangesAsync(cancellationToken);
        var update = updating.Db.DataProtectionKeys.Where(k => k.FriendlyName == name)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.Xml, "<key updated=\"true\"/>"), cancellationToken);
        Assert.False(save.IsCompleted);
        Assert.False(update.IsCompleted);

        await transaction.CommitAsync(cancellationToken);
        Assert.Equal(1, await save.WaitAsync(Bound, cancellationToken));
        await update.WaitAsync(Bound, cancellationToken);
        await using var check = Context();
        Assert.Single(await check.Db.DataProtectionKeys.Where(k => k.FriendlyName == name).ToListAsync(cancellationToken));
    }

    [Fact]
    public async Task ATransactionDisposedWithoutCommitOrRollbackLetsTheNextWriteGo()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var first = Context();
        await using var second = Context();

        var abandoned = await first.Db.Database.BeginTransactionAsync(cancellationToken);
        var next = second.Db.Database.BeginTransactionAsync(cancellationToken);
        Assert.False(next.IsCompleted);

        await abandoned.DisposeAsync();
        await using var transaction = await next.WaitAsync(Bound, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    [Fact]
    public async Task AWriteWhoseRequestIsAbortedWhileItWaitsLeavesTheQueue()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var first = Context();
        await using var aborted = Context();
        await using var patient = Context();

        var transaction = await first.Db.Database.BeginTransactionAsync(cancellationToken);
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var abandoned = aborted.Db.Database.BeginTransactionAsync(abort.Token);
        var waiting = patient.Db.Database.BeginTransactionAsync(cancellationToken);
        await abort.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned.WaitAsync(Bound, cancellationToken));

        await transaction.CommitAsync(cancellationToken);
        await using var next = await waiting.WaitAsync(Bound, cancellationToken);
        await next.CommitAsync(cancellationToken);
    }

    [Fact]
    public async Task ATransactionThatCannotBeginLetsTheNextWriteGoAtOnce()
    {
        var cancellationToken = TestContext.Current.CancellationToken;

        // Another process holds SQLite's write lock: the server's next write gets its turn, but SQLite stays busy past
        // its timeout (made a second here), so it fails to begin. The turn goes on although its context is still open.
        await using var otherProcess = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False");
        await otherProcess.OpenAsync(cancellationToken);
        await using (var begin = otherProcess.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE;";
            await begin.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var failing = Context();
        await failing.Db.Database.OpenConnectionAsync(cancellationToken);
        var connection = (SqliteConnection)failing.Db.Database.GetDbConnection();
        var timeout = connection.DefaultTimeout;
        connection.DefaultTimeout = 1;
        try
        {
            var busy = await Assert.ThrowsAsync<SqliteException>(() => failing.Db.Database.BeginTransactionAsync(cancellationToken));
            Assert.Equal(5, busy.SqliteErrorCode);
        }
        finally
        {
            // The connection goes back to the context pool: as it was.
            connection.DefaultTimeout = timeout;
        }

        await using (var rollback = otherProcess.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK;";
            await rollback.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var next = Context();
        await using var transaction = await next.Db.Database.BeginTransactionAsync(cancellationToken).WaitAsync(Bound, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private Scoped Context()
    {
        var scope = app.Services.CreateAsyncScope();
        return new Scoped(scope, scope.ServiceProvider.GetRequiredService<LicenzDbContext>());
    }

    private sealed record Scoped(AsyncServiceScope Scope, LicenzDbContext Db) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Scope.DisposeAsync();
    }
}

using Licenz.Server.Data;
using Licenz.Server.Entitlements;
using Licenz.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Licenz.Server.Tests.Data;

/// <summary>
/// The group-commit writer on the real database (SQLite, and PostgreSQL in its pass): writes that wait together commit in
/// one transaction, in arrival order; one write's failure is its own; events go out for what committed, once.
/// </summary>
public sealed class GroupCommitTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private GroupCommit Writes => app.Services.GetRequiredService<GroupCommit>();

    [Fact]
    public async Task WritesWaitingTogetherCommitInOneTransactionEachSeeingTheOnesBeforeIt()
    {
        var (accountId, _) = await app.CreateAccountAsync("group commit, together");
        await using var scope = RequestScope(accountId, out var db);
        var release = await HeldWriter.HoldAsync(Writes, db);
        var (transactions, written) = (Writes.Transactions, Writes.Written);

        // Ten writes queued while the writer is busy: the next group takes them all.
        var queued = Enumerable.Range(0, 10).Select(i => Writes.RunAsync(db, async (writer, ct) =>
        {
            writer.Entitlements.Add(NewEntitlement(accountId, $"together-{i}"));
            await writer.SaveChangesAsync(ct);
            return await writer.Entitlements.CountAsync(ct);
        }, TestContext.Current.CancellationToken)).ToList();
        release.Release();
        var counts = await Task.WhenAll(queued);
        await release.Done;

        // Each saw the rows of those before it, not yet committed: one transaction, in arrival order.
        Assert.Equal(Enumerable.Range(1, 10), counts);
        // The held write's transaction, then the ten's.
        Assert.Equal(2, Writes.Transactions - transactions);
        Assert.Equal(11, Writes.Written - written);
        Assert.Equal(10, await EventCountAsync(accountId));
    }

    [Fact]
    public async Task AFailedWriteFailsAloneAndTheOthersOfItsGroupCommit()
    {
        var (accountId, _) = await app.CreateAccountAsync("group commit, one fails");
        await using var scope = RequestScope(accountId, out var db);
        var release = await HeldWriter.HoldAsync(Writes, db);
        var failedTogether = Writes.FailedTogether;

        // The fourth repeats the second's code, which is unique in the account: its save fails, in the group and alone.
        var codes = new[] { "first", "second", "third", "second", "fifth" };
        var queued = codes.Select(code => Writes.RunAsync(db, async (writer, ct) =>
        {
            writer.Entitlements.Add(NewEntitlement(accountId, code));
            return await writer.SaveChangesAsync(ct);
        }, TestContext.Current.CancellationToken)).ToList();

        // A request aborted while its write waits: the write never runs.
        var ran = false;
        using var aborted = new CancellationTokenSource();
        var abandoned = Writes.RunAsync(db, (_, _) =>
        {
            ran = true;
            return Task.FromResult(0);
        }, aborted.Token);
        await aborted.CancelAsync();
        release.Release();
        await release.Done;

        await Task.WhenAll(queued[0], queued[1], queued[2], queued[4]);
        await Assert.ThrowsAsync<DbUpdateException>(() => queued[3]);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        await Writes.RunAsync(db, (_, _) => Task.FromResult(0), TestContext.Current.CancellationToken);
        Assert.False(ran);
        Assert.Equal(failedTogether + 1, Writes.FailedTogether);

        await using var check = RequestScope(accountId, out var reader);
        Assert.Equal(["fifth", "first", "second", "third"], await reader.Entitlements.Select(e => e.Code).OrderBy(c => c).ToListAsync(TestContext.Current.CancellationToken));
        Assert.Equal(4, await EventCountAsync(accountId));
    }

    [Fact]
    public async Task WaitingSavesOfOneCallerAreOneSaveAndTheirEventsNameEachCaller()
    {
        var (accountId, _) = await app.CreateAccountAsync("group commit, staged");
        await using var scope = RequestScope(accountId, out var db, actorKeyId: "key_first");
        await using var otherScope = RequestScope(accountId, out var otherDb, actorKeyId: "key_second");
        var saves = new SaveCounter();
        var release = await HeldWriter.HoldAsync(Writes, db);

        // Three of one caller, two of another, one of the first again: three runs, three saves, one transaction.
        var callers = new[] { db, db, db, otherDb, otherDb, db };
        var queued = callers.Select((caller, i) => Writes.RunAsync(caller, async (writer, ct) =>
        {
            saves.Watch(writer);
            writer.Entitlements.Add(NewEntitlement(accountId, $"staged-{i}"));
            await GroupCommit.SaveAsync(writer, ct);
            return i;
        }, TestContext.Current.CancellationToken)).ToList();
        var failedTogether = Writes.FailedTogether;
        release.Release();
        await Task.WhenAll(queued);
        await release.Done;

        Assert.Equal(3, saves.Count);
        Assert.Equal(failedTogether, Writes.FailedTogether);
        await using var check = RequestScope(accountId, out var reader);
        var codes = await reader.Entitlements.ToDictionaryAsync(e => e.Id, e => e.Code, TestContext.Current.CancellationToken);
        var actors = (await reader.Events.Where(e => e.AccountId == accountId && e.Type == "entitlement.created")
                .Select(e => new { e.ResourceId, e.ActorKeyId }).ToListAsync(TestContext.Current.CancellationToken))
            .OrderBy(e => codes[e.ResourceId], StringComparer.Ordinal).Select(e => e.ActorKeyId).ToList();
        Assert.Equal(["key_first", "key_first", "key_first", "key_second", "key_second", "key_first"], actors);
    }

    [Fact]
    public async Task AWaitingSaveThatFailsFailsAloneAndTheRestOfItsRunCommits()
    {
        var (accountId, _) = await app.CreateAccountAsync("group commit, staged failure");
        await using var scope = RequestScope(accountId, out var db);
        var release = await HeldWriter.HoldAsync(Writes, db);

        // The third repeats the first's code, unique in the account: the run's one save fails, and each then runs alone.
        var codes = new[] { "one", "two", "one", "four" };
        var queued = codes.Select(code => Writes.RunAsync(db, async (writer, ct) =>
        {
            writer.Entitlements.Add(NewEntitlement(accountId, code));
            await GroupCommit.SaveAsync(writer, ct);
            return code;
        }, TestContext.Current.CancellationToken)).ToList();
        release.Release();
        await release.Done;

        await Task.WhenAll(queued[0], queued[1], queued[3]);
        await Assert.ThrowsAsync<DbUpdateException>(() => queued[2]);
        await using var check = RequestScope(accountId, out var reader);
        Assert.Equal(["four", "one", "two"], await reader.Entitlements.Select(e => e.Code).OrderBy(c => c).ToListAsync(TestContext.Current.CancellationToken));
        Assert.Equal(3, await EventCountAsync(accountId));
    }

    /// <summary>Counts the saves of the writer's context that wrote something.</summary>
    private sealed class SaveCounter
    {
        private readonly HashSet<LicenzDbContext> _watched = new(ReferenceEqualityComparer.Instance);
        private int _count;

        public int Count => _count;

        public void Watch(LicenzDbContext db)
        {
            if (_watched.Add(db))
            {
                db.SavedChanges += (_, saved) =>
                {
                    if (saved.EntitiesSavedCount > 0)
                    {
                        Interlocked.Increment(ref _count);
                    }
                };
            }
        }
    }

    private AsyncServiceScope RequestScope(string accountId, out LicenzDbContext db, string? actorKeyId = null)
    {
        var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<Tenancy>().Serve(accountId, actorKeyId);
        db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        return scope;
    }

    private async Task<int> EventCountAsync(string accountId)
    {
        await using var scope = RequestScope(accountId, out var db);
        return await db.Events.CountAsync(e => e.AccountId == accountId && e.Type == "entitlement.created", TestContext.Current.CancellationToken);
    }

    private Entitlement NewEntitlement(string accountId, string code) => new()
    {
        Id = Ids.New(Ids.Entitlement, app.Time),
        AccountId = accountId,
        Code = code,
        Name = code,
        CreatedAt = app.Time.GetUtcNow().UtcDateTime,
    };
}

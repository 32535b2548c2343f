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

    private AsyncServiceScope RequestScope(string accountId, out LicenzDbContext db)
    {
        var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<Tenancy>().Serve(accountId);
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

using System.Collections.Concurrent;
using Licenz.Server.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace Licenz.Server.Tests.RateLimiting;

/// <summary>The in-memory store on its own: exact sliding windows, separate partitions and shares, no lost updates.</summary>
public sealed class InMemoryRateLimitStoreTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly DateTimeOffset Start = new(2026, 1, 15, 10, 30, 0, TimeSpan.Zero);
    private static readonly long StartMicroseconds = (Start.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    private static ParallelOptions Parallelism => new()
    {
        MaxDegreeOfParallelism = Math.Max(4, Environment.ProcessorCount),
        CancellationToken = TestContext.Current.CancellationToken,
    };

    [Fact]
    public void CountsEachPartitionSeparately()
    {
        var store = new InMemoryRateLimitStore(new FakeTimeProvider(Start));
        Assert.Equal(1, store.Acquire(new("acct_a:client", 10, Minute)).Budget.Count);
        Assert.Equal(2, store.Acquire(new("acct_a:client", 10, Minute)).Budget.Count);
        Assert.Equal(1, store.Acquire(new("acct_a:management", 10, Minute)).Budget.Count);
        Assert.Equal(1, store.Acquire(new("address:127.0.0.1", 10, Minute)).Budget.Count);
        var third = store.Acquire(new("acct_a:client", 10, Minute));
        Assert.Equal(new RateLimitOutcome(true, StartMicroseconds, new WindowCount(3, StartMicroseconds), default), third);
    }

    [Fact]
    public void APeekCountsTheWindowAndRecordsNothing()
    {
        var clock = new FakeTimeProvider(Start);
        var store = new InMemoryRateLimitStore(clock);
        Assert.Equal(default, store.Peek("p", Minute));
        store.Acquire(new("p", 3, Minute));
        clock.Advance(TimeSpan.FromSeconds(30));
        store.Acquire(new("p", 3, Minute));
        Assert.Equal(new WindowCount(2, StartMicroseconds), store.Peek("p", Minute));
        Assert.Equal(new WindowCount(2, StartMicroseconds), store.Peek("p", Minute));
        Assert.Equal(default, store.Peek("q", Minute));

        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(new WindowCount(1, StartMicroseconds + 30_000_000), store.Peek("p", Minute));
        Assert.Equal(2, store.Acquire(new("p", 3, Minute)).Budget.Count);
    }

    [Fact]
    public void ARefusalRecordsNothingAndASlotFreesExactlyAWindowAfterItWasTaken()
    {
        var clock = new FakeTimeProvider(Start);
        var store = new InMemoryRateLimitStore(clock);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(store.Acquire(new("p", 3, Minute)).Allowed);
            clock.Advance(TimeSpan.FromSeconds(10));
        }

        for (var i = 0; i < 5; i++)
        {
            var refused = store.Acquire(new("p", 3, Minute));
            Assert.Equal(new WindowCount(3, StartMicroseconds), refused.Budget);
            Assert.False(refused.Allowed);
        }

        clock.SetUtcNow(Start + Minute - TimeSpan.FromTicks(10));
        Assert.False(store.Acquire(new("p", 3, Minute)).Allowed);
        clock.SetUtcNow(Start + Minute);
        var freed = store.Acquire(new("p", 3, Minute));
        Assert.True(freed.Allowed);
        Assert.Equal(new WindowCount(3, StartMicroseconds + 10_000_000), freed.Budget);
    }

    [Fact]
    public void AShareIsCheckedAndRecordedWithItsBudget()
    {
        var store = new InMemoryRateLimitStore(new FakeTimeProvider(Start));
        var one = new LicenseKeyShare(1, 2);
        var two = new LicenseKeyShare(2, 2);

        Assert.True(store.Acquire(new("b", 4, Minute, one)).Allowed);
        var second = store.Acquire(new("b", 4, Minute, one));
        Assert.Equal((true, 2, 2), (second.Allowed, second.Budget.Count, second.Share.Count));

        // Over the share: refused, and the budget is not charged.
        var over = store.Acquire(new("b", 4, Minute, one));
        Assert.Equal((false, 2, 2), (over.Allowed, over.Budget.Count, over.Share.Count));

        Assert.True(store.Acquire(new("b", 4, Minute, two)).Allowed);
        Assert.True(store.Acquire(new("b", 4, Minute)).Allowed);

        // The budget full: refused for a key with room in its share, which is not charged either.
        var full = store.Acquire(new("b", 4, Minute, two));
        Assert.Equal((false, 4, 1), (full.Allowed, full.Budget.Count, full.Share.Count));
    }

    [Fact]
    public void EmptiedBudgetsAreDroppedAfterAWindow()
    {
        var clock = new FakeTimeProvider(Start);
        var store = new InMemoryRateLimitStore(clock);
        for (var i = 0; i < 1_000; i++)
        {
            store.Acquire(new($"address:10.0.{i / 256}.{i % 256}", 5, Minute, new LicenseKeyShare((UInt128)i, 5)));
        }

        Assert.Equal(1_000, store.BudgetCount);
        clock.Advance(Minute + TimeSpan.FromSeconds(1));
        store.Acquire(new("address:10.9.9.9", 5, Minute));
        Assert.Equal(1, store.BudgetCount);
    }

    [Fact]
    public async Task ConcurrentRequestsAreCountedExactly()
    {
        var store = new InMemoryRateLimitStore(new FakeTimeProvider(Start));
        const int limit = 5_000;
        string[] partitions = ["acct_a:client", "acct_b:client", "address:10.0.0.1"];
        var counts = partitions.ToDictionary(p => p, _ => new ConcurrentBag<int>());

        await Parallel.ForAsync(0, 4 * limit * partitions.Length, Parallelism, async (i, cancellationToken) =>
        {
            var partition = partitions[i % partitions.Length];
            var outcome = await store.AcquireAsync(new(partition, limit, Minute, new LicenseKeyShare((UInt128)(i % 7), limit)), cancellationToken);
            if (outcome.Allowed)
            {
                counts[partition].Add(outcome.Budget.Count);
            }
        });

        foreach (var partition in partitions)
        {
            // Every accepted request got its own place in the window: none lost, none counted twice, none over.
            Assert.Equal(Enumerable.Range(1, limit), counts[partition].Order());
        }
    }
}

namespace Licenz.Sdk.Tests.Offline;

/// <summary>
/// The default trusted clock's store (<see cref="TrustedClock.InFolder"/>, <see cref="TrustedClock.Default"/>): a file per
/// issuer, read once per process and written only when the trusted time moves forward, never backward.
/// </summary>
public sealed class FileTrustedClockTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "licenz-clock-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public void TheFileIsReadOnceAndWrittenOnlyWhenTheTimeMovesForward()
    {
        TrustedClock.InFolder(_folder).Advance("acct_a", Start);
        var file = Assert.Single(Directory.GetFiles(_folder));
        var clock = TrustedClock.InFolder(_folder);

        Assert.Equal(Start, clock.Read("acct_a"));
        var written = File.GetLastWriteTimeUtc(file);
        File.SetLastWriteTimeUtc(file, written.AddMinutes(-5));
        for (var i = 0; i < 100; i++)
        {
            // A check's pair of calls with a time already known: no file access at all (the file could even be gone).
            clock.Advance("acct_a", Start.AddDays(-1));
            Assert.Equal(Start, clock.Read("acct_a"));
        }

        Assert.Equal(written.AddMinutes(-5), File.GetLastWriteTimeUtc(file));
        File.Delete(file);
        Assert.Equal(Start, clock.Read("acct_a"));

        clock.Advance("acct_a", Start.AddHours(1));
        Assert.Equal(Start.AddHours(1), TrustedClock.InFolder(_folder).Read("acct_a"));
        Assert.Null(TrustedClock.InFolder(_folder).Read("acct_b"));
    }

    [Fact]
    public async Task ConcurrentAdvancesLeaveTheLatestTime()
    {
        var clock = TrustedClock.InFolder(_folder);
        var times = Enumerable.Range(0, 200).Select(i => Start.AddSeconds(i)).OrderBy(_ => Random.Shared.Next()).ToList();

        await Task.WhenAll(times.Select(time => Task.Run(() => clock.Advance("acct_a", time))));

        Assert.Equal(Start.AddSeconds(199), clock.Read("acct_a"));
        Assert.Equal(Start.AddSeconds(199), TrustedClock.InFolder(_folder).Read("acct_a"));
    }
}

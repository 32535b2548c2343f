using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Licenz.Sdk.Tests.Infrastructure;

/// <summary>
/// A fake clock that tells the test when code starts waiting on it: every timer created with a due time is
/// announced on <see cref="Waits"/>, so a test advances the clock exactly when the client is waiting, never sleeping.
/// </summary>
public sealed class ObservedTimeProvider(FakeTimeProvider clock) : TimeProvider
{
    private readonly Channel<TimeSpan> _waits = Channel.CreateUnbounded<TimeSpan>();

    public FakeTimeProvider Clock { get; } = clock;

    public ChannelReader<TimeSpan> Waits => _waits.Reader;

    public override DateTimeOffset GetUtcNow() => Clock.GetUtcNow();

    public override long GetTimestamp() => Clock.GetTimestamp();

    public override long TimestampFrequency => Clock.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => Clock.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = Clock.CreateTimer(callback, state, dueTime, period);
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            _waits.Writer.TryWrite(dueTime);
        }

        return timer;
    }

    /// <summary>The next wait the code under test starts, within a few seconds of real time or the test fails.</summary>
    public async Task<TimeSpan> NextWaitAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        return await Waits.ReadAsync(timeout.Token);
    }
}

internal static class Waiting
{
    /// <summary>For tests that wait on a clock or a cancellation: a regression fails them instead of hanging the run.</summary>
    public const int Timeout = 60_000;
}

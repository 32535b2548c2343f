using Licenz.Internal;

namespace Licenz;

/// <summary>How <see cref="MachinesClient.StartHeartbeat"/> paces its heartbeats.</summary>
public sealed class MachineHeartbeatOptions
{
    /// <summary>Between heartbeats when the server gives no due time (a policy without required heartbeats). Default 5 minutes.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>After a heartbeat that failed for a reason that may pass (no network, a timeout, a server error): at most this long until the next try. Default 30 seconds.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Called after each failed heartbeat, on a thread-pool thread; an exception it throws is ignored.</summary>
    public Action<LicenzException>? Failed { get; init; }
}

/// <summary>
/// A machine's heartbeats, sent in the background until disposed (<see cref="MachinesClient.StartHeartbeat"/>). It paces
/// itself by the server's answer: the next heartbeat goes out halfway to the due time the server gave, so one lost
/// heartbeat still leaves time for another. A failure that may pass is tried again after
/// <see cref="MachineHeartbeatOptions.RetryAfter"/>; an answer that the machine is not activated (its heartbeat stopped
/// long enough for the server to free its seat, or it was deactivated) stops the heartbeats: <see cref="Stopped"/>
/// then says why, and the application should check its license again (which activates the machine anew).
/// </summary>
public sealed class MachineHeartbeat : IAsyncDisposable, IDisposable
{
    private readonly MachinesClient _machines;
    private readonly TimeProvider _time;
    private readonly string _licenseKey;
    private readonly string _fingerprint;
    private readonly MachineHeartbeatOptions _options;
    private readonly CancellationTokenSource _stop;
    private readonly Task _loop;
    private int _sent;

    internal MachineHeartbeat(
        MachinesClient machines, TimeProvider time, string licenseKey, string fingerprint, MachineHeartbeatOptions options, CancellationToken cancellationToken)
    {
        if (options.Interval <= TimeSpan.Zero || options.RetryAfter <= TimeSpan.Zero)
        {
            throw new ArgumentException("MachineHeartbeatOptions.Interval and RetryAfter must be positive.", nameof(options));
        }

        _machines = machines;
        _time = time;
        _licenseKey = licenseKey;
        _fingerprint = fingerprint;
        _options = options;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>The machine as the last heartbeat the server accepted left it; null before the first.</summary>
    public MachineInfo? Machine { get; private set; }

    /// <summary>How many heartbeats the server accepted.</summary>
    public int Sent => Volatile.Read(ref _sent);

    /// <summary>The last failure, if the last heartbeat failed.</summary>
    public LicenzException? LastFailure { get; private set; }

    /// <summary>Why the heartbeats stopped on their own (the machine is not activated); null while they go on or after <see cref="DisposeAsync"/>.</summary>
    public LicenzException? Stopped { get; private set; }

    /// <summary>Completes when the heartbeats stop: disposed, cancelled, or stopped on their own.</summary>
    public Task Completion => _loop;

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                var machine = await _machines.HeartbeatAsync(_licenseKey, _fingerprint, cancellationToken).ConfigureAwait(false);
                Machine = machine;
                LastFailure = null;
                Interlocked.Increment(ref _sent);
                wait = machine.HeartbeatDueAt is { } due && due - _time.GetUtcNow() is { } left && left > TimeSpan.Zero
                    ? TimeSpan.FromTicks(left.Ticks / 2)
                    : _options.Interval;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (LicenzException failure)
            {
                LastFailure = failure;
                Report(failure);
                if (failure.Code == LicenzErrorCodes.NotFound)
                {
                    Stopped = failure;
                    return;
                }

                wait = _options.RetryAfter < _options.Interval ? _options.RetryAfter : _options.Interval;
            }

            try
            {
                await Delays.DelayAsync(_time, wait, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Report(LicenzException failure)
    {
        try
        {
            _options.Failed?.Invoke(failure);
        }
#pragma warning disable CA1031 // The application's callback must not stop the heartbeats.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>Stops the heartbeats and waits for the one under way, if any.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            _stop.Cancel();
        }

        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>Stops the heartbeats without waiting.</summary>
    public void Dispose()
    {
        if (!_stop.IsCancellationRequested)
        {
            _stop.Cancel();
        }
    }
}

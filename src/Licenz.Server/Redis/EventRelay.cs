using Licenz.Server.Caching;
using Licenz.Server.Data;
using Licenz.Server.Events;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;

namespace Licenz.Server.Redis;

/// <summary>
/// Tells the other nodes of every change this node commits, and this node of theirs, through one Redis channel
/// (<c>{prefix}events</c>): the message is the committing node and the ids of its events, nothing more (no license key,
/// no customer data crosses Redis). A node that hears it reads those events from the database, where they committed
/// with the change, and hands them to its own sinks — the verification cache and the signing-key ring drop what the
/// change touched, as if it had been made here. A license suspended through one node is refused by every other on its
/// next request, a few milliseconds later.
/// </summary>
/// <remarks>
/// While the channel is down a node cannot hear the others, so it cannot trust its verification cache: it stops serving
/// from it (every verification reads the database) until the channel is back, then starts afresh with an empty cache.
/// What a node commits while it cannot reach Redis it tells the others once it can (the ids of up to 10,000 events, or
/// "everything changed" beyond that), so a node that came back first hears of it as soon as this one does.
/// Signing keys are cached a minute at most, so the worst a missed rotation costs is a minute of answers signed by the
/// previous key, which stays published in the JWKS.
/// </remarks>
public sealed class EventRelay(RedisConnection redis, HotPathCache cache, IServiceProvider services, ILogger<EventRelay> logger)
    : IEventSink, IHostedService
{
    private const string ChannelName = "events";

    /// <summary>Events committed while this node could not publish, told once it can (at most this many).</summary>
    private const int MaxUnsent = 10_000;

    /// <summary>Stands for "everything may have changed": more went unsent than is kept.</summary>
    private const string Everything = "*";

    /// <summary>This process, so it skips its own messages (its sinks heard its events when they committed).</summary>
    private readonly string _node = Guid.NewGuid().ToString("N");

    private readonly Lock _unsentGate = new();
    private readonly List<string> _unsent = [];
    private bool _unsentOverflowed;
    private readonly SemaphoreSlim _listening = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private IEventSink[]? _localSinks;
    private IConnectionMultiplexer? _multiplexer;
    private volatile bool _subscribed;
    private Task? _retrying;

    /// <summary>One handler (made at start), so that subscribing again never adds a second.</summary>
    private Action<RedisChannel, RedisValue> _hear = null!;

    public void Committed(IReadOnlyList<LicenzEvent> events)
    {
        if (!redis.IsConfigured)
        {
            return;
        }

        if (_multiplexer is not { IsConnected: true } multiplexer || !TryPublish(multiplexer, events.Select(e => e.Id)))
        {
            // The change is committed; the other nodes hear of it when this node can reach Redis again.
            lock (_unsentGate)
            {
                _unsent.AddRange(events.Select(e => e.Id));
                if (_unsent.Count > MaxUnsent)
                {
                    _unsent.Clear();
                    _unsentOverflowed = true;
                }
            }
        }
    }

    private bool TryPublish(IConnectionMultiplexer multiplexer, IEnumerable<string> ids)
    {
        try
        {
            // Fire and forget: a node that misses this is one whose own channel is down, and it distrusts its cache for
            // as long as that lasts.
            multiplexer.GetSubscriber().Publish(redis.Channel(ChannelName), _node + ":" + string.Join(',', ids), CommandFlags.FireAndForget);
            return true;
        }
        catch (RedisException e)
        {
            logger.LogWarning("Could not tell the other nodes of a change yet: {Reason}", e.Message);
            return false;
        }
    }

    /// <summary>Tells the other nodes what was committed here while Redis could not be reached.</summary>
    private void PublishUnsent(IConnectionMultiplexer multiplexer)
    {
        List<string> unsent;
        bool overflowed;
        lock (_unsentGate)
        {
            unsent = [.. _unsent];
            overflowed = _unsentOverflowed;
            _unsent.Clear();
            _unsentOverflowed = false;
        }

        if (!overflowed && unsent.Count == 0)
        {
            return;
        }

        if ((overflowed && !TryPublish(multiplexer, [Everything])) || unsent.Chunk(500).Any(batch => !TryPublish(multiplexer, batch)))
        {
            // Still unreachable: it is told as a whole on the next reconnection.
            lock (_unsentGate)
            {
                _unsentOverflowed = true;
            }

            return;
        }

        logger.LogInformation("Told the other nodes of the changes committed here while Redis was unreachable");
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!redis.IsConfigured)
        {
            return;
        }

        var multiplexer = await redis.GetMultiplexerAsync();
        _multiplexer = multiplexer;
        _hear = (channel, message) => _ = HearAsync(message);
        multiplexer.ConnectionFailed += (_, failed) =>
        {
            if (failed.ConnectionType == ConnectionType.Subscription)
            {
                logger.LogWarning("The channel to the other nodes is down ({Reason}): verifications read the database until it is back.", failed.FailureType);
                cache.Distrust();
            }
        };
        multiplexer.ConnectionRestored += (_, restored) =>
        {
            if (restored.ConnectionType == ConnectionType.Subscription)
            {
                _ = ListenAsync(multiplexer);
            }
            else
            {
                PublishUnsent(multiplexer);
            }
        };

        // A node whose Redis is down at start starts all the same, its cache distrusted, and listens once it can.
        if (!await ListenAsync(multiplexer))
        {
            _retrying = RetryListeningAsync(multiplexer, _stopping.Token);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_retrying is not null)
        {
            await _retrying.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// Subscribes to the channel if not yet done, then trusts the cache afresh (what was missed while not listening is not
    /// known). False, with the cache distrusted, while Redis cannot take the subscription.
    /// </summary>
    private async Task<bool> ListenAsync(IConnectionMultiplexer multiplexer)
    {
        await _listening.WaitAsync();
        try
        {
            if (!_subscribed)
            {
                var subscriber = multiplexer.GetSubscriber();
                var channel = redis.Channel(ChannelName);

                // A subscription that failed may still be registered with the client; never hear a message twice.
                await subscriber.UnsubscribeAsync(channel, _hear, CommandFlags.FireAndForget);
                await subscriber.SubscribeAsync(channel, _hear);
                _subscribed = true;
            }

            logger.LogInformation("Listening to the other nodes' changes: the verification cache starts afresh.");
            cache.Trust();
            PublishUnsent(multiplexer);
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning("Cannot hear the other nodes' changes yet ({Reason}): verifications read the database until then.", e.Message);
            cache.Distrust();
            return false;
        }
        finally
        {
            _listening.Release();
        }
    }

    /// <summary>After a failed first subscription: tries again every second until it holds (reconnection does too).</summary>
    private async Task RetryListeningAsync(IConnectionMultiplexer multiplexer, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (!_subscribed && await timer.WaitForNextTickAsync(stopping))
        {
            if (multiplexer.IsConnected)
            {
                await ListenAsync(multiplexer);
            }
        }
    }


    private async Task HearAsync(RedisValue message)
    {
        var text = (string?)message ?? "";
        var colon = text.IndexOf(':');
        if (colon <= 0 || text.AsSpan(0, colon).SequenceEqual(_node))
        {
            return;
        }

        var ids = text[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (ids is [Everything])
        {
            cache.Invalidate([], [], everyApiKey: true, everyLicense: true);
            return;
        }

        try
        {
            List<LicenzEvent> events;
            await using (var scope = services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
                events = await db.Events.AsNoTracking().IgnoreQueryFilters([LicenzDbContext.TenantFilter])
                    .Where(e => ids.Contains(e.Id)).ToListAsync();
            }

            foreach (var sink in _localSinks ??= [.. services.GetServices<IEventSink>().Where(s => s != this)])
            {
                sink.Committed(events);
            }
        }
        catch (Exception e)
        {
            // What the change touched is not known here: nothing cached may outlive it.
            logger.LogError(e, "Could not read {Count} change(s) made on another node; the verification cache starts afresh", ids.Length);
            cache.Invalidate([], [], everyApiKey: true, everyLicense: true);
        }
    }
}

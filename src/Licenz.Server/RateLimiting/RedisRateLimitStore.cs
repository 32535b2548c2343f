using System.Diagnostics;
using System.Globalization;
using Licenz.Server.Redis;
using StackExchange.Redis;

namespace Licenz.Server.RateLimiting;

/// <summary>
/// The sliding logs in the shared Redis (<c>Licenz:Redis</c>), so that every node counts one budget: one script per
/// request, one round trip, atomic in Redis (scripts run one at a time), so two nodes can never both take the last slot.
/// While Redis cannot be reached the node counts on its own (<see cref="InMemoryRateLimitStore"/>, the same algorithm),
/// says so once per outage in the log, and goes back to Redis as soon as it answers again.
/// </summary>
/// <remarks>
/// <para>Time is Redis's own (<c>TIME</c>, inside the script), not the node's: every node then agrees on when a request
/// was accepted and when it leaves the window, whatever the skew between the nodes' clocks. The answers' reset times
/// are on that clock too.</para>
/// <para>Each log is a Redis list of acceptance times in microseconds, newest first, under a key such as
/// <c>licenz:rate:{acct_…:client}</c> (a license key's share: that key, then <c>:</c> and the hash); the braces keep a
/// budget and its shares in one slot of a Redis Cluster. Every accepted request renews its keys' expiry to one
/// window, so an idle budget leaves nothing behind.</para>
/// </remarks>
public sealed class RedisRateLimitStore(RedisConnection redis, InMemoryRateLimitStore local, ILogger<RedisRateLimitStore> logger) : IRateLimitStore
{
    /// <summary>KEYS: the budget's log, then the share's (when one applies). ARGV: window (µs), budget limit, share limit.</summary>
    private const string Script = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local window = tonumber(ARGV[1])
        local since = now - window
        local function trim(key)
          local oldest = redis.call('LINDEX', key, -1)
          while oldest and tonumber(oldest) <= since do
            redis.call('RPOP', key)
            oldest = redis.call('LINDEX', key, -1)
          end
          return redis.call('LLEN', key), tonumber(oldest) or 0
        end
        local count, oldest = trim(KEYS[1])
        local shareCount, shareOldest = 0, 0
        if #KEYS > 1 then shareCount, shareOldest = trim(KEYS[2]) end
        local allowed = count < tonumber(ARGV[2]) and (#KEYS == 1 or shareCount < tonumber(ARGV[3]))
        if allowed then
          local at = string.format('%.0f', now)
          local ttl = math.ceil(window / 1000)
          for i, key in ipairs(KEYS) do
            redis.call('LPUSH', key, at)
            redis.call('PEXPIRE', key, ttl)
          end
          count = count + 1
          if oldest == 0 then oldest = now end
          if #KEYS > 1 then
            shareCount = shareCount + 1
            if shareOldest == 0 then shareOldest = now end
          end
        end
        return { allowed and 1 or 0, now, count, oldest, shareCount, shareOldest }
        """;

    /// <summary>KEYS: the budget's log. ARGV: window (µs). Drops what has left the window, as a request would; adds nothing.</summary>
    private const string PeekScript = """
        local t = redis.call('TIME')
        local since = tonumber(t[1]) * 1000000 + tonumber(t[2]) - tonumber(ARGV[1])
        local oldest = redis.call('LINDEX', KEYS[1], -1)
        while oldest and tonumber(oldest) <= since do
          redis.call('RPOP', KEYS[1])
          oldest = redis.call('LINDEX', KEYS[1], -1)
        end
        return { redis.call('LLEN', KEYS[1]), tonumber(oldest) or 0 }
        """;

    /// <summary>
    /// After a failed command the node counts alone this long; then one request asks Redis again while the others still
    /// count here, so a Redis that hangs costs one request a timeout now and then rather than every request one.
    /// </summary>
    private static readonly long PauseAfterFailure = Stopwatch.Frequency;

    private long _pausedUntil;
    private int _probing;
    private int _outage;

    public async ValueTask<RateLimitOutcome> AcquireAsync(RateLimitRequest request, CancellationToken cancellationToken)
    {
        var multiplexer = redis.Multiplexer;
        if (multiplexer is null)
        {
            // The first connection attempt is still under way (a node just started): count here meanwhile, quietly.
            return local.Acquire(request);
        }

        if (!multiplexer.IsConnected)
        {
            // The multiplexer reconnects on its own; until then nothing is sent.
            StartOutage("not connected");
            return local.Acquire(request);
        }

        // The pause is measured on the machine's monotonic clock, not the TimeProvider that budgets use: it is about the
        // network, and must run out even where the budgets' clock is held still (tests).
        var paused = Volatile.Read(ref _pausedUntil) != 0;
        if (paused && (Stopwatch.GetTimestamp() < Volatile.Read(ref _pausedUntil) || Interlocked.CompareExchange(ref _probing, 1, 0) != 0))
        {
            return local.Acquire(request);
        }

        var budget = BudgetKey(request.Partition);
        RedisKey[] keys = request.Share.Applies ? [budget, budget.Append(":" + request.Share.Key.ToString("x32", CultureInfo.InvariantCulture))] : [budget];
        RedisValue[] values = [request.Window.Ticks / TimeSpan.TicksPerMicrosecond, request.Limit, request.Share.Limit];
        RedisResult result;
        try
        {
            result = await multiplexer.GetDatabase().ScriptEvaluateAsync(Script, keys, values);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Volatile.Write(ref _pausedUntil, Stopwatch.GetTimestamp() + PauseAfterFailure);
            Volatile.Write(ref _probing, 0);
            StartOutage(e.Message);
            return local.Acquire(request);
        }

        if (paused)
        {
            Volatile.Write(ref _pausedUntil, 0);
            Volatile.Write(ref _probing, 0);
            EndOutage();
        }
        else if (Volatile.Read(ref _pausedUntil) == 0)
        {
            // (A request sent before another failed does not end that outage: the probe after the pause does.)
            EndOutage();
        }

        var answer = (RedisResult[])result!;
        return new RateLimitOutcome(
            (long)answer[0] == 1,
            (long)answer[1],
            new WindowCount((int)answer[2], (long)answer[3]),
            new WindowCount((int)answer[4], (long)answer[5]));
    }

    /// <summary>What Redis holds for the budget; while Redis cannot be reached, what this node counted meanwhile.</summary>
    public async ValueTask<WindowCount> PeekAsync(string partition, TimeSpan window, CancellationToken cancellationToken)
    {
        var multiplexer = redis.Multiplexer;
        if (multiplexer is not { IsConnected: true } || Volatile.Read(ref _pausedUntil) != 0)
        {
            return local.Peek(partition, window);
        }

        try
        {
            var answer = (RedisResult[])(await multiplexer.GetDatabase().ScriptEvaluateAsync(
                PeekScript, [BudgetKey(partition)], [window.Ticks / TimeSpan.TicksPerMicrosecond]))!;
            return new WindowCount((int)answer[0], (long)answer[1]);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return local.Peek(partition, window);
        }
    }

    private RedisKey BudgetKey(string partition) => redis.Key("rate:{" + partition + "}");

    private void StartOutage(string reason)
    {
        if (Interlocked.Exchange(ref _outage, 1) == 0)
        {
            logger.LogWarning(
                "Redis ({Endpoints}) is unavailable ({Reason}): rate limits are counted by this node alone until it answers again.",
                redis.Endpoints, reason);
        }
    }

    private void EndOutage()
    {
        if (Volatile.Read(ref _outage) == 1 && Interlocked.Exchange(ref _outage, 0) == 1)
        {
            logger.LogInformation("Redis ({Endpoints}) answers again: rate limits are shared with the other nodes again.", redis.Endpoints);
        }
    }
}

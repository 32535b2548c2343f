using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Licenz.Server.Redis;

/// <summary>
/// The node's one connection to the shared Redis (<c>Licenz:Redis</c>), for every feature that needs it: rate-limit
/// counters now, cache invalidation between nodes next. A multiplexer is made to be shared: one per process, all
/// commands pipelined over it.
/// </summary>
/// <remarks>
/// The connection is started when this is first resolved (the rate limit's store is, when the request path is built at
/// start) and never blocks anyone: until the first attempt has finished <see cref="Multiplexer"/> is null, and a
/// multiplexer that could not connect keeps retrying in the background (<see cref="RedisOptions.ClientOptions"/>), so a
/// node starts and answers while Redis is down. Callers check <see cref="IConnectionMultiplexer.IsConnected"/> and carry
/// on without Redis when it is false.
/// </remarks>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly Task<ConnectionMultiplexer>? _connecting;

    public RedisConnection(IOptions<RedisOptions> options, ILogger<RedisConnection> logger)
    {
        var settings = options.Value;
        KeyPrefix = settings.KeyPrefix;
        if (!settings.IsConfigured)
        {
            return;
        }

        var client = settings.ClientOptions();
        Endpoints = string.Join(", ", client.EndPoints.Select(e => e.ToString()));
        _connecting = ConnectAsync(client, Endpoints, logger);
    }

    /// <summary>Whether <c>Licenz:Redis</c> is set: without it the node works alone and nothing here connects.</summary>
    public bool IsConfigured => _connecting is not null;

    /// <summary>The servers of the configuration string, for messages (never its password).</summary>
    public string Endpoints { get; } = "";

    /// <summary>Prefix of every key and channel of this deployment (<c>Licenz:RedisKeyPrefix</c>).</summary>
    public string KeyPrefix { get; }

    /// <summary>
    /// The shared multiplexer once its first connection attempt has finished (connected or still retrying; see
    /// <see cref="IConnectionMultiplexer.IsConnected"/>); null before that and when Redis is not configured.
    /// </summary>
    public IConnectionMultiplexer? Multiplexer => _connecting is { IsCompletedSuccessfully: true } connecting ? connecting.Result : null;

    /// <summary>For callers that can wait (a subscription made at start): the multiplexer after its first attempt.</summary>
    public async Task<IConnectionMultiplexer> GetMultiplexerAsync() =>
        _connecting is null ? throw new InvalidOperationException($"{RedisOptions.ConfigurationKey} is not set.") : await _connecting;

    /// <summary>A key of this deployment: <see cref="KeyPrefix"/> followed by <paramref name="name"/>.</summary>
    public RedisKey Key(string name) => KeyPrefix + name;

    /// <summary>A pub/sub channel of this deployment: <see cref="KeyPrefix"/> followed by <paramref name="name"/>.</summary>
    public RedisChannel Channel(string name) => RedisChannel.Literal(KeyPrefix + name);

    private static async Task<ConnectionMultiplexer> ConnectAsync(ConfigurationOptions client, string endpoints, ILogger logger)
    {
        ConnectionMultiplexer multiplexer;
        try
        {
            multiplexer = await ConnectionMultiplexer.ConnectAsync(client);
        }
        catch (Exception e)
        {
            // Not for an unreachable server (that is retried in the background), only for what no retry mends.
            logger.LogError("Redis ({Endpoints}) cannot be used: {Reason} The node works alone.", endpoints, e.Message);
            throw;
        }

        if (!multiplexer.IsConnected)
        {
            logger.LogWarning("Redis ({Endpoints}) did not answer at start; the node works alone and keeps trying to connect.", endpoints);
        }

        return multiplexer;
    }

    public async ValueTask DisposeAsync()
    {
        if (_connecting is null)
        {
            return;
        }

        // A first attempt still under way ends within its connect timeout; one that failed was logged and left nothing open.
        await ((Task)_connecting).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_connecting.IsCompletedSuccessfully)
        {
            await _connecting.Result.DisposeAsync();
        }
    }
}

using Licenz.Server.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Licenz.Server.Redis;

/// <summary>
/// <c>Licenz:Redis</c>: the Redis that several server nodes share (a StackExchange.Redis configuration string such as
/// <c>redis.internal:6379,password=…</c>); absent for a single node, which then keeps everything in its own memory.
/// <c>Licenz:RedisKeyPrefix</c>: what every key (and channel) of this deployment starts with, so that several
/// deployments, or test runs, can share one Redis.
/// </summary>
public sealed class RedisOptions
{
    public const string ConfigurationKey = LicenzOptions.Section + ":Redis";
    public const string KeyPrefixKey = LicenzOptions.Section + ":RedisKeyPrefix";

    /// <summary>
    /// What Licenz sets unless the configuration string says otherwise. <c>asyncTimeout</c> (ms): a command that takes
    /// longer fails and the node counts locally instead of making requests wait. A healthy Redis answers in well under a
    /// millisecond, so the timeout only has to notice one that hangs; it is a second rather than less because the client
    /// reads answers on the thread pool, and under a burst a busy node is late reading them: on the 2-core test machine,
    /// 300 simultaneous requests over two nodes saw 280 and 340 ms, which a 250 ms timeout turned into local counting
    /// (and so into more than the budget across the nodes) exactly when shared counting mattered. <c>connectTimeout</c>
    /// (ms): a node whose Redis is down at start gives up its first attempt after it and keeps retrying in the background.
    /// </summary>
    public const string Defaults = "asyncTimeout=1000,syncTimeout=1000,connectTimeout=2000";

    public string? Configuration { get; set; }

    public string KeyPrefix { get; set; } = "licenz:";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Configuration);

    /// <summary>
    /// The client's settings: Licenz's <see cref="Defaults"/>, then the configured string (whose values win), then what
    /// Licenz needs whatever the string says: never abort on a failed connect (a node starts and answers while Redis is
    /// down) and fail commands at once while disconnected rather than queue them (the node counts locally meanwhile).
    /// </summary>
    public ConfigurationOptions ClientOptions()
    {
        var options = ConfigurationOptions.Parse(Defaults + "," + Configuration);
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;

        // Timeouts are noticed on the heartbeat (every second by default): beat twice per timeout, so that a hung Redis
        // fails a command after at most one and a half timeouts.
        options.HeartbeatInterval = TimeSpan.FromMilliseconds(Math.Clamp(options.AsyncTimeout / 2, 100, 1000));
        return options;
    }
}

/// <summary>A configuration string the client cannot read stops the start, naming the setting (never echoing a password).</summary>
public sealed class RedisOptionsValidator : IValidateOptions<RedisOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisOptions options)
    {
        var errors = new List<string>();
        if (options.IsConfigured)
        {
            try
            {
                if (options.ClientOptions().EndPoints.Count == 0)
                {
                    errors.Add($"{RedisOptions.ConfigurationKey}: names no server; give host:port, as in 'redis.internal:6379'.");
                }
            }
            catch (ArgumentException e)
            {
                errors.Add($"{RedisOptions.ConfigurationKey}: not a StackExchange.Redis configuration string ({e.Message}); " +
                    "give host:port followed by options, as in 'redis.internal:6379,password=…,ssl=true'.");
            }
        }

        if (string.IsNullOrWhiteSpace(options.KeyPrefix) || options.KeyPrefix.Length > 100)
        {
            errors.Add($"{RedisOptions.KeyPrefixKey}: must be 1 to 100 characters.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

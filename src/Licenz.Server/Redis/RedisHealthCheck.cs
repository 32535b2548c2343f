using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Licenz.Server.Redis;

/// <summary>
/// Readiness of the shared Redis, through the node's own connection (a second one just for the probe would be a second
/// thing that can fail). Degraded, never unhealthy, when Redis is down: the node still answers every request, counting
/// rate limits on its own, so a load balancer should keep sending it traffic.
/// </summary>
public sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var multiplexer = redis.Multiplexer;
        if (multiplexer is null || !multiplexer.IsConnected)
        {
            return HealthCheckResult.Degraded($"Redis ({redis.Endpoints}) is not connected; rate limits are counted by this node alone.");
        }

        try
        {
            var latency = await multiplexer.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:0.#} ms.");
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return HealthCheckResult.Degraded($"Redis ({redis.Endpoints}) did not answer: {e.Message}");
        }
    }
}

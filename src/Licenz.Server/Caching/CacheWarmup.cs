using System.Diagnostics;
using Licenz.Server.Licenses;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Caching;

/// <summary>Warms the verification cache in the background once the server is listening (<c>Licenz:Cache:Preload</c>).</summary>
public sealed class CacheWarmup(LicenseLookup licenses, IOptions<CacheOptions> options, ILogger<CacheWarmup> logger) : BackgroundService
{
    /// <summary>Completes when the warm-up has run (tests and benchmarks wait on it).</summary>
    public Task<int> Completion => _completion.Task;

    private readonly TaskCompletionSource<int> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Preload)
        {
            _completion.TrySetResult(0);
            return;
        }

        try
        {
            var watch = Stopwatch.StartNew();
            var loaded = await licenses.WarmAsync(options.Value.MaxEntries, stoppingToken);
            if (loaded > 0)
            {
                logger.LogInformation("Verification cache warmed with {Count} licenses in {Seconds:F1} s", loaded, watch.Elapsed.TotalSeconds);
            }

            _completion.TrySetResult(loaded);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            _completion.TrySetCanceled(stoppingToken);
        }
        catch (Exception exception)
        {
            // A cold cache is slower, not wrong: verification loads what it needs.
            logger.LogWarning(exception, "Could not warm the verification cache");
            _completion.TrySetResult(0);
        }
    }
}

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

    /// <summary>Below this, what the warm-up leaves behind is not worth a blocking collection.</summary>
    private const int CompactAfter = 100_000;

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

            if (loaded >= CompactAfter)
            {
                // Reading the rows left as much garbage as the cache keeps, some of it promoted beside the entries; a
                // full collection would free it but keep the memory committed. Once, at start: compacted, and the free
                // memory given back (at a million licenses, about a hundred MB of resident memory; bench/README.md).
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                logger.LogInformation("Managed heap after the warm-up: {Megabytes:F0} MB in use, {Committed:F0} MB committed",
                    GC.GetGCMemoryInfo().HeapSizeBytes / 1e6, GC.GetGCMemoryInfo().TotalCommittedBytes / 1e6);
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

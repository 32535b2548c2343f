using System.Globalization;
using System.Text;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Perfolizer.Horology;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Licenz.Bench.Offline;

/// <summary>
/// Runs <see cref="OfflineVerification"/> and writes its table, with each verify's rate as a fraction of the raw
/// Ed25519 rate: <c>--out FILE [--artifacts DIR] [--quick]</c>. In-process, so no second build is needed;
/// <c>--quick</c> is BenchmarkDotNet's dry job (one invocation: proves it runs, measures nothing).
/// </summary>
internal static class OfflineProgram
{
    private const double Target = 0.85;

    private static readonly (string Method, string Label)[] Rows =
    [
        (nameof(OfflineVerification.RawEd25519), "raw Ed25519 verify (NSec), same signed bytes"),
        (nameof(OfflineVerification.VerifyPlain), "`LicenseFile.Verify`, plain file"),
        (nameof(OfflineVerification.VerifyEncrypted), "`LicenseFile.Verify`, encrypted file"),
    ];

    public static int Main(string[] args)
    {
        var quick = args.Contains("--quick");
        var output = Value(args, "--out");
        if (output is null)
        {
            Console.Error.WriteLine("usage: Licenz.Bench.Offline --out FILE [--artifacts DIR] [--quick]");
            return 2;
        }

        // Many short iterations: on a shared machine some of them are undisturbed, and those decide the ratio.
        var job = (quick ? Job.Dry : Job.Default.WithWarmupCount(5).WithIterationCount(60).WithIterationTime(TimeInterval.FromMilliseconds(250)))
            .WithToolchain(InProcessEmitToolchain.Instance);
        var config = DefaultConfig.Instance
            .AddJob(job.AsDefault())
            .WithArtifactsPath(Value(args, "--artifacts") ?? Path.Combine(Path.GetTempPath(), "licenz-bench-offline"));
        var summary = BenchmarkRunner.Run<OfflineVerification>(config);

        var reports = Rows.Select(row => (row.Label, Report: summary.Reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == row.Method)))
            .ToList();
        if (summary.HasCriticalValidationErrors || reports.Any(r => r.Report?.ResultStatistics is null))
        {
            Console.Error.WriteLine("error: a benchmark did not produce results; see the log above.");
            return 1;
        }

        File.WriteAllText(output, Table(reports!, quick));
        Console.Out.Write(File.ReadAllText(output));
        return 0;
    }

    /// <summary>
    /// Rates compare the fastest iteration of each benchmark (each iteration averages thousands of calls): other
    /// work on a shared machine only ever slows an iteration down, so the fastest is the least disturbed. The
    /// ratio of medians is shown beside it.
    /// </summary>
    private static string Table(List<(string Label, BenchmarkReport Report)> reports, bool quick)
    {
        var raw = reports[0].Report.ResultStatistics!;
        var text = new StringBuilder();
        text.AppendLine("| operation | median | fastest iteration | calls/s (fastest) | allocated per call | rate ÷ raw rate (fastest) | (medians) | target | result |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |");
        foreach (var (label, report) in reports)
        {
            var statistics = report.ResultStatistics!;
            var allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
            var isRaw = ReferenceEquals(report, reports[0].Report);
            var ratio = raw.Min / statistics.Min;
            var verdict = isRaw ? "" : quick ? "not judged (quick)" : ratio >= Target ? "PASS" : "MISS";
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {label} | {statistics.Median / 1000:F2} µs | {statistics.Min / 1000:F2} µs | {1e9 / statistics.Min:N0} | " +
                $"{(allocated is { } bytes ? $"{bytes:N0} B" : "n/a")} | {ratio:F2} | {raw.Median / statistics.Median:F2} | " +
                $"{(isRaw ? "" : $"≥ {Target:F2}")} | {verdict} |"));
        }

        return text.ToString();
    }

    private static string? Value(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}

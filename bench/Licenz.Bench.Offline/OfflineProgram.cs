using System.Globalization;
using System.Text;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace Licenz.Bench.Offline;

/// <summary>
/// Runs <see cref="OfflineVerification"/> and writes its table, with each verify's rate as a fraction of the raw
/// Ed25519 rate: <c>--out FILE [--artifacts DIR] [--quick] [--no-target]</c>. In-process, so no second build is needed;
/// <c>--quick</c> is BenchmarkDotNet's dry job (one invocation: proves it runs, measures nothing); <c>--no-target</c>
/// measures without judging (the netstandard2.0 build, which has no target of its own).
/// </summary>
internal static class OfflineProgram
{
    private const double Target = 0.85;

    private static readonly (string Method, string Label)[] Rows =
    [
        (nameof(OfflineVerification.RawEd25519), "raw Ed25519 verify (NSec), same signed bytes"),
        (nameof(OfflineVerification.VerifyPlain), "`LicenseFile.Verify`, plain file"),
        (nameof(OfflineVerification.VerifyEncrypted), "`LicenseFile.Verify`, encrypted file"),
        (nameof(OfflineVerification.VerifyPlainDefaultClock), "`LicenseFile.Verify`, plain file, default options (the trusted clock's file)"),
    ];

    public static int Main(string[] args)
    {
        if (args is ["verify-once", var file, var jwks])
        {
            return OfflineVerification.VerifyOnce(file, jwks);
        }

        var quick = args.Contains("--quick");
        var judged = !args.Contains("--no-target");
        var output = Value(args, "--out");
        var passes = quick ? 1 : int.TryParse(Value(args, "--passes"), out var count) && count > 0 ? count : 3;
        if (output is null)
        {
            Console.Error.WriteLine("usage: Licenz.Bench.Offline --out FILE [--artifacts DIR] [--passes N] [--quick]");
            return 2;
        }

        // Many short iterations: on a shared machine some of them are undisturbed, and those decide the ratio. BenchmarkDotNet
        // runs the benchmarks one after the other, so a machine that slows down half-way favours whichever ran first:
        // several passes, each measuring all three, and the median pass decides.
        var job = (quick ? Job.Dry : Job.Default.WithWarmupCount(5).WithIterationCount(20).WithIterationTime(TimeInterval.FromMilliseconds(250)))
            .WithToolchain(InProcessEmitToolchain.Instance);
        var artifacts = Value(args, "--artifacts") ?? Path.Combine(Path.GetTempPath(), "licenz-bench-offline");
        var runs = new List<BenchmarkReport[]>();
        for (var pass = 1; pass <= passes; pass++)
        {
            var config = DefaultConfig.Instance.AddJob(job.AsDefault()).WithArtifactsPath(Path.Combine(artifacts, $"pass-{pass}"));
            var summary = BenchmarkRunner.Run<OfflineVerification>(config);
            var reports = Rows.Select(row => summary.Reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == row.Method))
                .ToArray();
            if (summary.HasCriticalValidationErrors || reports.Any(r => r?.ResultStatistics is null))
            {
                Console.Error.WriteLine("error: a benchmark did not produce results; see the log above.");
                return 1;
            }

            runs.Add(reports!);
        }

        File.WriteAllText(output, Table(runs, quick, judged));
        Console.Out.Write(File.ReadAllText(output));
        return 0;
    }

    /// <summary>
    /// Rates compare the fastest iteration of each benchmark within one pass (each iteration averages thousands of
    /// calls): other work on a shared machine only ever slows an iteration down, so the fastest is the least disturbed.
    /// Each row shows the pass with the median ratio, and the range of the ratio over all passes.
    /// </summary>
    private static string Table(List<BenchmarkReport[]> runs, bool quick, bool judged)
    {
        static double Ratio(BenchmarkReport[] run, int row) => run[0].ResultStatistics!.Min / run[row].ResultStatistics!.Min;

        var text = new StringBuilder();
        text.AppendLine("| operation | fastest iteration | median iteration | calls/s (fastest) | allocated per call | rate ÷ raw rate | range over passes | target | result |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |");
        for (var row = 0; row < Rows.Length; row++)
        {
            var byRatio = runs.OrderBy(run => Ratio(run, row)).ToList();
            var median = byRatio[(byRatio.Count - 1) / 2];
            var report = median[row];
            var statistics = report.ResultStatistics!;
            var allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
            var isRaw = row == 0;
            var ratio = Ratio(median, row);
            var verdict = isRaw || !judged ? "" : quick ? "not judged (quick)" : ratio >= Target ? "PASS" : "MISS";
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {Rows[row].Label} | {statistics.Min / 1000:F2} µs | {statistics.Median / 1000:F2} µs | {1e9 / statistics.Min:N0} | " +
                $"{(allocated is { } bytes ? $"{bytes:N0} B" : "n/a")} | {ratio:F2} | " +
                $"{(isRaw ? "" : $"{Ratio(byRatio[0], row):F2}–{Ratio(byRatio[^1], row):F2}")} | {(isRaw || !judged ? "" : $"≥ {Target:F2}")} | {verdict} |"));
        }

        return text.ToString();
    }

    private static string? Value(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}

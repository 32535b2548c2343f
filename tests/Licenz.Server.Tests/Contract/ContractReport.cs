using System.Text.Json;

namespace Licenz.Server.Tests.Contract;

/// <summary>
/// In report mode, every violation of the run as one JSON line (with the test that caused it) in
/// <c>LICENZ_CONTRACT_REPORT</c>, or <c>licenz-contract-violations.jsonl</c> in the temporary folder.
/// </summary>
public static class ContractReport
{
    private static readonly Lock Gate = new();

    public static string Path { get; } = Environment.GetEnvironmentVariable("LICENZ_CONTRACT_REPORT")
        ?? System.IO.Path.Combine(System.IO.Path.GetTempPath(), "licenz-contract-violations.jsonl");

    public static void Add(IReadOnlyList<ContractViolation> violations)
    {
        var test = TestContext.Current.Test?.TestDisplayName;
        var lines = violations.Select(v => JsonSerializer.Serialize(new { v.Operation, v.Status, v.Pointer, v.Rule, v.Detail, Test = test }));
        lock (Gate)
        {
            File.AppendAllLines(Path, lines);
        }
    }
}

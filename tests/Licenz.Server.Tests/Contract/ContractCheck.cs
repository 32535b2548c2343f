namespace Licenz.Server.Tests.Contract;

public enum ContractCheckMode
{
    Off,

    /// <summary>A violation fails the test whose request caused it.</summary>
    Fail,

    /// <summary>Violations are written to <see cref="ContractReport"/> and fail nothing: for surveying a whole run.</summary>
    Report,
}

/// <summary>
/// Whether the test host checks its traffic against the OpenAPI document: <c>LICENZ_CONTRACT_CHECK=1</c> fails
/// the test that breaks the contract, <c>LICENZ_CONTRACT_CHECK=report</c> lists every violation of a run
/// (see <see cref="ContractReport"/>), <c>0</c> switches it off. Without the variable it is on, as in CI.
/// </summary>
public static class ContractCheck
{
    public const string Variable = "LICENZ_CONTRACT_CHECK";

    // On unless switched off: every test's traffic keeps the document and the server in agreement.
    private const ContractCheckMode Default = ContractCheckMode.Fail;

    public static ContractCheckMode Mode { get; } = Read(Environment.GetEnvironmentVariable(Variable));

    public static ContractCheckMode Read(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "1" or "true" or "on" => ContractCheckMode.Fail,
        "report" => ContractCheckMode.Report,
        "0" or "false" or "off" => ContractCheckMode.Off,
        _ => Default,
    };
}

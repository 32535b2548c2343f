namespace Licenz.Server.Tests.Contract;

/// <summary>
/// One way an exchange with the server disagrees with the OpenAPI document.
/// </summary>
/// <param name="Operation">The documented operation (<c>POST /api/v1/licenses</c>), or the request line when none matched.</param>
/// <param name="Status">The response status.</param>
/// <param name="Pointer">Where: a JSON pointer into the request or response body, or the parameter or header at fault.</param>
/// <param name="Rule">Which promise of the document was broken, in a few stable words (for grouping).</param>
/// <param name="Detail">What was seen.</param>
public sealed record ContractViolation(string Operation, int Status, string Pointer, string Rule, string Detail)
{
    public override string ToString() => $"{Operation} → {Status}: {Rule} at {Pointer}: {Detail}";
}

/// <summary>Thrown into the test whose request broke the contract, so that test fails and says why.</summary>
public sealed class ContractViolationException(IReadOnlyList<ContractViolation> violations)
    : Exception("The exchange disagrees with the OpenAPI document (/api/v1/openapi.json):"
        + string.Concat(violations.Select(v => Environment.NewLine + "  " + v)))
{
    public IReadOnlyList<ContractViolation> Violations { get; } = violations;
}

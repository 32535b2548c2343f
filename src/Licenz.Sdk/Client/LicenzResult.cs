using System.Text.Json.Serialization;

namespace Licenz;

/// <summary>
/// Every answer of the API: besides its data, it carries the rate-limit state the response reported.
/// Results compare by their data only; the rate-limit state of the response they came in is not part of it.
/// </summary>
public abstract record LicenzResult
{
    /// <summary>
    /// The rate limit as of the response this came in (its <c>X-RateLimit-*</c> headers), or null when the
    /// response carried none. Items of a list carry the rate limit of the page they came in.
    /// </summary>
    [JsonIgnore]
    public RateLimit? RateLimit { get; internal set; }

    /// <summary>Whether <paramref name="other"/> is a result of the same type; derived records compare their data.</summary>
    /// <param name="other">The result to compare with.</param>
    public virtual bool Equals(LicenzResult? other) => other is not null && EqualityContract == other.EqualityContract;

    /// <inheritdoc />
    public override int GetHashCode() => EqualityContract.GetHashCode();
}

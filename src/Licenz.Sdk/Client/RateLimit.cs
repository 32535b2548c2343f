using System.Globalization;

namespace Licenz;

/// <summary>
/// The rate-limit headers of a response: <c>X-RateLimit-Limit</c>, <c>X-RateLimit-Remaining</c> and
/// <c>X-RateLimit-Reset</c>. On plans without a limit the server sends the word <c>unlimited</c>: then
/// <see cref="Limit"/> and <see cref="Remaining"/> are null.
/// </summary>
/// <param name="Limit">Requests allowed per window; null when unlimited.</param>
/// <param name="Remaining">Requests left in the current window; null when unlimited.</param>
/// <param name="Reset">When the current window ends and the budget is renewed.</param>
public sealed record RateLimit(int? Limit, int? Remaining, DateTimeOffset? Reset)
{
    /// <summary>True when the account's plan has no request limit.</summary>
    public bool IsUnlimited => Limit is null;

    /// <summary>Reads the headers' values; null when there is no readable <c>X-RateLimit-Limit</c> (a number or <c>unlimited</c>).</summary>
    internal static RateLimit? Parse(string? limit, string? remaining, string? reset)
    {
        if (!TryCount(limit, out var parsedLimit))
        {
            return null;
        }

        var parsedRemaining = TryCount(remaining, out var left) ? left : null;
        return new RateLimit(parsedLimit, parsedRemaining, ParseReset(reset));
    }

    internal static DateTimeOffset? ParseReset(string? reset) =>
        long.TryParse(reset?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
        && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    private static bool TryCount(string? text, out int? count)
    {
        count = null;
        var value = text?.Trim();
        if (string.Equals(value, "unlimited", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            count = number;
            return true;
        }

        return false;
    }
}

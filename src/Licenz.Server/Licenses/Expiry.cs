namespace Licenz.Server.Licenses;

/// <summary>
/// Lengths added to an expiry stay within the calendar the API can write: a renewal that would pass
/// 9999-12-31T23:59:59Z is refused (a <c>bad_request</c>), never an overflow and a 500.
/// </summary>
public static class Expiry
{
    public static readonly DateTime Latest = new(9999, 12, 31, 23, 59, 59, DateTimeKind.Utc);

    public static bool TryAddDays(DateTime from, int days, out DateTime until)
    {
        if (days > (Latest - from).TotalDays)
        {
            until = default;
            return false;
        }

        until = from.AddDays(days);
        return true;
    }

    public static bool TryAddSeconds(DateTime from, long seconds, out DateTime until)
    {
        if (seconds > (Latest - from).TotalSeconds)
        {
            until = default;
            return false;
        }

        until = from.AddSeconds(seconds);
        return true;
    }
}

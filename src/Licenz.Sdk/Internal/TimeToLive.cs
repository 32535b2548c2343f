namespace Licenz.Internal;

internal static class TimeToLive
{
    /// <summary>A license file's time to live as the API takes it: whole seconds; null stays null (the server's default).</summary>
    /// <exception cref="ArgumentException">Not a positive whole number of seconds.</exception>
    public static int? Seconds(TimeSpan? timeToLive, string parameterName)
    {
        if (timeToLive is not { } value)
        {
            return null;
        }

        if (value.Ticks % TimeSpan.TicksPerSecond != 0 || value <= TimeSpan.Zero || value.TotalSeconds > int.MaxValue)
        {
            throw new ArgumentException("TimeToLive must be a positive whole number of seconds.", parameterName);
        }

        return (int)value.TotalSeconds;
    }
}

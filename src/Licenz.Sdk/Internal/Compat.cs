namespace Licenz.Internal;

/// <summary>What the SDK needs on every target in one way, where the newer .NETs have it built in and older ones do not.</summary>
internal static class Compat
{
    /// <summary>The PATCH method (.NET Standard 2.0's <see cref="HttpMethod"/> has no property for it).</summary>
    public static readonly HttpMethod Patch = new("PATCH");

    /// <summary>A header exactly as received (several lines joined by ", "), or null: HttpClient's parsing would reformat some.</summary>
    public static string? RawHeader(System.Net.Http.Headers.HttpHeaders headers, string name)
    {
#if NET
        return headers.NonValidated.TryGetValues(name, out var values) ? values.ToString() : null;
#else
        return headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;
#endif
    }

    /// <summary>How many times <paramref name="value"/> occurs in <paramref name="span"/>.</summary>
    public static int Count(ReadOnlySpan<byte> span, byte value)
    {
#if NET
        return span.Count(value);
#else
        var count = 0;
        foreach (var b in span)
        {
            if (b == value)
            {
                count++;
            }
        }

        return count;
#endif
    }
}

/// <summary>A delay on a <see cref="TimeProvider"/> (built in from .NET 8; Microsoft.Bcl.TimeProvider's extension on .NET Standard).</summary>
internal static class Delays
{
    public static Task DelayAsync(TimeProvider time, TimeSpan delay, CancellationToken cancellationToken) =>
#if NET
        Task.Delay(delay, time, cancellationToken);
#else
        time.Delay(delay, cancellationToken);
#endif
}

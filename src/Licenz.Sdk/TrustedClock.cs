using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Licenz;

/// <summary>
/// Remembers the latest time the application had reason to trust — a license file's signed <c>iat</c> or a
/// server's signed <c>Date</c> — so a clock set back behind it can be noticed, offline.
/// </summary>
public interface ITrustedClock
{
    /// <summary>The latest trusted time seen for this issuer, if any.</summary>
    DateTimeOffset? Read(string issuer);

    /// <summary>Records <paramref name="trusted"/> if it is later than what is remembered.</summary>
    void Advance(string issuer, DateTimeOffset trusted);
}

/// <summary>Stores of trusted time.</summary>
public static class TrustedClock
{
    /// <summary>One small file per issuer under the user's local application data folder (<c>Licenz/trusted-time</c>).</summary>
    public static ITrustedClock Default { get; } = new FileTrustedClock(
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "Licenz", "trusted-time"));

    /// <summary>Files in a folder of the application's choosing.</summary>
    public static ITrustedClock InFolder(string folder) => new FileTrustedClock(folder);

    /// <summary>Nothing kept between runs (tests, or applications that keep it elsewhere).</summary>
    public static ITrustedClock InMemory() => new MemoryTrustedClock();
}

internal sealed class MemoryTrustedClock : ITrustedClock
{
    private readonly Dictionary<string, DateTimeOffset> _times = new(StringComparer.Ordinal);

    public DateTimeOffset? Read(string issuer)
    {
        lock (_times)
        {
            return _times.TryGetValue(issuer, out var time) ? time : null;
        }
    }

    public void Advance(string issuer, DateTimeOffset trusted)
    {
        lock (_times)
        {
            if (!_times.TryGetValue(issuer, out var known) || trusted > known)
            {
                _times[issuer] = trusted;
            }
        }
    }
}

/// <summary>
/// A file per issuer holding Unix seconds. It is not a secret, and deleting it only forgets the past; failures to read or
/// write it never stop verification.
/// </summary>
/// <remarks>
/// What this process read or wrote is kept in memory, so that a check reads the file once per process and writes it
/// only when the trusted time moves forward: the same file verified again costs no file access. Times only ever move
/// forward, so what is kept can only be older than the file (another process may have advanced it): the check is then
/// as strict as this process's own history, never stricter than the file.
/// </remarks>
internal sealed class FileTrustedClock(string folder) : ITrustedClock
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Known> _known = new(StringComparer.Ordinal);

    public DateTimeOffset? Read(string issuer) => Remembered(issuer).Time;

    public void Advance(string issuer, DateTimeOffset trusted)
    {
        var seconds = trusted.ToUnixTimeSeconds();
        if (Remembered(issuer).Time is { } time && time.ToUnixTimeSeconds() >= seconds)
        {
            return;
        }

        // Rare (the time moved forward): one writer at a time, so a later time is never overwritten by an earlier one.
        lock (_known)
        {
            if (Remembered(issuer).Time is { } again && again.ToUnixTimeSeconds() >= seconds)
            {
                return;
            }

            _known[issuer] = new Known(DateTimeOffset.FromUnixTimeSeconds(seconds));
            try
            {
                Directory.CreateDirectory(folder);
                var path = PathFor(issuer);
                var temporary = path + "." + Environment.ProcessId + ".tmp";
                File.WriteAllText(temporary, seconds.ToString(CultureInfo.InvariantCulture));
                File.Move(temporary, path, overwrite: true);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Best effort: an unwritable folder means tampering is noticed less, never that licenses fail.
            }
        }
    }

    /// <summary>The time kept for <paramref name="issuer"/>: read from its file the first time this process asks.</summary>
    private Known Remembered(string issuer) => _known.GetOrAdd(issuer, static (issuer, clock) => new Known(clock.ReadFile(issuer)), this);

    private DateTimeOffset? ReadFile(string issuer)
    {
        try
        {
            var text = File.ReadAllText(PathFor(issuer)).Trim();
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    private string PathFor(string issuer) =>
        Path.Combine(folder, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(issuer)))[..32] + ".time");

    private sealed record Known(DateTimeOffset? Time);
}

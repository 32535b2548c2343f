using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Licenz;

/// <summary>
/// Remembers the latest time the application had reason to trust — a license file's signed <c>iat</c> or a
/// server's signed <c>Date</c> — so a clock set back behind it can be noticed, offline; and, per issuer, the newest
/// revocation list (<see cref="RevocationList"/>) with the highest list version signed data has shown, so that licenses
/// revoked since their files were issued are refused offline.
/// </summary>
public interface ITrustedClock
{
    /// <summary>The latest trusted time seen for this issuer, if any.</summary>
    DateTimeOffset? Read(string issuer);

    /// <summary>Records <paramref name="trusted"/> if it is later than what is remembered.</summary>
    void Advance(string issuer, DateTimeOffset trusted);

    /// <summary>The highest revocation list version a license file or signed answer of this issuer has carried; 0 when none.</summary>
    long ReadRevocationVersion(string issuer);

    /// <summary>Records <paramref name="version"/> if it is higher than what is remembered.</summary>
    void AdvanceRevocationVersion(string issuer, long version);

    /// <summary>The issuer's revocation list kept here (its signed text, checked again when read), if any.</summary>
    string? ReadRevocationList(string issuer);

    /// <summary>Keeps <paramref name="list"/>, the signed text of a verified revocation list newer than the one kept, in place of it.</summary>
    void StoreRevocationList(string issuer, string list);
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
    private readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _lists = new(StringComparer.Ordinal);

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

    public long ReadRevocationVersion(string issuer)
    {
        lock (_times)
        {
            return _versions.TryGetValue(issuer, out var version) ? version : 0;
        }
    }

    public void AdvanceRevocationVersion(string issuer, long version)
    {
        lock (_times)
        {
            if (!_versions.TryGetValue(issuer, out var known) || version > known)
            {
                _versions[issuer] = version;
            }
        }
    }

    public string? ReadRevocationList(string issuer)
    {
        lock (_times)
        {
            return _lists.TryGetValue(issuer, out var list) ? list : null;
        }
    }

    public void StoreRevocationList(string issuer, string list)
    {
        lock (_times)
        {
            _lists[issuer] = list;
        }
    }
}

/// <summary>
/// A file per issuer holding Unix seconds (and, on a second line, the highest revocation list version seen), and beside
/// it the issuer's revocation list when one was kept. They are not secrets, and deleting them only forgets the past;
/// failures to read or write them never stop verification.
/// </summary>
/// <remarks>
/// What this process read or wrote is kept in memory, so that a check reads the files once per process and writes them
/// only when something moves forward: the same file verified again costs no file access. Times and versions only ever
/// move forward, so what is kept can only be older than the files (another process may have advanced them): the check
/// is then as strict as this process's own history, never stricter than the files. The list's file is read only when a
/// version was seen: an issuer that never revoked anything costs one file, as before.
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
            var known = Remembered(issuer);
            if (known.Time is { } again && again.ToUnixTimeSeconds() >= seconds)
            {
                return;
            }

            Write(issuer, known with { Time = DateTimeOffset.FromUnixTimeSeconds(seconds) });
        }
    }

    public long ReadRevocationVersion(string issuer) => Remembered(issuer).RevocationVersion;

    public void AdvanceRevocationVersion(string issuer, long version)
    {
        if (Remembered(issuer).RevocationVersion >= version)
        {
            return;
        }

        lock (_known)
        {
            var known = Remembered(issuer);
            if (known.RevocationVersion < version)
            {
                Write(issuer, known with { RevocationVersion = version });
            }
        }
    }

    public string? ReadRevocationList(string issuer) => Remembered(issuer).RevocationList;

    public void StoreRevocationList(string issuer, string list)
    {
        lock (_known)
        {
            _known[issuer] = Remembered(issuer) with { RevocationList = list };
            WriteAtomically(PathFor(issuer, ".revocations.jwt"), list);
        }
    }

    /// <summary>Keeps <paramref name="known"/> and writes its time and version (under the lock).</summary>
    private void Write(string issuer, Known known)
    {
        _known[issuer] = known;
        var text = (known.Time?.ToUnixTimeSeconds() ?? 0).ToString(CultureInfo.InvariantCulture);
        if (known.RevocationVersion > 0)
        {
            text += "\n" + known.RevocationVersion.ToString(CultureInfo.InvariantCulture);
        }

        WriteAtomically(PathFor(issuer, ".time"), text);
    }

    private void WriteAtomically(string path, string text)
    {
        try
        {
            Directory.CreateDirectory(folder);
            var temporary = path + "." + Environment.ProcessId + ".tmp";
            File.WriteAllText(temporary, text);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Best effort: an unwritable folder means tampering is noticed less, never that licenses fail.
        }
    }

    /// <summary>What is kept for <paramref name="issuer"/>: read from its files the first time this process asks.</summary>
    private Known Remembered(string issuer) => _known.GetOrAdd(issuer, static (issuer, clock) => clock.ReadFiles(issuer), this);

    private Known ReadFiles(string issuer)
    {
        var lines = (ReadFile(PathFor(issuer, ".time")) ?? "").Split('\n');
        var time = long.TryParse(lines[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : (DateTimeOffset?)null;
        var version = lines.Length > 1 && long.TryParse(lines[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seen) ? seen : 0;
        return new Known(time, version, version > 0 ? ReadFile(PathFor(issuer, ".revocations.jwt")) : null);
    }

    private static string? ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    private string PathFor(string issuer, string extension) =>
        Path.Combine(folder, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(issuer)))[..32] + extension);

    private sealed record Known(DateTimeOffset? Time, long RevocationVersion = 0, string? RevocationList = null);
}

/// <summary>
/// The issuer's revocation list as kept by an <see cref="ITrustedClock"/>, checked against the keys given: the last one
/// read is remembered with its keys, so that checking many files costs one signature check per list, not per file.
/// </summary>
internal static class KeptRevocations
{
    private static Checked? _last;

    public static RevocationList? Read(ITrustedClock store, string issuer, PublicKeySet keys)
    {
        if (store.ReadRevocationList(issuer) is not { } text)
        {
            return null;
        }

        var last = Volatile.Read(ref _last);
        if (last is null || !ReferenceEquals(last.Keys, keys) || !string.Equals(last.Text, text, StringComparison.Ordinal))
        {
            // A list that does not hold (altered, or signed by a key no longer trusted) is as good as none.
            last = new Checked(text, keys, RevocationList.TryVerify(text, keys, out var list, out _) ? list : null);
            Volatile.Write(ref _last, last);
        }

        return last.List is { } kept && kept.Issuer == issuer ? kept : null;
    }

    /// <summary>
    /// Keeps <paramref name="list"/> (already verified) if it is newer than the list kept for its issuer, and records its
    /// version as seen. A list never replaces a newer one: an old list cannot bring a revoked license back.
    /// </summary>
    public static bool Keep(ITrustedClock store, RevocationList list, PublicKeySet keys)
    {
        if (Read(store, list.Issuer, keys) is { } kept && kept.Version >= list.Version)
        {
            return false;
        }

        store.StoreRevocationList(list.Issuer, list.Text);
        store.AdvanceRevocationVersion(list.Issuer, list.Version);
        return true;
    }

    private sealed record Checked(string Text, PublicKeySet Keys, RevocationList? List);
}

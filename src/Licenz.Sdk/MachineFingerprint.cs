using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Licenz;

/// <summary>
/// A stable, hashed identifier of this machine, for binding license files to it. The raw identifier never
/// leaves the machine: only SHA-256 of it (with a per-application salt) is used.
/// </summary>
/// <remarks>
/// Sources, by operating system:
/// <list type="bullet">
/// <item>Linux: <c>/etc/machine-id</c> (systemd), else <c>/var/lib/dbus/machine-id</c>.</item>
/// <item>Windows: the registry value <c>HKLM\SOFTWARE\Microsoft\Cryptography\MachineGuid</c>.</item>
/// <item>macOS: <c>IOPlatformUUID</c> from <c>ioreg -rd1 -c IOPlatformExpertDevice</c>.</item>
/// </list>
/// Containers often share or regenerate these; set the environment variable <c>LICENZ_MACHINE_ID</c> (for example
/// to a value kept in a volume) to use that instead. The identifier changes if the operating system is reinstalled.
/// </remarks>
public static class MachineFingerprint
{
    /// <summary>The environment variable that overrides the machine identifier.</summary>
    public const string OverrideVariable = "LICENZ_MACHINE_ID";

    /// <summary>
    /// This machine's fingerprint: 64 lowercase hex characters. Pass your product id (or any application-specific
    /// text) as <paramref name="salt"/> so that two vendors' fingerprints of one machine cannot be correlated.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">No machine identifier could be found (set <c>LICENZ_MACHINE_ID</c>).</exception>
    public static string Get(string salt = "") =>
        FromIdentifier(Identifier() ?? throw new PlatformNotSupportedException(
            $"No machine identifier found on this system; set the environment variable {OverrideVariable}."), salt);

    /// <summary>The fingerprint of a given raw machine identifier (what <see cref="Get"/> hashes).</summary>
    public static string FromIdentifier(string identifier, string salt = "")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(identifier);
        ArgumentNullException.ThrowIfNull(salt);
        var material = Encoding.UTF8.GetBytes($"licenz-fingerprint-v1\n{salt}\n{identifier.Trim().ToLowerInvariant()}");
        return Convert.ToHexStringLower(SHA256.HashData(material));
    }

    /// <summary>The raw identifier the fingerprint is made from, or null when there is none.</summary>
    internal static string? Identifier()
    {
        if (Environment.GetEnvironmentVariable(OverrideVariable) is { Length: > 0 } configured)
        {
            return configured;
        }

        if (OperatingSystem.IsLinux() || OperatingSystem.IsFreeBSD())
        {
            return FirstLine("/etc/machine-id") ?? FirstLine("/var/lib/dbus/machine-id");
        }

        if (OperatingSystem.IsWindows())
        {
            using var key = Microsoft.Win32.Registry.LocalMachine.OpenSubKey(@"SOFTWARE\Microsoft\Cryptography");
            return key?.GetValue("MachineGuid") as string;
        }

        if (OperatingSystem.IsMacOS())
        {
            return MacPlatformUuid();
        }

        return null;
    }

    private static string? FirstLine(string path)
    {
        try
        {
            var line = File.ReadLines(path).FirstOrDefault()?.Trim();
            return string.IsNullOrEmpty(line) ? null : line;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? MacPlatformUuid()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("ioreg", "-rd1 -c IOPlatformExpertDevice")
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit(5000);
            const string marker = "\"IOPlatformUUID\" = \"";
            var start = output.IndexOf(marker, StringComparison.Ordinal);
            if (start < 0)
            {
                return null;
            }

            start += marker.Length;
            var end = output.IndexOf('"', start);
            return end > start ? output[start..end] : null;
        }
        catch (Exception exception) when (exception is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return null;
        }
    }
}

using System.Diagnostics;
using System.Net.NetworkInformation;
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
/// <item>Windows: the registry value <c>HKLM\SOFTWARE\Microsoft\Cryptography\MachineGuid</c>, read in the 64-bit view
/// (a 32-bit process on 64-bit Windows would otherwise read the redirected 32-bit view, where it is missing).</item>
/// <item>macOS: <c>IOPlatformUUID</c> from <c>/usr/sbin/ioreg -rd1 -c IOPlatformExpertDevice</c> (started by its absolute
/// path, never looked up on <c>PATH</c>).</item>
/// </list>
/// <see cref="Components(string)"/> adds the machine's named parts, for policies that recognise a machine by most of them.
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
            return Registry64(@"SOFTWARE\Microsoft\Cryptography", "MachineGuid");
        }

        if (OperatingSystem.IsMacOS())
        {
            return IoregValue("IOPlatformExpertDevice", "IOPlatformUUID");
        }

        return null;
    }

    /// <summary>
    /// This machine's named parts, each hashed with <paramref name="salt"/> (32 hex characters; the raw values never
    /// leave the machine): what a policy with <c>fingerprint_matching: most_components</c> recognises a machine by when
    /// its fingerprint changed, as after a reinstall or a new disk. Only parts that tell one machine from another of the
    /// same model, and only those this process can read:
    /// <list type="bullet">
    /// <item><c>board</c>: the firmware's system UUID. Linux: <c>/sys/class/dmi/id/product_uuid</c> (readable by root
    /// only on most distributions: a service, not a desktop session, sees it). Windows: the registry's
    /// <c>HKLM\SYSTEM\HardwareConfig\LastConfig</c> (64-bit view). macOS: <c>IOPlatformSerialNumber</c> from
    /// <c>/usr/sbin/ioreg</c>.</item>
    /// <item><c>disk</c>: the system volume. Linux: the UUID of the file system mounted at <c>/</c>
    /// (<c>/dev/disk/by-uuid</c>; on .NET 8 and newer, which read its links). Windows: the serial number of the Windows volume's file system. macOS: the
    /// <c>Volume UUID</c> of <c>/</c> from <c>/usr/sbin/diskutil info /</c>. A reinstall that formats the disk changes it.</item>
    /// <item><c>network</c>: the lowest hardware (globally administered) MAC address of the machine's Ethernet and Wi-Fi
    /// interfaces; virtual, loopback and randomised addresses are left out.</item>
    /// </list>
    /// A reinstall keeps the board and the network card, a new disk keeps the board and the network card, a new network
    /// card keeps the board and the disk: two of three, most of them. With fewer than two parts readable, matching by
    /// components cannot apply (it needs two equal), and the machine is known by its fingerprint alone.
    /// </summary>
    /// <param name="salt">The same salt as <see cref="Get"/>'s (your product id): components of two vendors cannot be correlated.</param>
    public static IReadOnlyDictionary<string, string> Components(string salt = "") => Components(salt, "/");

    /// <summary><see cref="Components(string)"/> with Linux's files read under <paramref name="root"/> (tests give a folder of their own).</summary>
    internal static IReadOnlyDictionary<string, string> Components(string salt, string root)
    {
        ArgumentNullException.ThrowIfNull(salt);
        var components = new Dictionary<string, string>(StringComparer.Ordinal);
        Add("board", Board(root));
        Add("disk", SystemDisk(root));
        Add("network", NetworkAddress(NetworkInterfaceAddresses()));
        return components;

        void Add(string name, string? raw)
        {
            if (raw is { Length: > 0 } && raw.Trim() is { Length: > 0 } value)
            {
                var material = Encoding.UTF8.GetBytes($"licenz-component-v1\n{salt}\n{name}\n{value.ToLowerInvariant()}");
                components[name] = Convert.ToHexStringLower(SHA256.HashData(material)).Substring(0, 32);
            }
        }
    }

    private static string? Board(string root)
    {
        if (OperatingSystem.IsLinux())
        {
            return FirstLine(Path.Combine(root, "sys/class/dmi/id/product_uuid"));
        }

        if (OperatingSystem.IsWindows())
        {
            return Registry64(@"SYSTEM\HardwareConfig", "LastConfig");
        }

        return OperatingSystem.IsMacOS() ? IoregValue("IOPlatformExpertDevice", "IOPlatformSerialNumber") : null;
    }

    private static string? SystemDisk(string root)
    {
        if (OperatingSystem.IsLinux())
        {
            return LinuxRootFileSystemUuid(root);
        }

        if (OperatingSystem.IsWindows())
        {
            return WindowsVolumeSerial(Path.GetPathRoot(Environment.GetFolderPath(Environment.SpecialFolder.Windows)) ?? @"C:\");
        }

        if (OperatingSystem.IsMacOS() && Run("/usr/sbin/diskutil", "info /") is { } info)
        {
            foreach (var line in info.Split('\n'))
            {
                var at = line.IndexOf("Volume UUID:", StringComparison.Ordinal);
                if (at >= 0)
                {
                    return line.Substring(at + "Volume UUID:".Length).Trim();
                }
            }
        }

        return null;
    }

    /// <summary>The UUID of the file system at <c>/</c>: its device (from <c>/proc/self/mountinfo</c>) found among <c>/dev/disk/by-uuid</c>'s links.</summary>
    private static string? LinuxRootFileSystemUuid(string root)
    {
        try
        {
            string? device = null;
            foreach (var line in File.ReadLines(Path.Combine(root, "proc/self/mountinfo")))
            {
                // id parent major:minor root mount-point options … - type source super-options
                var fields = line.Split(' ');
                var separator = Array.IndexOf(fields, "-");
                if (fields.Length > 4 && fields[4] == "/" && separator > 0 && separator + 2 < fields.Length)
                {
                    device = fields[separator + 2];
                }
            }

            var links = Path.Combine(root, "dev/disk/by-uuid");
            if (device is null || !device.StartsWith("/dev/", StringComparison.Ordinal) || !Directory.Exists(links))
            {
                return null;
            }

#if NET
            var target = Path.GetFullPath(Path.Combine(root, device.Substring(1)));
            foreach (var link in Directory.GetFiles(links))
            {
                if (new FileInfo(link).LinkTarget is { } pointsTo && Path.GetFullPath(Path.Combine(links, pointsTo)) == target)
                {
                    return Path.GetFileName(link);
                }
            }
#endif
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }

    private static IEnumerable<(NetworkInterfaceType Type, byte[] Address)> NetworkInterfaceAddresses()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces().Select(i => (i.NetworkInterfaceType, i.GetPhysicalAddress().GetAddressBytes())).ToList();
        }
        catch (NetworkInformationException)
        {
            return [];
        }
    }

    /// <summary>The lowest hardware address of the Ethernet and Wi-Fi interfaces, in hex; null when there is none.</summary>
    internal static string? NetworkAddress(IEnumerable<(NetworkInterfaceType Type, byte[] Address)> interfaces) =>
        interfaces
            .Where(i => i.Type is NetworkInterfaceType.Ethernet or NetworkInterfaceType.Wireless80211 or NetworkInterfaceType.GigabitEthernet)
            .Select(i => i.Address)
            // Six bytes, not all zero, and globally administered (bit 1 of the first byte clear): a card's own address,
            // not one a hypervisor, a container bridge or Wi-Fi privacy made up.
            .Where(a => a.Length == 6 && a.Any(b => b != 0) && (a[0] & 0x02) == 0)
            .Select(a => Convert.ToHexStringLower(a))
            .OrderBy(a => a, StringComparer.Ordinal)
            .FirstOrDefault();

    private static string? Registry64(string path, string name)
    {
        if (!OperatingSystem.IsWindows())
        {
            return null;
        }

        using var root = Microsoft.Win32.RegistryKey.OpenBaseKey(Microsoft.Win32.RegistryHive.LocalMachine, Microsoft.Win32.RegistryView.Registry64);
        using var key = root.OpenSubKey(path);
        return key?.GetValue(name) as string;
    }

    private static string? WindowsVolumeSerial(string root)
    {
        if (!OperatingSystem.IsWindows())
        {
            return null;
        }

        return GetVolumeInformation(root, null, 0, out var serial, out _, out _, null, 0)
            ? serial.ToString("x8", System.Globalization.CultureInfo.InvariantCulture)
            : null;
    }

    [System.Runtime.InteropServices.DllImport("kernel32.dll", CharSet = System.Runtime.InteropServices.CharSet.Unicode, SetLastError = true)]
    [return: System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.Bool)]
    private static extern bool GetVolumeInformation(
        string rootPathName, StringBuilder? volumeNameBuffer, int volumeNameSize, out uint volumeSerialNumber, out uint maximumComponentLength,
        out uint fileSystemFlags, StringBuilder? fileSystemNameBuffer, int fileSystemNameSize);

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

    /// <summary>A quoted property of an I/O Kit class, from <c>/usr/sbin/ioreg -rd1 -c CLASS</c>.</summary>
    private static string? IoregValue(string ioClass, string property)
    {
        if (Run("/usr/sbin/ioreg", $"-rd1 -c {ioClass}") is not { } output)
        {
            return null;
        }

        var marker = $"\"{property}\" = \"";
        var start = output.IndexOf(marker, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        start += marker.Length;
        var end = output.IndexOf('"', start);
        return end > start ? output.Substring(start, end - start) : null;
    }

    /// <summary>A system tool's output, started by its absolute path (never a program of that name found on <c>PATH</c>).</summary>
    private static string? Run(string program, string arguments)
    {
        if (!File.Exists(program))
        {
            return null;
        }

        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, arguments)
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
            return output;
        }
        catch (Exception exception) when (exception is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return null;
        }
    }
}

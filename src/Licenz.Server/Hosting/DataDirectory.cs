namespace Licenz.Server.Hosting;

/// <summary>
/// The server's folders and files are its own: the database holds every customer's email address and the sealed keys,
/// so nothing in the data folder is readable by another user of the machine (where the OS has Unix modes; on Windows
/// the folder's ACLs apply).
/// </summary>
public static class DataDirectory
{
    /// <summary>rwx for the owner only: what every folder the server creates gets.</summary>
    public const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>rw for the owner only: the database, its -wal and -shm files, key files.</summary>
    public const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode GroupAndOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>
    /// Creates the folder (readable by this user only) and returns its full path. A folder that exists already, from an
    /// earlier version or made by hand, is tightened to its owner, and the change is logged when a logger is given.
    /// </summary>
    public static string Ensure(string path, ILogger? logger = null)
    {
        var full = Path.GetFullPath(path);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(full);
        }
        else if (!Directory.Exists(full))
        {
            // Parent by parent: CreateDirectory gives the mode to the last folder only, the ones it makes above get the
            // umask's (the data folder above tls/ would be 0755).
            var missing = new Stack<string>();
            for (var folder = full; !Directory.Exists(folder); folder = Path.GetDirectoryName(folder)!)
            {
                missing.Push(folder);
            }

            while (missing.TryPop(out var folder))
            {
                Directory.CreateDirectory(folder, OwnerOnlyFolder);
            }
        }
        else
        {
            Tighten(full, logger);
        }

        return full;
    }

    /// <summary>Restricts a file to its owner (no effect on Windows, where ACLs of the folder apply).</summary>
    public static void RestrictToOwner(string file)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, OwnerOnlyFile);
        }
    }

    /// <summary>
    /// Takes every permission of group and others off an existing file or folder (the owner's stay as they are), and logs
    /// what it changed. Nothing on Windows. A file this user does not own cannot be changed: that is logged as a warning.
    /// </summary>
    public static void Tighten(string path, ILogger? logger)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & GroupAndOthers) == 0)
        {
            return;
        }

        var tightened = mode & ~GroupAndOthers;
        try
        {
            File.SetUnixFileMode(path, tightened);
            logger?.LogWarning("{Path} was open to other users of this machine (mode {Before}); now mode {After}, its owner's only",
                path, Octal(mode), Octal(tightened));
        }
        catch (UnauthorizedAccessException)
        {
            logger?.LogWarning("{Path} is open to other users of this machine (mode {Mode}) and this user may not change it: restrict it to the server's user (chmod go= …)",
                path, Octal(mode));
        }
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(3, '0');
}

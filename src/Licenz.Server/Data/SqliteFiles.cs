using Licenz.Server.Hosting;
using Microsoft.Data.Sqlite;

namespace Licenz.Server.Data;

/// <summary>
/// The SQLite database file and its <c>-wal</c> and <c>-shm</c> files, readable by the server's user only. SQLite itself
/// creates a database 0644 (less the umask), and its -wal and -shm files with the database file's mode: so the database
/// is created empty, 0600, before SQLite first opens it (an empty file is an empty database), and the files of an
/// existing database, from an earlier version, are tightened.
/// </summary>
public static class SqliteFiles
{
    private static readonly string[] Companions = ["-wal", "-shm", "-journal"];

    public static void RestrictToOwner(string connectionString, ILogger logger)
    {
        var settings = new SqliteConnectionStringBuilder(connectionString);
        if (settings.Mode == SqliteOpenMode.Memory || settings.DataSource is "" or ":memory:" || settings.DataSource.StartsWith("file:", StringComparison.Ordinal))
        {
            return;
        }

        var database = Path.GetFullPath(settings.DataSource);
        if (!File.Exists(database))
        {
            if (!OperatingSystem.IsWindows() && Directory.Exists(Path.GetDirectoryName(database)))
            {
                Create(database);
            }

            return;
        }

        foreach (var file in Companions.Select(suffix => database + suffix).Prepend(database).Where(File.Exists))
        {
            DataDirectory.Tighten(file, logger);
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void Create(string database)
    {
        try
        {
            using var _ = new FileStream(database, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = DataDirectory.OwnerOnlyFile,
            });
        }
        catch (IOException) when (File.Exists(database))
        {
            // Created by another process (a command run at the same time) since the check: theirs is 0600 too.
        }
    }
}

using System.Net;
using Licenz.Server.Tests.Infrastructure;
using Licenz.Tests.Shared;

namespace Licenz.Server.Tests.Hosting;

/// <summary>
/// The data folder holds every license and customer email: it and the database files are the server's user's only,
/// whether the server made them or an earlier version did (real file modes, read back from the file system).
/// </summary>
public sealed class DataFolderModeTests
{
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OpenFolder = OwnerOnlyFolder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
    private const UnixFileMode OpenFile = OwnerOnlyFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    [Fact]
    public async Task ANewDataFolderAndItsDatabaseFilesAreTheOwnersOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Windows has no Unix file modes; the folder's ACLs apply there.");
            return;
        }

        await using var app = new LicenzApplication.OnSqlite();
        await app.InitializeAsync();
        await WriteSomethingAsync(app, app.AdminKey);

        // The -wal and -shm files exist while a connection is open (SQLite removes them with the last one, which the
        // server's pool may have closed by now): one held open for the checks, as any reader of the database would.
        await using var reader = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={app.DatabasePath};Pooling=False");
        await reader.OpenAsync(TestContext.Current.CancellationToken);
        await using (var read = reader.CreateCommand())
        {
            read.CommandText = "SELECT count(*) FROM products;";
            Assert.True(Convert.ToInt64(await read.ExecuteScalarAsync(TestContext.Current.CancellationToken), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        }

        Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(app.DataDirectory));
        Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(app.SecretsDirectory));
        foreach (var file in new[] { app.DatabasePath, app.DatabasePath + "-wal", app.DatabasePath + "-shm" })
        {
            Assert.True(File.Exists(file), $"No {file}");
            Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(file));
        }
    }

    [Fact]
    public async Task AnOlderInstallsOpenFolderAndDatabaseFilesAreTightenedAtStart()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Windows has no Unix file modes; the folder's ACLs apply there.");
            return;
        }

        var folder = Path.Combine(Path.GetTempPath(), "licenz-tests", "modes-" + Guid.NewGuid().ToString("N"));
        try
        {
            string adminKey;
            await using (var first = LicenzApplication.Over(folder, TestDatabase.Sqlite))
            {
                await first.InitializeAsync();
                adminKey = first.AdminKey;
                await WriteSomethingAsync(first, adminKey);
            }

            // As an earlier version (or a umask of 022) left them.
            var database = Path.Combine(folder, "licenz.db");
            File.SetUnixFileMode(folder, OpenFolder);
            foreach (var file in new[] { database, database + "-wal", database + "-shm" })
            {
                if (!File.Exists(file))
                {
                    // SQLite removes them when the last connection closes; an empty one is valid.
                    await File.WriteAllBytesAsync(file, [], TestContext.Current.CancellationToken);
                }

                File.SetUnixFileMode(file, OpenFile);
            }

            await using var second = LicenzApplication.Over(folder, TestDatabase.Sqlite);
            await second.InitializeAsync();
            await WriteSomethingAsync(second, adminKey);

            // As in the test above: the -wal and -shm files exist while a connection is open, and the server's pool may
            // have closed its last one by now (SQLite then removes them; one opened again takes the database file's mode).
            await using var reader = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Pooling=False");
            await reader.OpenAsync(TestContext.Current.CancellationToken);
            await using (var read = reader.CreateCommand())
            {
                read.CommandText = "SELECT count(*) FROM products;";
                Assert.True(Convert.ToInt64(await read.ExecuteScalarAsync(TestContext.Current.CancellationToken), System.Globalization.CultureInfo.InvariantCulture) >= 2);
            }

            Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(folder));
            Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(database));
            Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(database + "-wal"));
            Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(database + "-shm"));
        }
        finally
        {
            LicenzApplication.TryDelete(folder);
            LicenzApplication.TryDelete(folder + "-secrets");
        }
    }

    private static async Task WriteSomethingAsync(LicenzApplication app, string adminKey)
    {
        using var admin = app.CreateClient(adminKey);
        await (await admin.PostJsonAsync("products", new { name = "Modes " + Guid.NewGuid().ToString("N")[..6] })).DataAsync(HttpStatusCode.Created);
    }
}

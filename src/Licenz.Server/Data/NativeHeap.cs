using System.Runtime.InteropServices;

namespace Licenz.Server.Data;

/// <summary>
/// Gives memory that native code (SQLite) has freed back to the operating system. glibc keeps freed memory in the
/// allocating thread's arena (up to eight per core, 64 MB each) for reuse: the activity writer's flush fills a 64 MB
/// page cache (<see cref="SqliteConnectionSettings.LargePageCacheAsync"/>) on whichever pool thread runs it, frees it
/// after, and over a few flushes every arena held one. At a million licenses that was several hundred MB of resident
/// memory doing nothing (bench/README.md); <c>malloc_trim</c> after the flush returns it.
/// </summary>
internal static class NativeHeap
{
    private static bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>Releases the free memory of every arena; nothing where there is no glibc (Windows, macOS, musl).</summary>
    public static void Trim()
    {
        if (_unavailable)
        {
            return;
        }

        try
        {
            MallocTrim(0);
        }
        catch (Exception exception) when (exception is EntryPointNotFoundException or DllNotFoundException)
        {
            _unavailable = true;
        }
    }

    // DllImport rather than LibraryImport: the generated stub needs unsafe code, for a call that passes one integer.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
#pragma warning restore SYSLIB1054
}

using System.Runtime.InteropServices;

namespace Licenz.Tests.Shared;

/// <summary>Shared by the test projects (linked source): finds the <c>dotnet</c> that runs these tests, to start apps with it.</summary>
internal static class DotNetHost
{
    public static string Locate()
    {
        var executable = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }

        if (Environment.ProcessPath is { } current && Path.GetFileName(current).Equals(executable, StringComparison.OrdinalIgnoreCase))
        {
            return current;
        }

        // <root>/shared/Microsoft.NETCore.App/<version>/ → <root>/dotnet
        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var besideRuntime = Path.Combine(root, executable);
        return File.Exists(besideRuntime) ? besideRuntime : executable;
    }
}

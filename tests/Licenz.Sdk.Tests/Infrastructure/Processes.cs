using System.Diagnostics;

namespace Licenz.Sdk.Tests;

/// <summary>The repository the tests run in: its root, found above the test assembly.</summary>
internal static class RepositoryPaths
{
    public static string Root()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Licenz.slnx")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("The tests run outside the repository: Licenz.slnx not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Programs the tests start (the SDK's apps, dotnet, git): their exit code and their output and errors together.</summary>
internal static class Processes
{
    public static Task<(int ExitCode, string Output)> RunAsync(string program, Dictionary<string, string> environment, params string[] arguments) =>
        RunAsync(new ProcessStartInfo(program, arguments), environment.ToDictionary(pair => pair.Key, pair => (string?)pair.Value));

    /// <param name="start">What to start; its environment is this process's, with <paramref name="environment"/> set on it.</param>
    /// <param name="environment">Variables to set; a null value removes the variable.</param>
    /// <param name="timeout">How long it may run (5 minutes when null); then it is stopped and the test fails, with what it wrote.</param>
    public static async Task<(int ExitCode, string Output)> RunAsync(ProcessStartInfo start, IReadOnlyDictionary<string, string?> environment, TimeSpan? timeout = null)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not finish within {timeout ?? TimeSpan.FromMinutes(5)}:\n{await output}{await error}");
        }

        return (process.ExitCode, await output + await error);
    }
}

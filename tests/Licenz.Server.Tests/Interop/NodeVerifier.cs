using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Licenz.Server.Tests.Interop;

/// <summary>
/// Runs <c>tests/interop/verify.mjs</c> — an independent verifier built on npm's <c>jose</c> and
/// <c>http-message-signatures</c> — over a batch of jobs, one Node.js process per batch. Where Node.js or the
/// interop packages are missing the calling test skips and says why, unless <c>LICENZ_REQUIRE_NODE</c> is set
/// (as .ci/run does after installing them), in which case their absence is a failure.
/// </summary>
public static class NodeVerifier
{
    private static readonly string[] Packages = ["jose", "http-message-signatures", "structured-headers"];

    private static readonly JsonSerializerOptions JobJson = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>
    /// The folder that holds <c>Licenz.slnx</c>, found by walking up from the test binaries — or, when they were built
    /// outside the repository (<c>--artifacts-path</c>), from the working folder or from where this source file was compiled.
    /// </summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string FindRepositoryRoot([CallerFilePath] string sourceFile = "")
    {
        string[] starts = [AppContext.BaseDirectory, Environment.CurrentDirectory, Path.GetDirectoryName(sourceFile) ?? ""];
        foreach (var start in starts.Where(s => s.Length > 0))
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Licenz.slnx")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException($"No folder above {string.Join(", ", starts)} holds Licenz.slnx.");
    }

    public static string InteropDirectory => Path.Combine(RepositoryRoot, "tests", "interop");

    /// <summary>Runs every job through verify.mjs and returns its result line for each, by job name.</summary>
    public static async Task<IReadOnlyDictionary<string, JsonElement>> RunAsync(IReadOnlyList<VerifierJob> jobs)
    {
        var node = Require();
        Assert.Equal(jobs.Count, jobs.Select(j => j.Name).Distinct(StringComparer.Ordinal).Count());

        var start = new ProcessStartInfo(node)
        {
            WorkingDirectory = InteropDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("verify.mjs");

        var input = JsonSerializer.Serialize(jobs, JobJson);
        if (Environment.GetEnvironmentVariable("LICENZ_INTEROP_SAVE_JOBS") is { Length: > 0 } saveTo)
        {
            // For running verify.mjs by hand on exactly what a test sent (see tests/interop/README.md).
            Directory.CreateDirectory(saveTo);
            await File.WriteAllTextAsync(Path.Combine(saveTo, $"{TestContext.Current.TestMethod?.MethodName ?? "jobs"}.json"), input);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await using (var stdin = new StreamWriter(process.StandardInput.BaseStream, new UTF8Encoding(false)))
        {
            await stdin.WriteAsync(input);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"node verify.mjs did not finish within 90 seconds. stderr: {await stderr}");
        }

        var output = await stdout;
        var errors = await stderr;
        Assert.True(process.ExitCode is 0 or 1, $"node verify.mjs exited with {process.ExitCode}.\nstdout:\n{output}\nstderr:\n{errors}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == jobs.Count, $"Expected {jobs.Count} result lines, got {lines.Length}:\n{output}\nstderr:\n{errors}");
        var results = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            using var document = JsonDocument.Parse(line);
            results.Add(document.RootElement.GetProperty("name").GetString()!, document.RootElement.Clone());
        }

        // Every verdict as the test expects it (all listed at once), and the exit code consistent with them.
        var wrong = jobs
            .Where(job => results[job.Name].GetProperty("ok").GetBoolean() != job.ExpectValid)
            .Select(job => $"{job.Name}: expected {(job.ExpectValid ? "verified" : "rejected")}, got {results[job.Name].GetRawText()}")
            .ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {jobs.Count} verdicts are not as expected:\n{string.Join("\n", wrong.Take(20))}\nstderr:\n{errors}");
        Assert.Equal(jobs.All(j => j.ExpectValid) ? 0 : 1, process.ExitCode);
        return results;
    }

    /// <summary>Node.js's path; skips the test (or fails it, under LICENZ_REQUIRE_NODE) when Node.js or the packages are missing.</summary>
    public static string Require()
    {
        var required = Environment.GetEnvironmentVariable("LICENZ_REQUIRE_NODE") is { Length: > 0 };
        string? problem = null;
        var node = FindOnPath(OperatingSystem.IsWindows() ? "node.exe" : "node");
        if (node is null)
        {
            problem = "Node.js not found on PATH; .ci/run installs it and runs this test.";
        }
        else if (Packages.FirstOrDefault(p => !File.Exists(Path.Combine(InteropDirectory, "node_modules", p, "package.json"))) is { } missing)
        {
            problem = $"tests/interop/node_modules/{missing} is missing: run `npm ci` in tests/interop (.ci/run does, then runs this test).";
        }

        if (problem is not null)
        {
            if (required)
            {
                Assert.Fail($"LICENZ_REQUIRE_NODE is set, but: {problem}");
            }

            Assert.Skip(problem);
        }

        return node!;
    }

    private static string? FindOnPath(string executable) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(directory => Path.Combine(directory, executable))
        .FirstOrDefault(File.Exists);
}

/// <summary>One job for verify.mjs (see the comment at its top). Null members are left out.</summary>
public sealed record VerifierJob
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("jwks")]
    public required JsonElement Jwks { get; init; }

    [JsonPropertyName("now")]
    public required DateTimeOffset Now { get; init; }

    [JsonPropertyName("licenseFile")]
    public string? LicenseFile { get; init; }

    [JsonPropertyName("licenseId")]
    public string? LicenseId { get; init; }

    [JsonPropertyName("licenseKey")]
    public string? LicenseKey { get; init; }

    [JsonPropertyName("productId")]
    public string? ProductId { get; init; }

    [JsonPropertyName("fingerprint")]
    public string? Fingerprint { get; init; }

    [JsonPropertyName("response")]
    public CapturedResponse? Response { get; init; }

    [JsonPropertyName("nonce")]
    public string? Nonce { get; init; }

    /// <summary>What the test expects; not sent (verify.mjs decides on its own).</summary>
    [JsonIgnore]
    public bool ExpectValid { get; init; } = true;
}

/// <summary>A response as it came over the wire: status, header values as received, the body's bytes.</summary>
public sealed record CapturedResponse(
    [property: JsonPropertyName("status")] int Status,
    [property: JsonPropertyName("headers")] IReadOnlyDictionary<string, string> Headers,
    [property: JsonPropertyName("bodyBase64")] string BodyBase64)
{
    public byte[] Body => Convert.FromBase64String(BodyBase64);

    public static async Task<CapturedResponse> FromAsync(HttpResponseMessage response)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers.NonValidated.Concat(response.Content.Headers.NonValidated))
        {
            headers[name.ToLowerInvariant()] = string.Join(", ", values);
        }

        var body = await response.Content.ReadAsByteArrayAsync();
        return new CapturedResponse((int)response.StatusCode, headers, Convert.ToBase64String(body));
    }

    public CapturedResponse WithHeader(string name, string value) =>
        this with { Headers = new Dictionary<string, string>(Headers, StringComparer.OrdinalIgnoreCase) { [name] = value } };

    public CapturedResponse WithBody(byte[] body) => this with { BodyBase64 = Convert.ToBase64String(body) };
}

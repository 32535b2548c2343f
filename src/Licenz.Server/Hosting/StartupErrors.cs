using Microsoft.Extensions.Options;

namespace Licenz.Server.Hosting;

/// <summary>A wrong setting stops the start with one clear message that names it, not a stack trace.</summary>
public static class StartupErrors
{
    /// <summary>Builds and runs the server; a wrong setting found while building stops it the same way.</summary>
    public static async Task<int> RunAsync(Func<WebApplication> build)
    {
        WebApplication app;
        try
        {
            app = build();
        }
        catch (Exception exception) when (Describe(exception) is { } message)
        {
            await Console.Error.WriteLineAsync($"Licenz cannot start: {message}");
            return 1;
        }

        return await RunAsync(app);
    }

    public static async Task<int> RunAsync(WebApplication app)
    {
        try
        {
            await app.RunAsync();
            return 0;
        }
        catch (Exception exception) when (Describe(exception) is { } message)
        {
            await Console.Error.WriteLineAsync($"Licenz cannot start: {message}");
            return 1;
        }
    }

    public static string? Describe(Exception exception) => exception switch
    {
        OptionsValidationException invalid => "invalid configuration." + Environment.NewLine
            + string.Join(Environment.NewLine, invalid.Failures.Select(f => "  " + f)),
        // Configuration binding names the setting: "Failed to convert configuration value at 'Licenz:MaxRequestBodyBytes' …".
        InvalidOperationException { Message: var m } when m.Contains("configuration", StringComparison.OrdinalIgnoreCase) => m,
        // Kestrel: a certificate file that cannot be read, an address in use, a malformed URL.
        IOException or UnauthorizedAccessException or FormatException or ArgumentException
            or System.Security.Cryptography.CryptographicException => exception.Message,
        InvalidOperationException => exception.Message,
        // The database cannot be reached or refused the login (PostgreSQL), or its file cannot be opened (SQLite).
        System.Data.Common.DbException => $"the database: {exception.Message}",
        AggregateException { InnerExceptions: [var inner] } => Describe(inner),
        _ => null,
    };
}

using Licenz.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Licenz.Server.Tests.Hosting;

/// <summary>
/// The server's logging defaults: the framework's categories quiet, the per-request hosting diagnostics off
/// (they would start an Activity and a log scope for every request), and an operator's settings above both.
/// </summary>
public sealed class LoggingDefaultsTests
{
    private const string HostingDiagnostics = "Microsoft.AspNetCore.Hosting.Diagnostics";
    private const string Routing = "Microsoft.AspNetCore.Routing.EndpointMiddleware";
    private const string EfCommands = "Microsoft.EntityFrameworkCore.Database.Command";

    [Fact]
    public async Task FrameworkCategoriesLogWarningsOnlyAndHostingDiagnosticsNothing()
    {
        await using var app = new LicenzApplication();
        await app.InitializeAsync();
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();

        Assert.False(loggers.CreateLogger(HostingDiagnostics).IsEnabled(LogLevel.Critical));
        Assert.False(loggers.CreateLogger(Routing).IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger(Routing).IsEnabled(LogLevel.Warning));
        Assert.False(loggers.CreateLogger(EfCommands).IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger(EfCommands).IsEnabled(LogLevel.Warning));
        Assert.True(loggers.CreateLogger("Licenz.Server.Data.ActivityRecorder").IsEnabled(LogLevel.Information));
    }

    [Fact]
    public async Task AnOperatorsLogLevelsWinOverTheDefaults()
    {
        await using var app = new LicenzApplication()
            .WithSetting($"Logging:LogLevel:{HostingDiagnostics}", "Information")
            .WithSetting("Logging:LogLevel:Microsoft.AspNetCore", "Debug")
            .WithSetting("Logging:LogLevel:Microsoft.EntityFrameworkCore", "Information");
        await app.InitializeAsync();
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();

        Assert.True(loggers.CreateLogger(HostingDiagnostics).IsEnabled(LogLevel.Information));
        Assert.False(loggers.CreateLogger(HostingDiagnostics).IsEnabled(LogLevel.Debug));
        Assert.True(loggers.CreateLogger(Routing).IsEnabled(LogLevel.Debug));
        Assert.True(loggers.CreateLogger(EfCommands).IsEnabled(LogLevel.Information));
    }
}

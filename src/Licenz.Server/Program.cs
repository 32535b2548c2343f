using Licenz.Server.Hosting;

if (ServerCommands.IsCommand(args))
{
    return await ServerCommands.RunAsync(args);
}

// Building already reads (and validates) the settings, so a wrong one must be reported from there too.
return await StartupErrors.RunAsync(() =>
{
    var app = LicenzServer.CreateBuilder(args).Build();
    app.UseLicenzServer();
    return app;
});

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;

using Licenz.Server.Hosting;

if (ServerCommands.IsCommand(args))
{
    return await ServerCommands.RunAsync(args);
}

var app = LicenzServer.CreateBuilder(args).Build();
app.UseLicenzServer();
return await StartupErrors.RunAsync(app);

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;

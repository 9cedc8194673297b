using Broadcast.Api.Hosting;
using Broadcast.Api.Options;

namespace Broadcast.Api;

/// <summary>Builds the appliance's web application; Program runs it and tests start the same one on Kestrel.</summary>
public static class BroadcastApp
{
    private const string ReadConfigurationOnce = "--hostBuilder:reloadConfigOnChange=false";

    /// <param name="args">Command-line arguments (they override every other source).</param>
    /// <param name="configure">Adds configuration sources last, e.g. a test's in-memory overrides.</param>
    public static WebApplication Create(string[] args, Action<IConfigurationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            // The configuration files are read once. Reloading them on change would watch the whole content root,
            // subfolders included, and so every segment, playlist and log line FFmpeg writes under data/.
            // Nothing here reads options as they change; a later argument can still turn reloading back on.
            Args = [ReadConfigurationOnce, .. args],
            // Pages are built into the output folder, so `dotnet run` and a published copy serve the same files.
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        builder.Configuration.AddSeedEnvironmentNames();
        configure?.Invoke(builder.Configuration);
        builder.UseDefaultListenAddressUnlessConfigured();
        builder.AddBroadcast();

        var app = builder.Build();
        app.MapBroadcast();
        return app;
    }
}

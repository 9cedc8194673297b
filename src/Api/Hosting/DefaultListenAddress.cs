namespace Broadcast.Api.Hosting;

/// <summary>
/// The appliance listens on <see cref="Url"/> unless its operator says where, in any of ASP.NET Core's usual ways:
/// <c>ASPNETCORE_URLS</c> (or <c>DOTNET_URLS</c>), <c>ASPNETCORE_HTTP_PORTS</c>, <c>ASPNETCORE_HTTPS_PORTS</c>,
/// <c>--urls</c>, <c>Urls</c> in a settings file, or <c>Kestrel:Endpoints</c>. Those sources keep ASP.NET Core's
/// precedence (command line, then environment, then appsettings), which a default written into appsettings.json
/// would break: the file is read after the <c>ASPNETCORE_</c> variables, so its <c>Urls</c> beat <c>ASPNETCORE_URLS</c>.
/// </summary>
public static class DefaultListenAddress
{
    /// <summary>Every IPv4 interface, port 8080.</summary>
    public const string Url = "http://0.0.0.0:8080";

    /// <summary>True when some configuration source says where to listen.</summary>
    public static bool IsConfigured(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.ServerUrlsKey])
            || !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpPortsKey])
            || !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpsPortsKey])
            || configuration.GetSection("Kestrel:Endpoints").GetChildren().Any();
    }

    /// <summary>
    /// Listens on <see cref="Url"/> when no source says where (ASP.NET Core's own default would be localhost:5000).
    /// Call it after every configuration source has been added.
    /// </summary>
    public static WebApplicationBuilder UseDefaultListenAddressUnlessConfigured(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!IsConfigured(builder.Configuration))
        {
            builder.WebHost.UseUrls(Url);
        }

        return builder;
    }
}

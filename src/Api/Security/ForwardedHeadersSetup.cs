using Broadcast.Api.Options;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Security;

/// <summary>
/// ASP.NET Core's forwarded-headers middleware for the proxies named in Api:KnownProxies and Api:KnownNetworks: the
/// client address, scheme and host they forward replace the proxy's, for everything after it (rate limits, the loopback
/// rule, the URLs the API builds). Nothing else is trusted, loopback included.
/// </summary>
public sealed class ForwardedHeadersSetup(IOptions<ApiOptions> api) : IConfigureOptions<ForwardedHeadersOptions>
{
    public void Configure(ForwardedHeadersOptions options)
    {
        var settings = api.Value;
        options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
        options.ForwardLimit = settings.ForwardLimit;
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in settings.KnownProxyList)
        {
            options.KnownProxies.Add(proxy);
        }

        foreach (var network in settings.KnownNetworkList)
        {
            options.KnownIPNetworks.Add(network);
        }
    }

    /// <summary>Reads forwarded headers first, when a proxy is trusted; otherwise they stay plain headers.</summary>
    public static void Use(WebApplication app)
    {
        // Read without validation while the pipeline is built: the start validates every option at once.
        var settings = app.Configuration.GetSection(ApiOptions.Section).Get<ApiOptions>() ?? new ApiOptions();
        if (settings.TrustsProxies)
        {
            app.UseForwardedHeaders();
        }
    }
}

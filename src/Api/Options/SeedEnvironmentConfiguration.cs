using System.Collections;
using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace Broadcast.Api.Options;

/// <summary>
/// Maps the seed's environment names (MEDIASOUP_*, CORS_ORIGIN, JWT_SECRET, API_KEYS, HLS_SIGNING_KEY,
/// STUN_URLS, TURN_URLS, TURN_SECRET) and the appliance's
/// own short names (BROADCAST_SECRET_KEY) onto configuration keys, so that existing deployments keep working and
/// everything else reads typed options.
/// </summary>
public sealed class SeedEnvironmentConfigurationProvider(IDictionary environment) : ConfigurationProvider
{
    /// <summary>Environment name → configuration key.</summary>
    public static IReadOnlyDictionary<string, string> Keys { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["MEDIASOUP_WORKERS"] = "Media:Workers",
        ["MEDIASOUP_LISTEN_IP"] = "Media:ListenIp",
        ["MEDIASOUP_ANNOUNCED_IP"] = "Media:AnnouncedIp",
        ["MEDIASOUP_MIN_PORT"] = "Media:MinPort",
        ["MEDIASOUP_MAX_PORT"] = "Media:MaxPort",
        ["MEDIASOUP_LOG_LEVEL"] = "Api:LogLevel",
        ["CORS_ORIGIN"] = "Api:CorsOrigins",
        ["JWT_SECRET"] = "Api:JwtSecret",
        ["BROADCAST_SECRET_KEY"] = "State:SecretKey",
        ["API_KEYS"] = "Api:ApiKeys",
        ["HLS_SIGNING_KEY"] = "Api:HlsSigningKey",
        ["STUN_URLS"] = "IceServers:StunUrls",
        ["TURN_URLS"] = "IceServers:TurnUrls",
        ["TURN_SECRET"] = "IceServers:TurnSecret",
    };

    public override void Load()
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, key) in Keys)
        {
            if (environment[name] is string value)
            {
                data[key] = value;
            }
        }

        Data = data;
    }
}

public sealed class SeedEnvironmentConfigurationSource : IConfigurationSource
{
    public IConfigurationProvider Build(IConfigurationBuilder builder) =>
        new SeedEnvironmentConfigurationProvider(Environment.GetEnvironmentVariables());
}

public static class SeedEnvironmentConfigurationExtensions
{
    /// <summary>
    /// Adds the seed's environment names right after the environment variable sources, so they override
    /// appsettings.json while command-line arguments still override them.
    /// </summary>
    public static IConfigurationBuilder AddSeedEnvironmentNames(this IConfigurationBuilder builder)
    {
        var sources = builder.Sources;
        var last = -1;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is EnvironmentVariablesConfigurationSource)
            {
                last = i;
            }
        }

        sources.Insert(last >= 0 ? last + 1 : sources.Count, new SeedEnvironmentConfigurationSource());
        return builder;
    }
}

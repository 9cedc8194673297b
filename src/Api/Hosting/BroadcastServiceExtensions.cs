using Broadcast.Api.Channels;
using Broadcast.Api.Cluster;
using Broadcast.Api.Hls;
using Broadcast.Api.Http;
using Broadcast.Api.Jobs;
using Broadcast.Api.Metrics;
using Broadcast.Api.Options;
using Broadcast.Api.Runtime;
using Broadcast.Api.Security;
using Broadcast.Api.State;
using Broadcast.Api.Webhooks;
using Broadcast.Api.WebRtc;
using Broadcast.Ingest;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Sources;
using Broadcast.Ingest.Transports;
using Broadcast.Transcode;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Broadcast.Api.Hosting;

public static class BroadcastServiceExtensions
{
    /// <summary>Registers the appliance: validated options, the media plane, state and channels, problem details, JSON, CORS and Swagger.</summary>
    public static IHostApplicationBuilder AddBroadcast(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddBroadcastOptions();
        if (ApiOptions.ParseLogLevel(builder.Configuration[$"{ApiOptions.Section}:{nameof(ApiOptions.LogLevel)}"]) is { } level)
        {
            builder.Logging.SetMinimumLevel(level); // an invalid name is reported by the options validator at start
        }

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<MediaServer>();
        services.AddSingleton<TransportFactory>();
        services.AddSingleton<MediaServerLifetime>();
        services.AddSingleton<MediaServerStart>();
        services.AddSingleton<WebRtcHost>();
        services.AddHostedService(sp => sp.GetRequiredService<MediaServerLifetime>());
        services.AddSingleton<HlsFileResolver>();
        services.AddSingleton<HlsViewerTracker>();
        services.AddSingleton<HlsPipelineManager>();
        services.AddSingleton<IHlsPipelineRegistry>(sp => sp.GetRequiredService<HlsPipelineManager>());
        services.AddSingleton<RtspSourceRegistry>();
        // State is migrated before any hosted service starts; channels are restored once the media plane runs.
        services.AddBroadcastState(builder.Configuration);
        services.AddSingleton<ChannelService>();
        services.AddSingleton<ChannelRestorer>();
        services.AddHostedService(sp => sp.GetRequiredService<ChannelRestorer>());
        services.AddBroadcastCluster(builder.Configuration);
        services.AddSingleton<ChannelActivity>();
        services.AddSingleton<ChannelThumbnails>();
        services.AddHostedService(sp => sp.GetRequiredService<ChannelActivity>());
        services.AddBroadcastJobs();
        services.AddBroadcastSecurity();
        services.AddBroadcastMetrics();
        services.AddBroadcastWebhooks();

        services.AddProblemDetails();
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.ConfigureHttpJsonOptions(o => ApiJson.Configure(o.SerializerOptions));
        services.AddCors();
        services.AddSingleton<IConfigureOptions<CorsOptions>, ApiCors>();

        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "Broadcast API",
                Version = "v1",
                Description = "Channels (RTSP cameras and publishers); mediasoup-compatible routers, transports, producers and consumers; HLS output; health and stats.",
            });
            o.OperationFilter<RequestExampleOperationFilter>();
        });
        return builder;
    }

    /// <summary>Binds and validates every options type on start, collecting all errors at once.</summary>
    private static void AddBroadcastOptions(this IServiceCollection services)
    {
        services.AddOptions<MediaOptions>()
            // The binder appends to a list that already has items; configured codecs must replace the defaults.
            .Configure<IConfiguration>((media, config) =>
            {
                if (config.GetSection($"{MediaOptions.Section}:{nameof(MediaOptions.MediaCodecs)}").Exists())
                {
                    media.MediaCodecs = [];
                }
            })
            .BindConfiguration(MediaOptions.Section)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<MediaOptions>, MediaOptionsValidator>();

        services.AddOptions<RtspOptions>().BindConfiguration(RtspOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RtspOptions>, RtspOptionsValidator>();

        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiOptions>, ApiOptionsValidator>();
        services.AddOptions<IceServersOptions>().BindConfiguration(IceServersOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<IceServersOptions>, IceServersOptionsValidator>();
        services.AddSingleton<IceServerDirectory>();

        services.AddOptions<HlsOptions>()
            .BindConfiguration(HlsOptions.SectionName)
            // Folders are relative to the content root, so the transcoder and the HLS server agree on them.
            .PostConfigure<IHostEnvironment>((hls, environment) =>
            {
                hls.Root = string.IsNullOrWhiteSpace(hls.Root) ? hls.Root : Path.GetFullPath(hls.Root, environment.ContentRootPath);
                hls.WorkRoot = string.IsNullOrWhiteSpace(hls.WorkRoot) ? hls.WorkRoot : Path.GetFullPath(hls.WorkRoot, environment.ContentRootPath);
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<HlsOptions>, HlsOptionsValidator>();
    }
}

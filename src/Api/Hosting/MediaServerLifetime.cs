using Broadcast.Api.Logging;
using Broadcast.Api.Runtime;
using Broadcast.Api.Webhooks;
using Broadcast.Ingest.Routing;
using Broadcast.Transcode;

namespace Broadcast.Api.Hosting;

/// <summary>
/// Starts the media plane with the host (so its workers run before the first request) and closes every router on
/// shutdown; the container disposes the server, which stops the workers.
/// </summary>
/// <remarks>
/// The server is resolved in <see cref="StartAsync"/>, not injected: the host builds its hosted services before it
/// validates options, and an injected server would read invalid options first and report only their errors.
/// </remarks>
public sealed class MediaServerLifetime(IServiceProvider services, MediaServerStart start, TimeProvider time, ILogger<MediaServerLifetime> logger) : IHostedService
{
    private MediaServer? _media;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var media = _media = services.GetRequiredService<MediaServer>();
        // The pipeline manager and the webhooks hook into router creation: before the first router exists.
        _ = services.GetRequiredService<HlsPipelineManager>();
        services.GetRequiredService<WebhookDispatcher>().Watch(media);
        // The shared WebRTC port is bound before any transport takes ports from the range.
        await services.GetRequiredService<WebRtcHost>().StartAsync();
        foreach (var worker in media.Workers.Workers)
        {
            var index = worker.Index;
            worker.UnhandledException = ex => logger.WorkerItemFailed(ex, index);
        }

        start.Started(time.GetUtcNow());
        logger.MediaServerStarted(media.Workers.Workers.Count, media.Ports.MinPort, media.Ports.MaxPort, media.Options.AdvertisedIp);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_media is not { } media)
        {
            return;
        }

        logger.MediaServerStopping(media.Routers.Count);
        await media.CloseAllAsync().WaitAsync(cancellationToken);
    }
}

using System.Collections.Concurrent;
using Broadcast.Ingest.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Broadcast.Transcode;

/// <summary>Gives every router its HLS pipeline and finds pipelines by channel id.</summary>
public sealed class HlsPipelineManager : IHlsPipelineRegistry
{
    private readonly ConcurrentDictionary<string, HlsPipeline> _pipelines = new(StringComparer.Ordinal);
    private readonly MediaServer _media;
    private readonly HlsOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly TimeProvider _time;

    public HlsPipelineManager(MediaServer media, IOptions<HlsOptions> options, ILoggerFactory loggers, TimeProvider time)
    {
        _media = media;
        _options = options.Value;
        _loggers = loggers;
        _time = time;
        Directory.CreateDirectory(_options.Root);
        Directory.CreateDirectory(_options.WorkRoot);
        media.OnRouterCreated(Attach);
    }

    public HlsPipelineStatus? Get(string channelId)
    {
        if (!_pipelines.TryGetValue(channelId, out var pipeline))
        {
            return null;
        }

        try
        {
            var router = _media.GetRouter(channelId);
            return router.Worker.InvokeAsync(pipeline.Status).GetAwaiter().GetResult();
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    public async Task<bool> ConfigureAsync(string channelId, double? segmentSeconds, int? playlistSize)
    {
        if (!_pipelines.TryGetValue(channelId, out var pipeline))
        {
            return false;
        }

        var router = _media.GetRouter(channelId);
        await router.Worker.InvokeAsync(() => pipeline.Options = pipeline.Options.With(segmentSeconds, playlistSize)).ConfigureAwait(false);
        return true;
    }

    public IReadOnlyCollection<HlsPipelineStatus> All() =>
        [.. _pipelines.Keys.Select(Get).OfType<HlsPipelineStatus>()];

    // Runs on the new router's worker, before any transport exists.
    private void Attach(Router router)
    {
        var logger = _loggers.CreateLogger("Broadcast.Transcode.HlsPipeline");
        var pipeline = new HlsPipeline(router, _media, _options, logger, _time, closed => _pipelines.TryRemove(new KeyValuePair<string, HlsPipeline>(closed.ChannelId, closed)));
        _pipelines[router.Id] = pipeline;
        router.AddObserver(pipeline);
    }
}

using Broadcast.Ingest.Events;
using System.Collections.Concurrent;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Transports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Broadcast.Transcode;

/// <summary>Gives every router its HLS pipeline and finds pipelines by channel id.</summary>
public sealed class HlsPipelineManager : IHlsPipelineRegistry
{
    private readonly ConcurrentDictionary<string, HlsPipeline> _pipelines = new(StringComparer.Ordinal);
    private readonly MediaServer _media;
    private readonly TransportFactory _transports;
    private readonly HlsOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly TimeProvider _time;
    private readonly IChannelEventSink? _events;

    public HlsPipelineManager(MediaServer media, TransportFactory transports, IOptions<HlsOptions> options, ILoggerFactory loggers,
        TimeProvider time, IChannelEventSink? events = null)
    {
        _events = events;
        _media = media;
        _transports = transports;
        _options = options.Value;
        _loggers = loggers;
        _time = time;
        Directory.CreateDirectory(_options.Root);
        Directory.CreateDirectory(_options.WorkRoot);
        media.OnRouterCreated(Attach);
    }

    public async Task<HlsPipelineStatus?> GetAsync(string channelId, CancellationToken cancellationToken = default)
    {
        if (!_pipelines.TryGetValue(channelId, out var pipeline) || _media.FindRouter(channelId) is not { } router)
        {
            return null;
        }

        return await router.Worker.InvokeAsync(pipeline.Status, Worker.DefaultAnswerTimeout, cancellationToken).ConfigureAwait(false);
    }

    public HlsPipelineStatus? StatusOnWorker(string channelId) =>
        _pipelines.TryGetValue(channelId, out var pipeline) ? pipeline.Status() : null;

    /// <summary>The channel's live Low-Latency HLS output, or null (no pipeline, a classic channel, or not started).</summary>
    public LowLatencyChannel? FindLive(string channelId) =>
        _pipelines.TryGetValue(channelId, out var pipeline) ? pipeline.Live : null;

    public async Task<bool> ConfigureAsync(string channelId, double? segmentSeconds, int? playlistSize, HlsSegmentFormat? format = null,
        IReadOnlyList<HlsRendition>? renditions = null)
    {
        if (!_pipelines.TryGetValue(channelId, out var pipeline))
        {
            return false;
        }

        var router = _media.GetRouter(channelId);
        await router.Worker.InvokeAsync(() => pipeline.Options = pipeline.Options.With(segmentSeconds, playlistSize, format, renditions), Worker.DefaultAnswerTimeout)
            .ConfigureAwait(false);
        return true;
    }

    public async Task<IReadOnlyCollection<HlsPipelineStatus>> AllAsync(CancellationToken cancellationToken = default)
    {
        var statuses = new List<HlsPipelineStatus>();
        foreach (var channelId in _pipelines.Keys)
        {
            if (await GetAsync(channelId, cancellationToken).ConfigureAwait(false) is { } status)
            {
                statuses.Add(status);
            }
        }

        return statuses;
    }

    // Runs on the new router's worker, before any transport exists.
    private void Attach(Router router)
    {
        var logger = _loggers.CreateLogger("Broadcast.Transcode.HlsPipeline");
        var pipeline = new HlsPipeline(router, _media, _transports, _options, logger, _time, closed => _pipelines.TryRemove(new KeyValuePair<string, HlsPipeline>(closed.ChannelId, closed)))
        {
            Events = _events,
        };
        _pipelines[router.Id] = pipeline;
        router.AddObserver(pipeline);
    }
}

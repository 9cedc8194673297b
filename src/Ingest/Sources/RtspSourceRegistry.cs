using System.Collections.Concurrent;
using Broadcast.Ingest.Events;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Transports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Broadcast.Ingest.Sources;

/// <summary>
/// The camera channels of the media server: each is a router with camera codecs and an <see cref="RtspSource"/>
/// observing it. Deleting the router (through either API) stops the source.
/// </summary>
public sealed class RtspSourceRegistry
{
    private readonly ConcurrentDictionary<string, RtspSource> _sources = new(StringComparer.Ordinal);
    private readonly MediaServer _media;
    private readonly TransportFactory _transports;
    private readonly RtspOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IChannelEventSink? _events;

    public RtspSourceRegistry(MediaServer media, TransportFactory transports, IOptions<RtspOptions> options, ILoggerFactory loggers,
        TimeProvider time, IChannelEventSink? events = null)
    {
        _events = events;
        _media = media;
        _transports = transports;
        _options = options.Value;
        _logger = loggers.CreateLogger(RtspLog.Category);
        _time = time;
    }

    public IReadOnlyCollection<RtspSource> Sources => [.. _sources.Values];

    public RtspSource? Find(string channelId) => _sources.GetValueOrDefault(channelId);

    /// <summary>
    /// Creates the channel's router (camera codecs), lets <paramref name="configure"/> prepare it (e.g. its HLS
    /// options) before any media exists, and starts the source.
    /// </summary>
    public async Task<RtspSource> CreateAsync(string? channelId, RtspSourceSettings settings, Func<Router, Task>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var router = await _media.CreateRouterAsync(channelId, SupportedRtpCapabilities.CameraMediaCodecs).ConfigureAwait(false);
        try
        {
            if (configure is not null)
            {
                await configure(router).ConfigureAwait(false);
            }

            var source = new RtspSource(router, settings, _transports, _options, _logger, _time,
                stopped => _sources.TryRemove(new KeyValuePair<string, RtspSource>(stopped.ChannelId, stopped)), _events);
            _sources[router.Id] = source;
            await router.Worker.InvokeAsync(() => router.AddObserver(source)).ConfigureAwait(false);
            source.Start();
            return source;
        }
        catch
        {
            _sources.TryRemove(router.Id, out _);
            await router.CloseAsync().ConfigureAwait(false);
            throw;
        }
    }
}

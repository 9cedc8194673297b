using Broadcast.Ingest.Events;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Transports;
using Broadcast.Transcode.Muxing;
using Microsoft.Extensions.Logging;

namespace Broadcast.Transcode;

/// <summary>
/// A channel's HLS pipeline: when its router has a video and/or an audio producer, it creates paused plain consumers
/// towards 127.0.0.1 ports, writes the SDP describing exactly what they send, starts one supervised FFmpeg, and once
/// FFmpeg listens resumes the consumers and asks for key frames until the first segment exists (habit 10: start the
/// sink before the media). Observer callbacks run on the router's worker; so do the pipeline's own continuations.
/// </summary>
public sealed partial class HlsPipeline : IRouterObserver
{
    private readonly Router _router;
    private readonly MediaServer _media;
    private readonly TransportFactory _transports;
    private HlsOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Action<HlsPipeline> _onClosed;
    private readonly List<FeedStream> _feeds = [];
    private FfmpegSupervisor? _supervisor;
    private DirectFeed? _direct;
    private bool _muxerRefused;
    private volatile LowLatencyChannel? _live;
    private Task _work = Task.CompletedTask;
    private CancellationTokenSource _keyFrameLoop = new();
    private bool _rebuildQueued;
    private bool _rebuildForced;
    private bool _closing;
    private int _builds;
    private long? _continueAfter;
    private string _state = "idle";

    internal HlsPipeline(Router router, MediaServer media, TransportFactory transports, HlsOptions options, ILogger logger, TimeProvider time, Action<HlsPipeline> onClosed)
    {
        _router = router;
        _media = media;
        _transports = transports;
        _options = options;
        _logger = logger;
        _time = time;
        _onClosed = onClosed;
        OutputDirectory = Path.Combine(Path.GetFullPath(options.Root), router.Id);
        SdpPath = Path.Combine(Path.GetFullPath(options.WorkRoot), router.Id + ".sdp");
    }

    public string ChannelId => _router.Id;

    /// <summary>Where the FFmpeg's restarts are reported (ffmpeg.restarted, ffmpeg.failing); none when null.</summary>
    public IChannelEventSink? Events { get; init; }

    /// <summary>The channel's HLS settings: the configured ones, or a channel's own (set before its first producer).</summary>
    public HlsOptions Options
    {
        get => _options;
        internal set => _options = value;
    }
    public string OutputDirectory { get; }

    /// <summary>The channel's Low-Latency HLS output (fMP4 channels, once started), read by HTTP requests on any thread.</summary>
    public LowLatencyChannel? Live => _live;
    public string SdpPath { get; }

    public void OnProducerAdded(Producer producer) => QueueRebuild();

    public void OnProducerClosed(Producer producer)
    {
        if (_feeds.Exists(f => f.Producer == producer))
        {
            QueueRebuild();
        }
    }

    public Task OnRouterClosingAsync(Router router)
    {
        _closing = true;
        // The playlist ends (on disk too) before the router is gone, as FFmpeg's own did on 'q'.
        _work = ChainAsync(async () =>
        {
            await StopFeedAsync().ConfigureAwait(true);
            if (_live is { } live)
            {
                await live.EndAsync().ConfigureAwait(true);
            }
        });
        return _work;
    }

    public void OnRouterClosed(Router router)
    {
        _closing = true;
        _ = FinishCloseAsync();
    }

    private async Task FinishCloseAsync()
    {
        await ChainAsync(StopFeedAsync).ConfigureAwait(true);
        if (_live is { } live)
        {
            await live.CloseAsync().ConfigureAwait(true);
        }

        _onClosed(this);
    }

    /// <summary>The API's view; call on the router's worker.</summary>
    public HlsPipelineStatus Status()
    {
        var supervisor = _supervisor;
        var playlist = supervisor?.PlaylistStatus() ?? _live?.Status() ?? HlsFolder.Read(OutputDirectory, _time);
        var state = supervisor is null ? _state : supervisor.State switch
        {
            FfmpegState.Idle or FfmpegState.Starting => "starting",
            FfmpegState.Running => "running",
            FfmpegState.BackingOff => "backing-off",
            FfmpegState.Stopping => "stopping",
            _ => "stopped",
        };
        var resources = supervisor?.ReadResourceUse();
        return new HlsPipelineStatus(
            ChannelId,
            state,
            supervisor?.ProcessId,
            supervisor?.Restarts ?? 0,
            supervisor?.LastStderrLines ?? [],
            playlist.SegmentCount,
            playlist.NewestSegmentAge?.TotalSeconds,
            $"/hls/{ChannelId}/index.m3u8",
            [.. _feeds.Select(f => new HlsStreamStatus(f.Producer.Kind, f.Producer.MimeType, f.Stream.PayloadType, f.Stream.Port, f.Producer.Id, f.Consumer.Id))],
            supervisor?.LastExitAt,
            supervisor?.LastExitCode,
            _options.SegmentSeconds,
            _options.PlaylistSize,
            supervisor?.StderrLineCount ?? 0,
            _options.Format == HlsSegmentFormat.MpegTs ? "mpegts" : "fmp4",
            _options.Format == HlsSegmentFormat.MpegTs ? null : _options.PartSeconds,
            _direct is null ? "ffmpeg" : "appliance",
            _direct?.Muxer is { } muxer
                ? new HlsMuxerCounters(muxer.PicturesWritten, muxer.AudioFramesWritten, muxer.PacketsLost, muxer.PacketsDropped,
                    muxer.PicturesDropped, muxer.AudioFramesDropped)
                : null,
            supervisor?.Progress,
            resources?.CpuPercent,
            resources?.RssBytes);
    }

    private void ReportRestart(FfmpegRestartEvent restart) => Events?.Publish(new ChannelEvent(
        restart.Kind == FfmpegRestartKind.Failing ? ChannelEventTypes.FfmpegFailing : ChannelEventTypes.FfmpegRestarted, ChannelId, _time.GetUtcNow(),
        new Dictionary<string, string?>
        {
            ["restarts"] = restart.Restarts.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["lastExitCode"] = restart.LastExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["delaySeconds"] = restart.Delay.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }));

    // Producers often arrive one by one (audio, then video); a short settle time lets one FFmpeg start with both.
    private void QueueRebuild()
    {
        if (_closing || _rebuildQueued)
        {
            return;
        }

        _rebuildQueued = true;
        _work = ChainAsync(async () =>
        {
            if (!HasBothKinds())
            {
                await Task.Delay(SettleDelay, _time).ConfigureAwait(true);
            }

            _rebuildQueued = false;
            if (!_closing)
            {
                await RebuildAsync().ConfigureAwait(true);
            }
        });
    }

    /// <summary>How long to wait for a second producer before starting with one.</summary>
    public static TimeSpan SettleDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    private bool HasBothKinds() =>
        _router.Producers.Any(p => p.IsVideo) && _router.Producers.Any(p => !p.IsVideo);

    // Start/stop steps run one after another on the worker.
    private Task ChainAsync(Func<Task> step)
    {
        var previous = _work;
        return RunAfter(previous, step);

        static async Task RunAfter(Task previous, Func<Task> step)
        {
            try
            {
                await previous.ConfigureAwait(true);
            }
#pragma warning disable CA1031 // The previous step logged its own failure; the chain goes on.
            catch (Exception)
#pragma warning restore CA1031
            {
            }

            await step().ConfigureAwait(true);
        }
    }

    private async Task RebuildAsync()
    {
        var video = _router.Producers.Where(p => p.IsVideo && !p.IsClosed).OrderBy(p => p.CreatedAt).FirstOrDefault();
        var audio = _router.Producers.Where(p => !p.IsVideo && !p.IsClosed).OrderBy(p => p.CreatedAt).FirstOrDefault();
        if (!_rebuildForced && _feeds.Count > 0 && _feeds.Exists(f => f.Producer == video) == (video is not null)
            && _feeds.Exists(f => f.Producer == audio) == (audio is not null) && _feeds.Count == (video is null ? 0 : 1) + (audio is null ? 0 : 1))
        {
            return; // already feeding exactly these producers
        }

        _rebuildForced = false;
        await StopFeedAsync().ConfigureAwait(true);
        if (video is null && audio is null)
        {
            _state = "idle";
            if (_live is { } live)
            {
                await live.EndAsync().ConfigureAwait(true);
            }

            return;
        }

        // The channel goes on with other producers (a camera reconnected): its playlist must not look finished
        // while the next FFmpeg starts; that one appends after an EXT-X-DISCONTINUITY.
        HlsPlaylist.TryRemoveEndList(Path.Combine(OutputDirectory, HlsJob.PlaylistFileName));

        try
        {
            await StartFeedAsync(video, audio).ConfigureAwait(true);
        }
#pragma warning disable CA1031 // A pipeline that cannot start is reported in its status and logged; the router lives on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _state = "failed";
            LogStartFailed(_logger, ChannelId, ex);
            await StopFeedAsync().ConfigureAwait(true);
        }
    }

    private async Task StartFeedAsync(Producer? video, Producer? audio)
    {
        _state = "starting";
        if (_builds++ == 0)
        {
            _continueAfter = HlsFolder.LastSegmentNumber(OutputDirectory);
            ClearPreviousSession();
        }

        if (CanMuxDirectly(video, audio))
        {
            await StartDirectAsync(video, audio).ConfigureAwait(true);
            return;
        }

        foreach (var producer in new[] { video, audio })
        {
            if (producer is not null)
            {
                _feeds.Add(await CreateFeedAsync(producer).ConfigureAwait(true));
            }
        }

        var job = new HlsJob(ChannelId, SdpPath, OutputDirectory, [.. _feeds.Select(f => f.Stream)]);
        // A ladder is made of video: without it the channel has one rendition, and FFmpeg's outputs and the packager's
        // playlists must agree on that.
        var options = video is null && _options.Renditions.Count > 0 ? _options.With(null, null, renditions: []) : _options;
        var supervisor = new FfmpegSupervisor(job, options, _logger, _time)
        {
            Listening = OnFfmpegListeningAsync,
            MediaFlowing = IsMediaFlowing,
            RestartEvents = ReportRestart,
        };
        if (options.Format == HlsSegmentFormat.Fmp4)
        {
            if (_live is { } previous && previous.RenditionCount != Math.Max(options.Renditions.Count, 1))
            {
                // Video came or went on a channel with a ladder: a new set of playlists (a new session of URIs).
                await previous.CloseAsync().ConfigureAwait(true);
                _live = null;
            }

            // One packager for the pipeline's life: a new FFmpeg (restart or new producers) continues its playlist.
            var live = _live ??= new LowLatencyChannel(ChannelId, OutputDirectory, options, _time, _logger, _router.Worker, job.RenditionPipePath, TakeContinuation());
            supervisor.MediaOutput = live.ReadAsync;
            supervisor.StatusSource = live.Status;
        }

        _supervisor = supervisor;
        LogStarting(_logger, ChannelId, string.Join(", ", _feeds.Select(f => $"{f.Producer.Kind} {f.Producer.MimeType} → 127.0.0.1:{f.Stream.Port}")));
        await supervisor.StartAsync(CancellationToken.None).ConfigureAwait(true);
    }

    // A copied channel (H.264 and/or AAC, one rendition, fMP4) needs no FFmpeg: the appliance's own muxer packages it.
    private bool CanMuxDirectly(Producer? video, Producer? audio) =>
        _options is { Format: HlsSegmentFormat.Fmp4, Muxer: HlsMuxer.Auto, Renditions.Count: 0 } && !_muxerRefused
        && (video is not null || audio is not null)
        && new[] { video, audio }.All(p => p is null || MuxableStreams.IsMuxable(ConsumedCodec(p)));

    // What a consumer of the producer gets: the router's codec of its kind (without RTX), with the producer's parameters.
    private RtpCodecParameters ConsumedCodec(Producer producer) => producer.ConsumableRtpParameters.Codecs.First(c => !Ortc.IsRtx(c.MimeType));

    private async Task StartDirectAsync(Producer? video, Producer? audio)
    {
        var transport = await _transports.CreateDirectAsync(_router).ConfigureAwait(true);
        MuxVideoTrack? videoTrack = null;
        MuxAudioTrack? audioTrack = null;
        try
        {
            foreach (var producer in new[] { video, audio })
            {
                if (producer is null)
                {
                    continue;
                }

                var caps = new RtpCapabilities
                {
                    Codecs = [.. _router.RtpCapabilities.Codecs.Where(c => c.Kind == producer.Kind && !Ortc.IsRtx(c.MimeType))],
                    HeaderExtensions = [],
                };
                var consumer = await transport.ConsumeAsync(null, producer.Id, caps, paused: true).ConfigureAwait(true);
                var codec = consumer.RtpParameters.Codecs[0];
                if (producer.IsVideo)
                {
                    videoTrack = MuxableStreams.Video(consumer.Ssrc, codec);
                }
                else
                {
                    audioTrack = MuxableStreams.Audio(consumer.Ssrc, codec);
                }

                var stream = new SdpMediaStream(producer.IsVideo ? MediaKind.Video : MediaKind.Audio, 0, (byte)codec.PayloadType,
                    codec.MimeType[(codec.MimeType.IndexOf('/', StringComparison.Ordinal) + 1)..], codec.ClockRate, codec.Channels ?? 1, null);
                _feeds.Add(new FeedStream(producer, transport, consumer, stream));
            }
        }
        catch
        {
            _feeds.Clear();
            await transport.CloseAsync().ConfigureAwait(true);
            throw;
        }

        if (_live is { IsMultivariant: true } previous)
        {
            await previous.CloseAsync().ConfigureAwait(true);
            _live = null;
        }

        var live = _live ??= new LowLatencyChannel(ChannelId, OutputDirectory, _options, _time, _logger, _router.Worker, continueAfter: TakeContinuation());
        var muxer = new RtpFmp4Muxer(videoTrack, audioTrack, new MuxOutput(this, live), _time);
        transport.Sink = muxer;
        _direct = new DirectFeed(transport, muxer);
        LogStartingDirect(_logger, ChannelId, string.Join(", ", _feeds.Select(f => $"{f.Producer.Kind} {f.Producer.MimeType}")));
        foreach (var feed in _feeds)
        {
            await feed.Consumer.ResumeAsync().ConfigureAwait(true);
        }

        _state = "running";
        await _keyFrameLoop.CancelAsync().ConfigureAwait(true);
        _keyFrameLoop.Dispose();
        _keyFrameLoop = new CancellationTokenSource();
        _ = RequestKeyFramesAsync(0, _keyFrameLoop.Token);
    }

    // The muxer's runs go to the channel's packager; its requests come back to the pipeline (all on the worker).
    private sealed class MuxOutput(HlsPipeline pipeline, LowLatencyChannel live) : IMuxOutput
    {
        public Packaging.IFmp4Sink BeginRun() => live.BeginDirectRun();

        public void EndRun() => live.EndDirectRun();

        public void RequestKeyFrame()
        {
            foreach (var feed in pipeline._feeds)
            {
                if (feed.Producer.IsVideo)
                {
                    feed.Consumer.RequestKeyFrame();
                }
            }
        }

        public void Unsupported(string reason)
        {
            LogMuxerRefused(pipeline._logger, pipeline.ChannelId, reason);
            pipeline._muxerRefused = true;
            pipeline._rebuildForced = true;
            // Not from inside the consumer's send, which this call is on: the rebuild closes that consumer's transport.
            pipeline._router.Worker.Post(pipeline.QueueRebuild);
        }
    }

    private async Task<FeedStream> CreateFeedAsync(Producer producer)
    {
        var port = _media.Ports.ReserveLoopbackPair();
        try
        {
            var transport = await _transports.CreatePlainAsync(_router, null,
                new PlainTransportOptions { ListenIp = "127.0.0.1", RtcpMux = false }).ConfigureAwait(true);
            await transport.ConnectAsync("127.0.0.1", port, port + 1).ConfigureAwait(true);
            // FFmpeg cannot demultiplex RTX: offer the router's codecs of this kind without it.
            var caps = new RtpCapabilities
            {
                Codecs = [.. _router.RtpCapabilities.Codecs.Where(c => c.Kind == producer.Kind && !Ortc.IsRtx(c.MimeType))],
                HeaderExtensions = [],
            };
            var consumer = await transport.ConsumeAsync(null, producer.Id, caps, paused: true).ConfigureAwait(true);
            var codec = consumer.RtpParameters.Codecs[0];
            var fmtp = codec.Parameters.Count == 0 ? null : CodecParameters.ToFmtp(codec.Parameters);
            var stream = new SdpMediaStream(producer.IsVideo ? MediaKind.Video : MediaKind.Audio, port, (byte)codec.PayloadType,
                codec.MimeType[(codec.MimeType.IndexOf('/', StringComparison.Ordinal) + 1)..], codec.ClockRate, codec.Channels ?? 1, fmtp);
            return new FeedStream(producer, transport, consumer, stream);
        }
        catch
        {
            _media.Ports.Release(port);
            _media.Ports.Release(port + 1);
            throw;
        }
    }

    // FFmpeg (re)started and bound its ports: resume the consumers (a paused-then-resumed video consumer waits for a
    // key frame, so FFmpeg's first packets decode) and ask for key frames every segment duration: until a new segment
    // appears, and for the whole session when H.264 is copied, because segments can only be cut at the publisher's key
    // frames and browsers (OpenH264) send one only when asked.
    private Task OnFfmpegListeningAsync(CancellationToken cancellationToken) => _router.Worker.RunAsync(async () =>
    {
        var segmentsAtStart = _supervisor?.PlaylistStatus().SegmentCount ?? 0;
        foreach (var feed in _feeds)
        {
            await feed.Consumer.PauseAsync().ConfigureAwait(true);
            await feed.Consumer.ResumeAsync().ConfigureAwait(true);
        }

        _state = "running";
        await _keyFrameLoop.CancelAsync().ConfigureAwait(true);
        _keyFrameLoop.Dispose();
        _keyFrameLoop = new CancellationTokenSource();
        _ = RequestKeyFramesAsync(segmentsAtStart, _keyFrameLoop.Token);
        return true;
    });

    private async Task RequestKeyFramesAsync(int segmentsAtStart, CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromSeconds(_options.SegmentSeconds);
        var copiesVideo = _feeds.Exists(f => f.Producer.IsVideo && f.Stream.EncodingName.Equals("H264", StringComparison.OrdinalIgnoreCase));
        try
        {
            while (!cancellationToken.IsCancellationRequested
                && (_direct is not null ? copiesVideo : _supervisor is { } supervisor && (copiesVideo || supervisor.PlaylistStatus().SegmentCount <= segmentsAtStart)))
            {
                foreach (var feed in _feeds)
                {
                    feed.Consumer.RequestKeyFrame();
                }

                await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(true);
            }
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
    }

    // Read from the supervisor's thread: a stale tick count only delays stall detection by one check.
    private bool IsMediaFlowing()
    {
        var now = _time.GetTimestamp();
        var window = _time.TimestampFrequency * 2;
        foreach (var feed in _feeds)
        {
            var last = feed.Consumer.LastPacketTicks;
            if (last != 0 && now - last < window)
            {
                return true;
            }
        }

        return false;
    }

    private async Task StopFeedAsync()
    {
        await _keyFrameLoop.CancelAsync().ConfigureAwait(true);
        if (_supervisor is { } supervisor)
        {
            _supervisor = null;
            _state = "stopping";
            await supervisor.StopAsync().ConfigureAwait(true);
            await supervisor.DisposeAsync().ConfigureAwait(true);
        }

        if (_direct is { } direct)
        {
            _direct = null;
            direct.Muxer.End();
            _state = "stopping";
        }

        foreach (var feed in _feeds)
        {
            await feed.Transport.CloseAsync().ConfigureAwait(true);
            if (feed.Stream.Port != 0)
            {
                _media.Ports.Release(feed.Stream.Port);
                _media.Ports.Release(feed.Stream.Port + 1);
            }
        }

        _feeds.Clear();
        _state = _closing ? "stopped" : "idle";
    }

    // The earlier session's numbering is continued once, by the session's first playlists.
    private long? TakeContinuation()
    {
        var last = _continueAfter;
        _continueAfter = null;
        return last;
    }

    // A new session of the channel starts a fresh folder (its segment numbers go on after the old ones); restarts within
    // a session continue the old playlist.
    private void ClearPreviousSession()
    {
        try
        {
            if (Directory.Exists(OutputDirectory))
            {
                Directory.Delete(OutputDirectory, recursive: true);
            }
        }
        catch (IOException ex)
        {
            LogClearFailed(_logger, ChannelId, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            LogClearFailed(_logger, ChannelId, ex);
        }
    }

    private sealed record FeedStream(Producer Producer, Transport Transport, Consumer Consumer, SdpMediaStream Stream);

    private sealed record DirectFeed(DirectTransport Transport, RtpFmp4Muxer Muxer);

    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "Channel {ChannelId}: starting HLS with {Streams}")]
    private static partial void LogStarting(ILogger logger, string channelId, string streams);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "Channel {ChannelId}: packaging HLS in the appliance (no FFmpeg) from {Streams}")]
    private static partial void LogStartingDirect(ILogger logger, string channelId, string streams);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "Channel {ChannelId}: the appliance's muxer cannot package this stream ({Reason}); FFmpeg takes over")]
    private static partial void LogMuxerRefused(ILogger logger, string channelId, string reason);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Error, Message = "Channel {ChannelId}: HLS pipeline failed to start")]
    private static partial void LogStartFailed(ILogger logger, string channelId, Exception exception);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Channel {ChannelId}: could not clear the previous session's HLS folder")]
    private static partial void LogClearFailed(ILogger logger, string channelId, Exception exception);
}

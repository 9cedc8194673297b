using System.Globalization;
using Broadcast.Api.Channels;
using Broadcast.Api.Hls;
using Broadcast.Api.State;
using Broadcast.Ingest.Routing;
using Broadcast.Transcode;
using Prometheus;

namespace Broadcast.Api.Metrics;

/// <summary>
/// The appliance's registry of Prometheus metrics, one per appliance (several may run in one process, as in tests). It
/// depends on nothing, so the request pipeline can use it while it is built.
/// </summary>
public sealed class MetricsRegistry
{
    public CollectorRegistry Registry { get; } = Prometheus.Metrics.NewCustomRegistry();
}

/// <summary>
/// The appliance's Prometheus metrics, in its own registry (several appliances may run in one process, as in tests).
/// Nothing is counted on the packet path: channels' counters are read from their routers at scrape time, one worker
/// hop per channel, and series of channels that ended are removed. Jobs count as they record their runs.
/// </summary>
public sealed class BroadcastMetrics
{
    private static readonly string[] ChannelLabel = ["channel"];

    private readonly MediaServer _media;
    private readonly IHlsPipelineRegistry _pipelines;
    private readonly HlsViewerTracker _hlsAudience;
    private readonly Dictionary<string, Collector> _channelCollectors = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _scrape = new(1, 1);

    private readonly Counter _bytesIn;
    private readonly Counter _packetsIn;
    private readonly Counter _packetsLost;
    private readonly Counter _keyFramesIn;
    private readonly Counter _keyFrameRequests;
    private readonly Counter _nackRecovered;
    private readonly Counter _nackGivenUp;
    private readonly Gauge _producers;
    private readonly Gauge _viewers;
    private readonly Gauge _hlsViewers;
    private readonly Counter _bytesOut;
    private readonly Counter _packetsOut;
    private readonly Counter _viewerNacks;
    private readonly Counter _viewerKeyFrameRequests;
    private readonly Gauge _ffmpegRunning;
    private readonly Counter _ffmpegRestarts;
    private readonly Gauge _ffmpegSpeed;
    private readonly Gauge _ffmpegFps;
    private readonly Counter _ffmpegDroppedFrames;
    private readonly Gauge _ffmpegCpu;
    private readonly Gauge _ffmpegRss;
    private readonly Gauge _segments;
    private readonly Gauge _newestSegmentAge;
    private readonly Gauge _muxerAppliance;
    private readonly Gauge _workerLag;
    private readonly Counter _workerItems;
    private readonly Gauge _workerRouters;
    private readonly Gauge _channels;
    private readonly Gauge _portsInUse;
    private readonly Counter _jobRuns;
    private readonly Counter _jobBytesDeleted;
    private readonly Counter _jobActions;
    private readonly Gauge _jobLastDuration;
    private readonly ProcessMetrics _process;

    public BroadcastMetrics(MetricsRegistry registry, MediaServer media, IHlsPipelineRegistry pipelines, HlsViewerTracker hlsAudience)
    {
        _media = media;
        _pipelines = pipelines;
        _hlsAudience = hlsAudience;
        Registry = registry.Registry;
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);

        _bytesIn = ChannelCounter(factory, "broadcast_channel_ingest_bytes_total", "RTP payload and header bytes received from the channel's publisher or camera.");
        _packetsIn = ChannelCounter(factory, "broadcast_channel_ingest_packets_total", "RTP packets received from the channel's publisher or camera.");
        _packetsLost = ChannelCounter(factory, "broadcast_channel_ingest_packets_lost_total", "RTP packets lost on the way in (RFC 3550 cumulative loss).");
        _keyFramesIn = ChannelCounter(factory, "broadcast_channel_ingest_key_frames_total", "Key frames received.");
        _keyFrameRequests = ChannelCounter(factory, "broadcast_channel_key_frame_requests_total", "Key-frame requests (PLI/FIR) sent to the publisher.");
        _nackRecovered = ChannelCounter(factory, "broadcast_channel_nack_recovered_total", "Lost ingest packets recovered by NACK.");
        _nackGivenUp = ChannelCounter(factory, "broadcast_channel_nack_given_up_total", "Lost ingest packets NACKed in vain.");
        _producers = ChannelGauge(factory, "broadcast_channel_producers", "Producers (tracks) on the channel.");
        _viewers = ChannelGauge(factory, "broadcast_channel_realtime_viewers", "Real-time viewers: WebRTC transports with a consumer (WHEP, mediasoup-client).");
        _hlsViewers = ChannelGauge(factory, "broadcast_channel_hls_viewers", "HLS viewers: distinct clients (address and User-Agent) that loaded a playlist in the last 15 s.");
        _bytesOut = ChannelCounter(factory, "broadcast_channel_realtime_bytes_total", "Bytes sent to real-time viewers.");
        _packetsOut = ChannelCounter(factory, "broadcast_channel_realtime_packets_total", "Packets sent to real-time viewers.");
        _viewerNacks = ChannelCounter(factory, "broadcast_channel_realtime_nacked_packets_total", "Packets real-time viewers asked to be resent.");
        _viewerKeyFrameRequests = ChannelCounter(factory, "broadcast_channel_realtime_key_frame_requests_total", "Key-frame requests from real-time viewers.");
        _ffmpegRunning = ChannelGauge(factory, "broadcast_channel_ffmpeg_running", "1 while the channel's FFmpeg runs, else 0 (none, or the appliance's own muxer).");
        _ffmpegRestarts = ChannelCounter(factory, "broadcast_channel_ffmpeg_restarts_total", "Unexpected FFmpeg exits that were restarted.");
        _ffmpegSpeed = ChannelGauge(factory, "broadcast_channel_ffmpeg_speed", "Media time FFmpeg writes per second of wall-clock time (below 1 it falls behind a live source).");
        _ffmpegFps = ChannelGauge(factory, "broadcast_channel_ffmpeg_fps", "Video frames a second FFmpeg writes, averaged over its run.");
        _ffmpegDroppedFrames = ChannelCounter(factory, "broadcast_channel_ffmpeg_dropped_frames_total", "Frames FFmpeg dropped (frame rate conversion); from zero again when FFmpeg restarts.");
        _ffmpegCpu = ChannelGauge(factory, "broadcast_channel_ffmpeg_cpu_percent", "FFmpeg's CPU use in percent of one core since the previous reading.");
        _ffmpegRss = ChannelGauge(factory, "broadcast_channel_ffmpeg_rss_bytes", "FFmpeg's resident memory.");
        _segments = ChannelGauge(factory, "broadcast_channel_hls_segments", "HLS segments the channel's playlist lists.");
        _newestSegmentAge = ChannelGauge(factory, "broadcast_channel_hls_newest_segment_age_seconds", "Age of the channel's newest HLS segment.");
        _muxerAppliance = ChannelGauge(factory, "broadcast_channel_hls_appliance_muxer", "1 when the appliance's own muxer packages the channel (no FFmpeg), else 0.");
        _workerLag = factory.CreateGauge("broadcast_worker_loop_lag_seconds", "How long an item posted at scrape time waited for the worker loop.",
            new GaugeConfiguration { LabelNames = ["worker"] });
        _workerItems = factory.CreateCounter("broadcast_worker_items_total", "Work items the worker loop executed.",
            new CounterConfiguration { LabelNames = ["worker"] });
        _workerRouters = factory.CreateGauge("broadcast_worker_routers", "Routers (channels) on the worker.",
            new GaugeConfiguration { LabelNames = ["worker"] });
        _channels = factory.CreateGauge("broadcast_channels", "Live channels (routers) on this appliance.");
        _portsInUse = factory.CreateGauge("broadcast_media_ports_in_use", "UDP ports of the media range in use.");
        _jobRuns = factory.CreateCounter("broadcast_job_runs_total", "Runs of the recurring jobs on this appliance.",
            new CounterConfiguration { LabelNames = ["job"] });
        _jobBytesDeleted = factory.CreateCounter("broadcast_job_deleted_bytes_total", "Bytes the recurring jobs deleted.",
            new CounterConfiguration { LabelNames = ["job"] });
        _jobActions = factory.CreateCounter("broadcast_job_actions_total", "What the recurring jobs did: segments deleted, transports closed, processes killed.",
            new CounterConfiguration { LabelNames = ["job", "action", "reason"] });
        _jobLastDuration = factory.CreateGauge("broadcast_job_last_run_duration_seconds", "How long the job's last run took.",
            new GaugeConfiguration { LabelNames = ["job"] });

        _process = new ProcessMetrics(factory);
        Registry.AddBeforeCollectCallback(CollectAsync);
    }

    public CollectorRegistry Registry { get; }

    /// <summary>Counts a recorded job run.</summary>
    public void JobRan(JobRunRecord run)
    {
        _jobRuns.WithLabels(run.Job).Inc();
        _jobLastDuration.WithLabels(run.Job).Set(run.Duration.TotalSeconds);
        long bytes = 0;
        foreach (var action in run.Actions)
        {
            bytes += action.Bytes;
            _jobActions.WithLabels(run.Job, action.Action, action.Reason).Inc();
        }

        // A counter created at first use: a job that deletes nothing still shows 0.
        _jobBytesDeleted.WithLabels(run.Job).Inc(bytes);
    }

    private Counter ChannelCounter(IMetricFactory factory, string name, string help)
    {
        var counter = factory.CreateCounter(name, help, new CounterConfiguration { LabelNames = ChannelLabel });
        _channelCollectors[name] = counter;
        return counter;
    }

    private Gauge ChannelGauge(IMetricFactory factory, string name, string help)
    {
        var gauge = factory.CreateGauge(name, help, new GaugeConfiguration { LabelNames = ChannelLabel });
        _channelCollectors[name] = gauge;
        return gauge;
    }

    private async Task CollectAsync(CancellationToken cancellationToken)
    {
        // Two scrapes at once would interleave their updates of the same series.
        await _scrape.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _process.Update();
            // One hop per worker loop reads all of its channels, and tells how long the loop took to get to it.
            var visits = await WorkerVisits.ReadAllAsync(_media, r => (Sample: ChannelSample.Read(r), Hls: _pipelines.StatusOnWorker(r.Id)),
                cancellationToken).ConfigureAwait(false);
            var live = new HashSet<string>(StringComparer.Ordinal);
            foreach (var visit in visits)
            {
                live.UnionWith(visit.Unvisited.Select(r => r.Id)); // not answering: its channels keep their last values
                var label = visit.Worker.Index.ToString(CultureInfo.InvariantCulture);
                _workerLag.WithLabels(label).Set(visit.Lag.TotalSeconds);
                SetCounter(_workerItems, label, visit.Worker.ExecutedItems);
                _workerRouters.WithLabels(label).Set(visit.Worker.RouterCount);
                foreach (var (channel, reading) in visit.Channels ?? [])
                {
                    live.Add(channel);
                    Apply(channel, reading.Sample, reading.Hls);
                }
            }

            _channels.Set(live.Count);
            _portsInUse.Set(_media.Ports.InUseCount);
            RemoveEnded(live);
        }
        finally
        {
            _scrape.Release();
        }
    }

    private void Apply(string channel, ChannelSample sample, HlsPipelineStatus? hls)
    {
        SetCounter(_bytesIn, channel, sample.BytesIn);
        SetCounter(_packetsIn, channel, sample.PacketsIn);
        SetCounter(_packetsLost, channel, sample.PacketsLost);
        SetCounter(_keyFramesIn, channel, sample.KeyFramesIn);
        SetCounter(_keyFrameRequests, channel, sample.KeyFrameRequestsSent);
        SetCounter(_nackRecovered, channel, sample.NackRecovered);
        SetCounter(_nackGivenUp, channel, sample.NackGivenUp);
        _producers.WithLabels(channel).Set(sample.Producers);
        _viewers.WithLabels(channel).Set(sample.RealTimeViewers);
        _hlsViewers.WithLabels(channel).Set(_hlsAudience.Count(channel));
        SetCounter(_bytesOut, channel, sample.BytesOut);
        SetCounter(_packetsOut, channel, sample.PacketsOut);
        SetCounter(_viewerNacks, channel, sample.ViewerNackedPackets);
        SetCounter(_viewerKeyFrameRequests, channel, sample.ViewerKeyFrameRequests);
        if (hls is null)
        {
            return;
        }

        _ffmpegRunning.WithLabels(channel).Set(hls.ProcessId is null ? 0 : 1);
        SetCounter(_ffmpegRestarts, channel, hls.Restarts);
        _segments.WithLabels(channel).Set(hls.SegmentCount);
        if (hls.NewestSegmentAgeSeconds is { } age)
        {
            _newestSegmentAge.WithLabels(channel).Set(age);
        }

        _muxerAppliance.WithLabels(channel).Set(hls.Muxer == "appliance" ? 1 : 0);
        SetOrRemove(_ffmpegSpeed, channel, hls.Progress?.Speed);
        SetOrRemove(_ffmpegFps, channel, hls.Progress?.Fps);
        SetOrRemove(_ffmpegCpu, channel, hls.FfmpegCpuPercent);
        SetOrRemove(_ffmpegRss, channel, hls.FfmpegRssBytes);
        if (hls.Progress?.DroppedFrames is { } dropped)
        {
            SetCounter(_ffmpegDroppedFrames, channel, dropped);
        }
    }

    // What FFmpeg does not tell now (none runs, or no progress yet) is no sample, rather than the last one of a
    // process that may have gone.
    private static void SetOrRemove(Gauge gauge, string label, double? value)
    {
        if (value is { } known)
        {
            gauge.WithLabels(label).Set(known);
        }
        else
        {
            gauge.RemoveLabelled(label);
        }
    }

    // Counters mirror counts the routers keep; a channel recreated under the same id starts again from zero, which
    // Prometheus reads as a counter reset.
    private static void SetCounter(Counter counter, string label, double value)
    {
        var child = counter.WithLabels(label);
        if (value < child.Value)
        {
            counter.RemoveLabelled(label);
            child = counter.WithLabels(label);
        }

        child.IncTo(value);
    }

    private void RemoveEnded(HashSet<string> live)
    {
        foreach (var collector in _channelCollectors.Values)
        {
            switch (collector)
            {
                case Counter counter:
                    foreach (var labels in counter.GetAllLabelValues().Where(l => !live.Contains(l[0])).ToList())
                    {
                        counter.RemoveLabelled(labels);
                    }

                    break;
                case Gauge gauge:
                    foreach (var labels in gauge.GetAllLabelValues().Where(l => !live.Contains(l[0])).ToList())
                    {
                        gauge.RemoveLabelled(labels);
                    }

                    break;
            }
        }
    }
}

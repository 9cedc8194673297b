namespace Broadcast.Transcode;

/// <summary>A channel's HLS pipeline as the API shows it.</summary>
/// <param name="ChannelId">The channel (router) id.</param>
/// <param name="State">idle (no producer yet), starting, running, backing-off, stopping or stopped.</param>
/// <param name="ProcessId">FFmpeg's pid while it runs.</param>
/// <param name="Restarts">Unexpected FFmpeg exits that were restarted.</param>
/// <param name="LastStderrLines">FFmpeg's last stderr lines, oldest first.</param>
/// <param name="SegmentCount">Segments in the output folder.</param>
/// <param name="NewestSegmentAgeSeconds">Age of the newest segment, null before the first.</param>
/// <param name="PlaylistPath">URL path of the playlist, e.g. /hls/cam1/index.m3u8.</param>
/// <param name="Streams">What FFmpeg is fed: kind, codec and the consumer id of each stream.</param>
/// <param name="LastExitAt">When FFmpeg last exited.</param>
/// <param name="LastExitCode">Its exit code then.</param>
/// <param name="SegmentSeconds">The channel's target segment duration.</param>
/// <param name="PlaylistSize">Segments its live playlist lists.</param>
/// <param name="StderrLineCount">Every line FFmpeg printed for this channel, over all its runs.</param>
/// <param name="Format">"fmp4" (Low-Latency HLS from the packager) or "mpegts" (classic HLS written by FFmpeg).</param>
/// <param name="PartTargetSeconds">PART-TARGET of a Low-Latency channel, else null.</param>
/// <param name="Muxer">"ffmpeg", or "appliance" when the appliance's own muxer packages the copied media (no FFmpeg runs).</param>
/// <param name="MuxerCounters">The appliance muxer's counts while it runs, else null.</param>
/// <param name="Progress">FFmpeg's last progress report (fps, bitrate, speed, frames), null before its first or when none runs.</param>
/// <param name="FfmpegCpuPercent">FFmpeg's CPU use in percent of one core, averaged since the previous status read; null when none runs.</param>
/// <param name="FfmpegRssBytes">FFmpeg's resident memory; null when none runs.</param>
public sealed record HlsPipelineStatus(
    string ChannelId,
    string State,
    int? ProcessId,
    int Restarts,
    IReadOnlyList<string> LastStderrLines,
    int SegmentCount,
    double? NewestSegmentAgeSeconds,
    string PlaylistPath,
    IReadOnlyList<HlsStreamStatus> Streams,
    DateTimeOffset? LastExitAt,
    int? LastExitCode,
    double SegmentSeconds,
    int PlaylistSize,
    long StderrLineCount = 0,
    string Format = "fmp4",
    double? PartTargetSeconds = null,
    string Muxer = "ffmpeg",
    HlsMuxerCounters? MuxerCounters = null,
    FfmpegProgress? Progress = null,
    double? FfmpegCpuPercent = null,
    long? FfmpegRssBytes = null);

/// <summary>What the appliance's RTP → fMP4 muxer wrote and dropped since the channel's muxer run began.</summary>
/// <param name="PicturesWritten">Video access units written.</param>
/// <param name="AudioFramesWritten">AAC frames written.</param>
/// <param name="PacketsLost">RTP packets given up as lost by the reorder buffers.</param>
/// <param name="PacketsDropped">Packets refused before depacketising: malformed, unknown SSRC, late or duplicate.</param>
/// <param name="PicturesDropped">Pictures dropped: damaged, or waiting for a key frame after damage or at the start.</param>
/// <param name="AudioFramesDropped">Audio frames dropped: before the first picture, or behind the timeline.</param>
public sealed record HlsMuxerCounters(long PicturesWritten, long AudioFramesWritten, long PacketsLost, long PacketsDropped,
    long PicturesDropped, long AudioFramesDropped);

/// <summary>One stream fed to FFmpeg (its loopback port) or to the appliance's muxer (port 0).</summary>
public sealed record HlsStreamStatus(string Kind, string MimeType, int PayloadType, int Port, string ProducerId, string ConsumerId);

/// <summary>Looks up pipelines by channel id; implemented by the pipeline manager.</summary>
public interface IHlsPipelineRegistry
{
    /// <summary>
    /// The channel's pipeline as its worker sees it; null when the channel has no pipeline here. Throws
    /// <see cref="Ingest.Routing.WorkerTimeoutException"/> when the worker does not answer in time and
    /// <see cref="Ingest.Routing.WorkerClosedException"/> when it stopped: neither means "no pipeline".
    /// </summary>
    Task<HlsPipelineStatus?> GetAsync(string channelId, CancellationToken cancellationToken = default);

    /// <summary>The channel's pipeline, or null; call on the channel's worker (a caller that is there already saves a hop).</summary>
    HlsPipelineStatus? StatusOnWorker(string channelId);

    /// <summary>Every pipeline here, read on their workers; throws as <see cref="GetAsync"/> does.</summary>
    Task<IReadOnlyCollection<HlsPipelineStatus>> AllAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives a channel HLS settings of its own, before it has media: a segment duration and playlist length other
    /// than the configured ones, or the other segment format. False when the channel has no pipeline.
    /// </summary>
    Task<bool> ConfigureAsync(string channelId, double? segmentSeconds, int? playlistSize, HlsSegmentFormat? format = null,
        IReadOnlyList<HlsRendition>? renditions = null);

    /// <summary>The channel's live Low-Latency HLS output, or null (no pipeline, a classic channel, or not started).</summary>
    LowLatencyChannel? FindLive(string channelId);
}

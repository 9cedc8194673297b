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
    int? LastExitCode);

/// <summary>One stream fed to FFmpeg.</summary>
public sealed record HlsStreamStatus(string Kind, string MimeType, int PayloadType, int Port, string ProducerId, string ConsumerId);

/// <summary>Looks up pipelines by channel id; implemented by the pipeline manager.</summary>
public interface IHlsPipelineRegistry
{
    HlsPipelineStatus? Get(string channelId);

    IReadOnlyCollection<HlsPipelineStatus> All();
}

namespace Broadcast.Transcode;

/// <summary>One channel's RTP → HLS conversion: where the SDP goes, where the playlist goes, what the SDP holds.</summary>
/// <param name="ChannelId">The channel (router) id; also names the FFmpeg log file, so it must be a plain file name.</param>
/// <param name="SdpPath">Where the SDP file is written for FFmpeg (usually under <see cref="HlsOptions.WorkRoot"/>).</param>
/// <param name="OutputDirectory">The channel's folder: <c>index.m3u8</c> and <c>seg_NNNNN.ts</c>.</param>
/// <param name="Streams">At most one audio and one video stream, as the consumers send them.</param>
public sealed record HlsJob(string ChannelId, string SdpPath, string OutputDirectory, IReadOnlyList<SdpMediaStream> Streams)
{
    /// <summary>The playlist file name inside <see cref="OutputDirectory"/>.</summary>
    public const string PlaylistFileName = "index.m3u8";

    /// <summary>FFmpeg's segment name template; five digits keep names sortable for days of 2 s segments.</summary>
    public const string SegmentFileTemplate = "seg_%05d.ts";

    /// <summary>Full path of the playlist.</summary>
    public string PlaylistPath => Path.Combine(OutputDirectory, PlaylistFileName);

    /// <summary>The FIFO a rendition after the first is written to (beside the SDP file).</summary>
    public string RenditionPipePath(string rendition) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(SdpPath)) ?? ".", $"{ChannelId}.{rendition}.fifo");
}

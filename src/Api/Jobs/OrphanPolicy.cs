namespace Broadcast.Api.Jobs;

/// <summary>What the cleanup job's file and process sweeps see of the channels: which run here and which are defined.</summary>
/// <param name="Live">Channels with an open router on this appliance.</param>
/// <param name="Defined">Channels defined in the store (possibly running on another appliance).</param>
public sealed record ChannelPresence(IReadOnlySet<string> Live, IReadOnlySet<string> Defined)
{
    public bool IsKnown(string channelId) => Live.Contains(channelId) || Defined.Contains(channelId);
}

/// <summary>
/// Which left-overs the cleanup job removes, as pure code: FFmpeg processes no pipeline owns, SDP files and FFmpeg
/// logs of channels that are gone, and HLS folders nothing has written to for the grace period of channels that are
/// neither live here nor defined (another appliance sharing the folder still writes to a channel it runs).
/// </summary>
public static class OrphanPolicy
{
    /// <summary>An SDP file without a pipeline is left alone this long: the pipeline may be writing it right now.</summary>
    public static readonly TimeSpan SdpGrace = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether FFmpeg process <paramref name="processId"/> of a channel is an orphan, given the channel's pipeline: none,
    /// or one running another process. A pipeline that is (re)starting has no pid yet and owns the process.
    /// </summary>
    public static bool IsOrphanProcess(int processId, bool hasPipeline, int? pipelineProcessId) =>
        !hasPipeline || (pipelineProcessId is { } owned && owned != processId);

    /// <summary>Whether a file in the work folder goes: an old SDP file with no pipeline, or an old log of a channel that is gone.</summary>
    public static bool IsOrphanFile(string fileName, DateTimeOffset lastWrite, Func<string, bool> hasPipeline, ChannelPresence channels,
        TimeSpan deletedChannelGrace, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(hasPipeline);
        ArgumentNullException.ThrowIfNull(channels);
        if (fileName.EndsWith(".sdp", StringComparison.Ordinal))
        {
            return !hasPipeline(fileName[..^4]) && now - lastWrite > SdpGrace;
        }

        return fileName.EndsWith(FfmpegLogSuffix, StringComparison.Ordinal) && !channels.IsKnown(fileName[..^FfmpegLogSuffix.Length])
            && now - lastWrite > deletedChannelGrace;
    }

    /// <summary>Whether a channel's HLS folder goes, given the newest write to any file in it.</summary>
    public static bool IsOrphanFolder(string channelId, DateTimeOffset newestWrite, ChannelPresence channels, TimeSpan deletedChannelGrace,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(channels);
        return !channels.IsKnown(channelId) && now - newestWrite > deletedChannelGrace;
    }

    /// <summary>The channel a work-folder file belongs to.</summary>
    public static string ChannelOf(string fileName) => fileName.EndsWith(FfmpegLogSuffix, StringComparison.Ordinal)
        ? fileName[..^FfmpegLogSuffix.Length]
        : Path.GetFileNameWithoutExtension(fileName);

    private const string FfmpegLogSuffix = ".ffmpeg.log";
}

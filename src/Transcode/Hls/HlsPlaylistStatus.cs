namespace Broadcast.Transcode;

/// <summary>What a channel's HLS folder shows right now.</summary>
/// <param name="PlaylistExists">Whether <c>index.m3u8</c> exists.</param>
/// <param name="SegmentCount">Segments the playlist lists (its live window).</param>
/// <param name="NewestSegmentAge">Time since the newest listed segment was written, or null when there is none.</param>
/// <param name="HasFirstSegment">Whether at least one listed segment exists on disk, so a player can start.</param>
public sealed record HlsPlaylistStatus(bool PlaylistExists, int SegmentCount, TimeSpan? NewestSegmentAge, bool HasFirstSegment)
{
    /// <summary>The status of a folder without a playlist.</summary>
    public static readonly HlsPlaylistStatus Missing = new(false, 0, null, false);

    /// <summary>The file name of the newest listed segment, or null; it changes each time FFmpeg adds a segment.</summary>
    public string? NewestSegmentName { get; init; }
}

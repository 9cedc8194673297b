using Broadcast.Transcode.Tests.Support;

namespace Broadcast.Transcode.Tests;

public class HlsPlaylistTests
{
    private const string Live =
        "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:3\n#EXT-X-INDEPENDENT-SEGMENTS\n" +
        "#EXTINF:2.000000,\nseg_00003.ts\n#EXTINF:2.000000,\nseg_00004.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:2.000000,\nseg_00005.ts\n";

    [Fact]
    public void Segment_uris_are_the_lines_that_are_not_tags()
    {
        Assert.Equal(["seg_00003.ts", "seg_00004.ts", "seg_00005.ts"], HlsPlaylist.SegmentUris(Live));
        Assert.Equal(["a.ts"], HlsPlaylist.SegmentUris("#EXTM3U\r\n#EXTINF:2,\r\na.ts\r\n"));
    }

    [Fact]
    public void End_list_is_recognised_only_as_the_last_line()
    {
        Assert.False(HlsPlaylist.HasEndList(Live));
        Assert.True(HlsPlaylist.HasEndList(Live + "#EXT-X-ENDLIST\n"));
        Assert.True(HlsPlaylist.HasEndList(Live + "#EXT-X-ENDLIST"));
        Assert.False(HlsPlaylist.HasEndList("#EXT-X-ENDLIST\nseg_00009.ts\n"));
    }

    [Fact]
    public void End_list_is_appended_once_to_a_playlist_a_killed_FFmpeg_left_open()
    {
        using var folder = new TempDirectory();
        var path = folder.Combine("index.m3u8");
        File.WriteAllText(path, Live.TrimEnd('\n'));

        Assert.True(HlsPlaylist.TryAppendEndList(path));
        Assert.False(HlsPlaylist.TryAppendEndList(path));
        Assert.Equal(Live + "#EXT-X-ENDLIST\n", File.ReadAllText(path));
        Assert.False(HlsPlaylist.TryAppendEndList(folder.Combine("missing.m3u8")));
    }

    [Fact]
    public void End_list_is_removed_from_a_playlist_that_goes_on_and_nothing_else_changes()
    {
        using var folder = new TempDirectory();
        var path = folder.Combine("index.m3u8");
        File.WriteAllText(path, Live + "#EXT-X-ENDLIST\n");

        Assert.True(HlsPlaylist.TryRemoveEndList(path));
        Assert.False(HlsPlaylist.TryRemoveEndList(path));
        Assert.Equal(Live, File.ReadAllText(path));
        Assert.False(File.Exists(path + ".tmp"));
        Assert.False(HlsPlaylist.TryRemoveEndList(folder.Combine("missing.m3u8")));
    }
}

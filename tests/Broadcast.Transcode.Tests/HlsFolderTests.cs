using Broadcast.Transcode.Tests.Support;

namespace Broadcast.Transcode.Tests;

public sealed class HlsFolderTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private readonly TempDirectory _folder = new();
    private readonly ManualTimeProvider _time = new(Now);

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(new string[0], null)]
    [InlineData(new[] { "index.m3u8", "index_init1.mp4", "seg_3.ts" }, null)]
    [InlineData(new[] { "index_a1b2_0.m4s", "index_a1b2_17.m4s", "index_a1b2_9.m4s" }, 17L)]
    [InlineData(new[] { "720p_ab_5.m4s", "360p_ab_6.m4s", "index_cd_init2.mp4" }, 6L)]
    [InlineData(new[] { "index_ab_.m4s", "index_ab_x1.m4s", "_4.m4s", "index_ab_99999999999999999999.m4s", "index_ab_3.m4s" }, 3L)]
    public void The_last_segment_number_of_a_folder_is_read_from_fmp4_segment_names_only(string[] names, long? last) =>
        Assert.Equal(last, HlsFolder.LastSegmentNumber(names));

    [Fact]
    public void A_folder_that_does_not_exist_has_no_playlist()
    {
        var status = HlsFolder.Read(_folder.Combine("nope"), _time);

        Assert.Equal(new HlsPlaylistStatus(false, 0, null, false), status);
    }

    [Fact]
    public void A_playlist_without_segments_exists_but_cannot_be_played_yet()
    {
        WritePlaylist();

        var status = HlsFolder.Read(_folder.Path, _time);

        Assert.Equal(new HlsPlaylistStatus(true, 0, null, false), status);
        Assert.Null(status.NewestSegmentName);
    }

    [Fact]
    public void Listed_segments_are_counted_and_the_newest_ones_age_comes_from_its_file()
    {
        WritePlaylist("seg_00003.ts", "seg_00004.ts", "seg_00005.ts");
        WriteSegment("seg_00003.ts", Now.AddSeconds(-6));
        WriteSegment("seg_00004.ts", Now.AddSeconds(-4));
        WriteSegment("seg_00005.ts", Now.AddSeconds(-2));
        WriteSegment("seg_00006.ts", Now);

        var status = HlsFolder.Read(_folder.Path, _time);
        _time.Advance(TimeSpan.FromSeconds(10));
        var later = HlsFolder.Read(_folder.Path, _time);

        Assert.Equal(new HlsPlaylistStatus(true, 3, TimeSpan.FromSeconds(2), true) { NewestSegmentName = "seg_00005.ts" }, status);
        Assert.Equal(TimeSpan.FromSeconds(12), later.NewestSegmentAge);
    }

    [Fact]
    public void A_newest_segment_missing_on_disk_has_no_age_but_older_ones_still_play()
    {
        WritePlaylist("seg_00000.ts", "seg_00001.ts");
        WriteSegment("seg_00000.ts", Now.AddSeconds(-3));

        var status = HlsFolder.Read(_folder.Path, _time);

        Assert.Equal(new HlsPlaylistStatus(true, 2, null, true) { NewestSegmentName = "seg_00001.ts" }, status);
    }

    [Fact]
    public void A_playlist_whose_segments_are_all_gone_cannot_be_played()
    {
        WritePlaylist("seg_00000.ts");

        Assert.False(HlsFolder.Read(_folder.Path, _time).HasFirstSegment);
    }

    private void WritePlaylist(params string[] segments)
    {
        var lines = new List<string> { "#EXTM3U", "#EXT-X-VERSION:6", "#EXT-X-TARGETDURATION:2", "#EXT-X-MEDIA-SEQUENCE:0" };
        foreach (var segment in segments)
        {
            lines.Add("#EXTINF:2.000000,");
            lines.Add(segment);
        }

        File.WriteAllText(_folder.Combine("index.m3u8"), string.Join('\n', lines) + "\n");
    }

    private void WriteSegment(string name, DateTimeOffset writtenAt)
    {
        var path = _folder.Combine(name);
        File.WriteAllBytes(path, [0x47]);
        File.SetLastWriteTimeUtc(path, writtenAt.UtcDateTime);
    }
}

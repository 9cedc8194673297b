using Broadcast.Transcode.Retention;
using Broadcast.Transcode.Tests.Support;

namespace Broadcast.Transcode.Tests.Retention;

public sealed class HlsRetentionSweeperTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _root = new();
    private readonly ManualTimeProvider _time = new(Now);

    public void Dispose() => _root.Dispose();

    [Fact]
    public void A_sweep_deletes_old_unlisted_segments_keeps_the_live_window_and_reports_why()
    {
        var channel = _root.Combine("cam1");
        Directory.CreateDirectory(channel);
        for (var i = 0; i < 10; i++)
        {
            WriteSegment(channel, $"seg_{i:D5}.ts", ageMinutes: 100 - i, bytes: 1000);
        }

        File.WriteAllText(Path.Combine(channel, "index.m3u8"),
            "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nseg_00008.ts\n#EXTINF:2.0,\nseg_00009.ts\n");

        var report = new HlsRetentionSweeper(_root.Path, _time).Sweep(_ => new ChannelRetention(TimeSpan.FromMinutes(30), null), null);

        Assert.Equal(10, report.SegmentsScanned);
        Assert.Equal(8, report.Deleted.Count);
        Assert.All(report.Deleted, d => Assert.Equal(DeletionReason.Age, d.Reason));
        Assert.Equal(8000, report.BytesDeleted);
        Assert.Equal(["index.m3u8", "seg_00008.ts", "seg_00009.ts"], Directory.GetFiles(channel).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void A_second_sweep_finds_nothing_more_to_delete()
    {
        var channel = _root.Combine("cam1");
        Directory.CreateDirectory(channel);
        WriteSegment(channel, "seg_00001.ts", ageMinutes: 100, bytes: 10);
        var sweeper = new HlsRetentionSweeper(_root.Path, _time);

        Assert.Single(sweeper.Sweep(_ => new ChannelRetention(TimeSpan.FromMinutes(1), null), null).Deleted);
        Assert.Empty(sweeper.Sweep(_ => new ChannelRetention(TimeSpan.FromMinutes(1), null), null).Deleted);
    }

    [Fact]
    public void The_init_segment_an_fmp4_playlist_maps_is_live()
    {
        var channel = _root.Combine("cam2");
        Directory.CreateDirectory(channel);
        WriteSegment(channel, "init.mp4", ageMinutes: 100, bytes: 10);
        WriteSegment(channel, "seg_00001.m4s", ageMinutes: 1, bytes: 10);
        File.WriteAllText(Path.Combine(channel, "index.m3u8"), "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:2.0,\nseg_00001.m4s\n");

        var report = new HlsRetentionSweeper(_root.Path, _time).Sweep(_ => new ChannelRetention(TimeSpan.FromMinutes(1), null), null);

        Assert.Empty(report.Deleted);
    }

    private void WriteSegment(string channel, string name, double ageMinutes, int bytes)
    {
        var path = Path.Combine(channel, name);
        File.WriteAllBytes(path, new byte[bytes]);
        File.SetLastWriteTimeUtc(path, (Now - TimeSpan.FromMinutes(ageMinutes)).UtcDateTime);
    }
}

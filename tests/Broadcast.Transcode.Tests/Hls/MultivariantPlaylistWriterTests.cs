namespace Broadcast.Transcode.Tests.Hls;

public sealed class MultivariantPlaylistWriterTests
{
    [Fact]
    public void Variants_are_listed_highest_bandwidth_first_with_their_attributes()
    {
        var text = MultivariantPlaylistWriter.Write(
        [
            new Variant("360p.m3u8", 900_000, 800_000, 640, 360, 30, "avc1.42c01e,mp4a.40.2"),
            new Variant("src.m3u8", 2_700_000, null, 1280, 720, 29.97, "avc1.640028,mp4a.40.2"),
            new Variant("audio.m3u8", 130_000, null, 0, 0, null, null),
        ]);

        Assert.Equal(
            """
            #EXTM3U
            #EXT-X-VERSION:9
            #EXT-X-INDEPENDENT-SEGMENTS
            #EXT-X-STREAM-INF:BANDWIDTH=2700000,RESOLUTION=1280x720,FRAME-RATE=29.970,CODECS="avc1.640028,mp4a.40.2"
            src.m3u8
            #EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=800000,RESOLUTION=640x360,FRAME-RATE=30.000,CODECS="avc1.42c01e,mp4a.40.2"
            360p.m3u8
            #EXT-X-STREAM-INF:BANDWIDTH=130000
            audio.m3u8

            """.ReplaceLineEndings("\n"),
            text);
    }
}

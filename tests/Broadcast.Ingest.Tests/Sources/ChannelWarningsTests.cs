using Broadcast.Ingest.Sources;

namespace Broadcast.Ingest.Tests.Sources;

public class ChannelWarningsTests
{
    private static TrackStatus Video(string mime = "video/H264", double? keyFrameInterval = 1, bool? bFrames = false) =>
        new(0, "video", mime[6..], mime, 96, 90000, null, Used: true, null, 1920, 1080, 25, keyFrameInterval, bFrames, 100, "p1");

    private static TrackStatus Audio(string codec, string? mime, bool used = true, string? ignored = null) =>
        new(1, "audio", codec, mime, 97, 8000, 1, used, ignored, null, null, null, null, null, 100, used ? "p2" : null);

    [Fact]
    public void A_camera_that_suits_hls_has_no_warning()
    {
        Assert.Empty(ChannelWarnings.For([Video(), Audio("MPEG4-GENERIC", "audio/MPEG4-GENERIC")], 2));
    }

    [Fact]
    public void Key_frames_further_apart_than_a_segment_say_how_long_segments_get_and_what_to_set()
    {
        var warning = Assert.Single(ChannelWarnings.For([Video(keyFrameInterval: 4)], 2));

        Assert.Equal(
            "Key frames come every 4 s, more than the 2 s segment duration: segments last 4 s and players start later. " +
            "Set the camera's key-frame (I-frame, GOP) interval to 2 s or less.", warning);
        Assert.Empty(ChannelWarnings.For([Video(keyFrameInterval: 2.1)], 2));
    }

    [Fact]
    public void B_frames_h265_and_audio_hls_cannot_carry_are_each_named()
    {
        var warnings = ChannelWarnings.For([Video("video/H265", bFrames: true), Audio("PCMA", "audio/PCMA")], 2);

        Assert.Equal(3, warnings.Count);
        Assert.Contains("B-frames", warnings[0], StringComparison.Ordinal);
        Assert.Contains("transcoded to H.264", warnings[1], StringComparison.Ordinal);
        Assert.Equal("PCMA audio cannot go into HLS as it is: it is transcoded to AAC.", warnings[2]);
    }

    [Fact]
    public void An_ignored_track_says_why()
    {
        var warning = Assert.Single(ChannelWarnings.For([Video(), Audio("G726-32", null, used: false, ignored: "audio codec G726-32/8000 is not supported")], 2));

        Assert.Equal("Audio track 1 (G726-32) is ignored: audio codec G726-32/8000 is not supported.", warning);
    }
}

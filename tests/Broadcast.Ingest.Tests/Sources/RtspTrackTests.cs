using Broadcast.Ingest.Protocols.Sdp;
using Broadcast.Ingest.Sources;
using static Broadcast.Ingest.Tests.Protocols.Rtsp.RtspFixtures;

namespace Broadcast.Ingest.Tests.Sources;

public class RtspTrackTests
{
    private static IReadOnlyList<RtspTrack> Tracks(string sdp, string baseUrl)
    {
        Assert.True(SessionDescription.TryParse(sdp, out var description));
        return RtspTrack.FromSdp(description, baseUrl);
    }

    [Fact]
    public void The_gstreamer_answer_gives_an_h264_track_with_its_size_and_an_aac_track_with_its_config()
    {
        var tracks = Tracks(GStreamerSdp, "rtsp://127.0.0.1:8554/cam/");

        var video = tracks[0];
        Assert.Equal("video/H264", video.MimeType);
        Assert.Equal("rtsp://127.0.0.1:8554/cam/stream=0", video.ControlUrl);
        Assert.Equal((640, 360), (video.Width, video.Height));
        Assert.Equal(25, video.DeclaredFrameRate);
        Assert.Equal("42c01e", video.Parameters["profile-level-id"]);
        Assert.Equal(1L, video.Parameters["packetization-mode"]);
        var audio = tracks[1];
        Assert.Equal(("audio/MPEG4-GENERIC", 48000, 2), (audio.MimeType, audio.ClockRate, audio.Channels));
        Assert.Equal("119056e500", audio.Parameters["config"]);
        Assert.Equal(13L, audio.Parameters["sizelength"]);
        Assert.Null(audio.Unsupported);
    }

    [Fact]
    public void An_h265_answer_gives_its_size_from_sprop_sps_and_a_static_pcmu_track()
    {
        var tracks = Tracks(GStreamerH265Sdp, "rtsp://cam/");

        Assert.Equal(("video/H265", 640, 360), (tracks[0].MimeType, tracks[0].Width, tracks[0].Height));
        Assert.Equal(("audio/PCMU", 8000, 1), (tracks[1].MimeType, tracks[1].ClockRate, tracks[1].Channels));
    }

    [Fact]
    public void Absolute_controls_and_an_h264_profile_from_the_sdp_are_kept()
    {
        var tracks = Tracks(AbsoluteControlSdp, "rtsp://192.168.1.64:554/Streaming/Channels/101/");

        Assert.Equal("rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1?transportmode=unicast", tracks[0].ControlUrl);
        Assert.Equal("420029", tracks[0].Parameters["profile-level-id"]);
        Assert.Equal((1920, 1080), (tracks[0].Width, tracks[0].Height));
        Assert.Equal("audio/PCMA", tracks[1].MimeType);
    }

    [Fact]
    public void Opus_is_declared_as_opus_48000_2_whatever_the_camera_wrote()
    {
        var tracks = Tracks("v=0\r\nm=audio 0 RTP/AVP 111\r\na=rtpmap:111 OPUS/48000\r\na=control:a\r\n", "rtsp://cam/");

        Assert.Equal(("audio/opus", 48000, 2), (tracks[0].MimeType, tracks[0].ClockRate, tracks[0].Channels));
    }

    [Theory]
    [InlineData("m=video 0 RTP/AVP 26\r\n", "JPEG")]
    [InlineData("m=audio 0 RTP/AVP 97\r\na=rtpmap:97 G726-32/8000\r\n", "G726-32")]
    [InlineData("m=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/16000/1\r\na=fmtp:97 mode=AAC-lbr\r\n", "AAC in mode AAC-lbr")]
    [InlineData("m=video 0 RTP/AVP 98\r\n", "no rtpmap")]
    [InlineData("m=video 0 RTP/SAVP 96\r\na=rtpmap:96 H264/90000\r\n", "not plain RTP")]
    [InlineData("m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=6e0028\r\n", "H.264 profile 6e")]
    public void Tracks_the_router_cannot_take_say_why(string media, string reason)
    {
        var track = Assert.Single(Tracks("v=0\r\n" + media, "rtsp://cam/"));

        Assert.Null(track.MimeType);
        Assert.Contains(reason, track.Unsupported, StringComparison.Ordinal);
    }

    [Fact]
    public void Application_sections_are_not_tracks_and_a_track_without_profile_takes_it_from_its_sps()
    {
        var tracks = Tracks("v=0\r\nm=application 0 RTP/AVP 107\r\na=rtpmap:107 vnd.onvif.metadata/90000\r\n" +
            "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 sprop-parameter-sets=Z2QAKKzZQHgCJ+XARAAAD6QAA6mAPGDGWA==\r\n", "rtsp://cam/");

        var video = Assert.Single(tracks);
        Assert.Equal(1, video.Index);
        Assert.Equal("640028", video.Parameters["profile-level-id"]);
        Assert.Equal(30000 / 1001.0, video.DeclaredFrameRate!.Value, 3);
    }
}

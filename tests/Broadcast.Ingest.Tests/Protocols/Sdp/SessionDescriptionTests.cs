using Broadcast.Ingest.Protocols.Rtsp;
using Broadcast.Ingest.Protocols.Sdp;
using static Broadcast.Ingest.Tests.Protocols.Rtsp.RtspFixtures;

namespace Broadcast.Ingest.Tests.Protocols.Sdp;

public class SessionDescriptionTests
{
    private static SessionDescription Parse(string sdp)
    {
        Assert.True(SessionDescription.TryParse(Bytes(sdp), out var description));
        return description;
    }

    [Fact]
    public void The_captured_gstreamer_answer_has_an_h264_and_an_aac_track_with_relative_controls()
    {
        var sdp = Parse(GStreamerSdp);

        Assert.Equal("*", sdp.Control);
        Assert.Equal("Session streamed with GStreamer", sdp.SessionName);
        Assert.Equal(2, sdp.Media.Count);

        var video = sdp.Media[0];
        Assert.Equal(("video", 0, "RTP/AVP"), (video.Media, video.Port, video.Protocol));
        Assert.Equal([96], video.Formats);
        Assert.Equal(new SdpRtpMap(96, "H264", 90000, null), video.GetRtpMap(96));
        Assert.Equal("stream=0", video.Control);
        Assert.Equal(25, video.FrameRate);
        var h264 = video.GetFormatParameters(96);
        Assert.Equal(1, h264.GetInteger("packetization-mode"));
        Assert.Equal("42c01e", h264.Get("profile-level-id"));
        Assert.True(h264.TryGetParameterSets("sprop-parameter-sets", out var sets));
        Assert.Equal([0x67, 0x68], sets.Select(s => s[0]));
        Assert.Equal(Hex.Bytes("68 ce 3c 80"), sets[1]);

        var audio = sdp.Media[1];
        Assert.Equal(new SdpRtpMap(97, "MPEG4-GENERIC", 48000, 2), audio.GetRtpMap(97));
        Assert.Equal("stream=1", audio.Control);
        var aac = audio.GetFormatParameters(97);
        Assert.Equal("AAC-hbr", aac.Get("MODE"));
        Assert.Equal(13, aac.GetInteger("sizelength"));
        Assert.True(aac.TryGetHex("config", out var config));
        Assert.Equal(Hex.Bytes("11 90 56 e5 00"), config);
    }

    [Fact]
    public void The_captured_h265_answer_carries_vps_sps_and_pps_and_a_static_pcmu_track()
    {
        var sdp = Parse(GStreamerH265Sdp);

        var video = sdp.Media[0];
        Assert.Equal("H265", video.GetRtpMap(96)!.EncodingName);
        var fmtp = video.GetFormatParameters(96);
        Assert.True(fmtp.TryGetParameterSets("sprop-vps", out var vps));
        Assert.True(fmtp.TryGetParameterSets("sprop-sps", out var sps));
        Assert.True(fmtp.TryGetParameterSets("sprop-pps", out var pps));
        Assert.Equal([32, 33, 34], new[] { vps[0], sps[0], pps[0] }.Select(nal => (nal[0] >> 1) & 0x3f));
        Assert.Equal(new SdpRtpMap(0, "PCMU", 8000, null), sdp.Media[1].GetRtpMap(0));
    }

    [Fact]
    public void A_camera_answer_with_absolute_controls_and_an_aggregate_control_keeps_them_whole()
    {
        var sdp = Parse(AbsoluteControlSdp);

        Assert.Equal("rtsp://192.168.1.64:554/Streaming/Channels/101/?transportmode=unicast", sdp.Control);
        Assert.Equal("rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1?transportmode=unicast", sdp.Media[0].Control);
        Assert.Equal("rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1?transportmode=unicast",
            RtspUrl.ResolveControl("rtsp://192.168.1.64:554/Streaming/Channels/101/", sdp.Media[0].Control));
        Assert.Equal("1920,1080", sdp.Media[0].Attribute("x-dimensions"));
        // fmtp with spaces after the semicolons.
        Assert.Equal(1, sdp.Media[0].GetFormatParameters(96).GetInteger("packetization-mode"));
        Assert.Equal(new SdpRtpMap(8, "PCMA", 8000, null), sdp.Media[1].GetRtpMap(8));
    }

    [Fact]
    public void A_camera_answer_with_lf_line_ends_and_a_fractional_frame_rate_is_read()
    {
        Assert.True(RtspResponse.TryParse(Bytes(QueryBaseDescribe), out var response));
        var sdp = Parse(System.Text.Encoding.UTF8.GetString(response.Body));

        Assert.Equal("trackID=0", sdp.Media[0].Control);
        Assert.Equal(25.0, sdp.Media[0].FrameRate);
        Assert.Equal(new SdpRtpMap(97, "MPEG4-GENERIC", 16000, 1), sdp.Media[1].GetRtpMap(97));
        Assert.Equal("rtsp://192.168.1.108:554/cam/realmonitor?channel=1&subtype=0/trackID=1",
            RtspUrl.ResolveControl(response.Headers.Get("Content-Base")!, sdp.Media[1].Control));
    }

    [Fact]
    public void A_static_payload_type_without_rtpmap_uses_the_rfc_3551_assignment_and_a_dynamic_one_has_none()
    {
        var sdp = Parse("v=0\r\ns=-\r\nm=audio 0 RTP/AVP 8 0 101\r\nm=video 0 RTP/AVP 96\r\n");

        Assert.Equal("PCMA", sdp.Media[0].GetRtpMap(8)!.EncodingName);
        Assert.Equal("PCMU", sdp.Media[0].GetRtpMap(0)!.EncodingName);
        Assert.Null(sdp.Media[0].GetRtpMap(101));
        Assert.Null(sdp.Media[1].GetRtpMap(96));
        Assert.Null(sdp.Media[1].Control);
    }

    [Fact]
    public void Parameter_sets_without_base64_padding_are_accepted_and_broken_ones_refused()
    {
        Assert.True(SdpFormatParameters.Parse("sprop-parameter-sets=Z0LAHtoCgL/lwFqDAwNSgAAAAwCAAAAZR4sXUA,aM48gA").TryGetParameterSets("sprop-parameter-sets", out var sets));
        Assert.Equal(2, sets.Count);
        Assert.False(SdpFormatParameters.Parse("sprop-parameter-sets=Z0L!,aM48gA==").TryGetParameterSets("sprop-parameter-sets", out _));
        Assert.False(SdpFormatParameters.Parse("packetization-mode=1").TryGetParameterSets("sprop-parameter-sets", out _));
        Assert.False(SdpFormatParameters.Parse("config=11905").TryGetHex("config", out _));
        Assert.False(SdpFormatParameters.Parse("config=zz").TryGetHex("config", out _));
    }

    [Fact]
    public void Format_parameters_keep_their_order_and_flags_without_values()
    {
        var fmtp = SdpFormatParameters.Parse(" a=1 ; b ;c=x=y;; ");

        Assert.Equal("a=1;b;c=x=y", fmtp.ToString());
        Assert.Equal("x=y", fmtp.Get("C"));
        Assert.Equal("", fmtp.Get("b"));
        Assert.Null(fmtp.GetInteger("c"));
    }

    public static TheoryData<string, string> Invalid => new()
    {
        { "empty", "" },
        { "no version line", "s=-\r\nm=video 0 RTP/AVP 96\r\n" },
        { "version 1", "v=1\r\ns=-\r\n" },
        { "an HTML error page", "<html><body>401</body></html>" },
        { "an m-line without a protocol", "v=0\r\nm=video 0\r\n" },
        { "an m-line with a port that is not a number", "v=0\r\nm=video abc RTP/AVP 96\r\n" },
        { "an m-line with a port beyond 65535", "v=0\r\nm=video 70000 RTP/AVP 96\r\n" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Descriptions_that_are_not_sdp_are_refused(string reason, string text)
    {
        Assert.False(SessionDescription.TryParse(Bytes(text), out _), reason);
    }

    [Fact]
    public void Junk_lines_and_malformed_attributes_inside_a_description_are_skipped()
    {
        var sdp = Parse("v=0\r\nthis is junk\r\nm=video 0 RTP/AVP 96 x 300\r\na=rtpmap:96 H264\r\na=rtpmap:abc H264/90000\r\na=fmtp:96\r\na=recvonly\r\n");

        Assert.Equal([96], sdp.Media[0].Formats);
        Assert.Null(sdp.Media[0].GetRtpMap(96));
        Assert.Equal(0, sdp.Media[0].GetFormatParameters(96).Count);
        Assert.Equal("", sdp.Media[0].Attribute("recvonly"));
    }

    [Theory]
    [InlineData("96 H264/90000", 96, "H264", 90000, null)]
    [InlineData("111 OPUS/48000/2", 111, "OPUS", 48000, 2)]
    [InlineData("97  MPEG4-GENERIC/16000/1", 97, "MPEG4-GENERIC", 16000, 1)]
    public void Rtpmaps_read_encoding_clock_rate_and_channels(string value, int payloadType, string encoding, int clockRate, int? channels)
    {
        Assert.True(SdpRtpMap.TryParse(value, out var map));
        Assert.Equal(new SdpRtpMap(payloadType, encoding, clockRate, channels), map);
    }

    [Theory]
    [InlineData("")]
    [InlineData("H264/90000")]
    [InlineData("128 H264/90000")]
    [InlineData("96 H264")]
    [InlineData("96 H264/0")]
    [InlineData("96 /90000")]
    [InlineData("96 opus/48000/zero")]
    public void Malformed_rtpmaps_are_refused(string value)
    {
        Assert.False(SdpRtpMap.TryParse(value, out _));
    }
}

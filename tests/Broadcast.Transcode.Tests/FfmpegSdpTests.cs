namespace Broadcast.Transcode.Tests;

public class FfmpegSdpTests
{
    private static string Lines(params string[] lines) => string.Concat(lines.Select(l => l + "\r\n"));

    [Fact]
    public void Sdp_for_H264_and_Opus_matches_the_golden_text()
    {
        var sdp = FfmpegSdp.Write([TestStreams.Opus(), TestStreams.H264()]);

        Assert.Equal(
            Lines(
                "v=0",
                "o=- 0 0 IN IP4 127.0.0.1",
                "s=ingest",
                "c=IN IP4 127.0.0.1",
                "t=0 0",
                "m=audio 5006 RTP/AVP 100",
                "a=rtpmap:100 opus/48000/2",
                "a=fmtp:100 minptime=10;useinbandfec=1",
                "a=recvonly",
                "m=video 5004 RTP/AVP 101",
                "a=rtpmap:101 H264/90000",
                "a=fmtp:101 packetization-mode=1;profile-level-id=42e01f;level-asymmetry-allowed=1",
                "a=recvonly"),
            sdp);
    }

    [Fact]
    public void Sdp_for_VP8_has_no_fmtp_line()
    {
        var sdp = FfmpegSdp.Write([TestStreams.Vp8()]);

        Assert.Equal(
            Lines(
                "v=0",
                "o=- 0 0 IN IP4 127.0.0.1",
                "s=ingest",
                "c=IN IP4 127.0.0.1",
                "t=0 0",
                "m=video 5004 RTP/AVP 103",
                "a=rtpmap:103 VP8/90000",
                "a=recvonly"),
            sdp);
    }

    [Fact]
    public void Sdp_for_mono_audio_only_writes_no_channel_count()
    {
        var sdp = FfmpegSdp.Write([TestStreams.Pcmu(port: 40000)]);

        Assert.Equal(
            Lines(
                "v=0",
                "o=- 0 0 IN IP4 127.0.0.1",
                "s=ingest",
                "c=IN IP4 127.0.0.1",
                "t=0 0",
                "m=audio 40000 RTP/AVP 0",
                "a=rtpmap:0 PCMU/8000",
                "a=recvonly"),
            sdp);
    }

    public static TheoryData<string, SdpMediaStream[]> InvalidStreams => new()
    {
        { "no streams", [] },
        { "odd port", [TestStreams.H264(port: 5005)] },
        { "port whose RTCP neighbour does not exist", [TestStreams.H264(port: 65536)] },
        { "privileged port", [TestStreams.H264(port: 554)] },
        { "the same port twice", [TestStreams.H264(port: 5004), TestStreams.Opus(port: 5004)] },
        { "two video streams", [TestStreams.H264(port: 5004), TestStreams.Vp8(port: 5008)] },
        { "payload type above 127", [TestStreams.H264(payloadType: 128)] },
        { "encoding name with a slash", [TestStreams.Vp8() with { EncodingName = "VP8/90000" }] },
        { "zero clock rate", [TestStreams.Vp8() with { ClockRate = 0 }] },
        { "audio without channels", [TestStreams.Opus() with { Channels = 0 }] },
        { "fmtp with a line break", [TestStreams.Opus() with { FormatParameters = "minptime=10\r\na=sendonly" }] },
    };

    [Theory]
    [MemberData(nameof(InvalidStreams))]
    public void Sdp_for_streams_FFmpeg_cannot_receive_is_rejected(string because, SdpMediaStream[] streams)
    {
        var error = Assert.Throws<ArgumentException>(() => FfmpegSdp.Write(streams));
        Assert.False(string.IsNullOrEmpty(error.Message), because);
    }
}

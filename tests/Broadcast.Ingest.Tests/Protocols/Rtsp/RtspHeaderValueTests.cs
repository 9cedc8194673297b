using Broadcast.Ingest.Protocols.Rtsp;
using static Broadcast.Ingest.Tests.Protocols.Rtsp.RtspFixtures;

namespace Broadcast.Ingest.Tests.Protocols.Rtsp;

/// <summary>Transport, Session and RTP-Info as cameras send them.</summary>
public class RtspHeaderValueTests
{
    private static RtspResponse Response(string text)
    {
        Assert.True(RtspResponse.TryParse(Bytes(text), out var response));
        return response;
    }

    [Fact]
    public void The_captured_tcp_setup_answer_names_its_interleaved_channels_and_ssrc()
    {
        var response = Response(GStreamerSetupTcp);

        Assert.True(RtspTransportHeader.TryParse(response.Headers.Get("Transport"), out var transport));
        Assert.True(transport.IsTcp);
        Assert.Equal((2, 3), transport.Interleaved);
        Assert.Equal(0x1219C7E8u, transport.Ssrc);
        Assert.Equal("PLAY", transport.Mode);
        Assert.True(RtspSessionHeader.TryParse(response.Headers.Get("Session"), out var session));
        Assert.Equal(new RtspSessionHeader("Q5AQJv0iNYjk9_AU", 60), session);
    }

    [Fact]
    public void The_captured_udp_setup_answer_names_client_and_server_ports()
    {
        var response = Response(GStreamerSetupUdp);

        Assert.True(RtspTransportHeader.TryParse(response.Headers.Get("Transport"), out var transport));
        Assert.False(transport.IsTcp);
        Assert.Equal((47000, 47001), transport.ClientPorts);
        Assert.Equal((49644, 49645), transport.ServerPorts);
        Assert.True(RtspSessionHeader.TryParse(response.Headers.Get("Session"), out var session));
        Assert.Equal("kdwUf9uXtWZZ+I.q", session.Id);
    }

    [Theory]
    [InlineData(SessionWithTimeoutSetup, "1381328843", 60, 0, 1)]
    [InlineData(ShortTimeoutSetup, "8735892712", 20, 4, 5)]
    public void Camera_setup_answers_give_the_session_timeout_and_the_channels_the_camera_chose(string text, string id, int timeout,
        int rtpChannel, int rtcpChannel)
    {
        var response = Response(text);

        Assert.True(RtspSessionHeader.TryParse(response.Headers.Get("Session"), out var session));
        Assert.Equal(new RtspSessionHeader(id, timeout), session);
        Assert.True(RtspTransportHeader.TryParse(response.Headers.Get("Transport"), out var transport));
        Assert.Equal((rtpChannel, rtcpChannel), transport.Interleaved);
    }

    [Theory]
    [InlineData("RTP/AVP/TCP;unicast;interleaved=0-1", "RTP/AVP/TCP;unicast;interleaved=0-1")]
    [InlineData("RTP/AVP;unicast;client_port=40000-40001", "RTP/AVP;unicast;client_port=40000-40001")]
    [InlineData("RTP/AVP/UDP;unicast;client_port=40002", "RTP/AVP/UDP;unicast;client_port=40002-40003")]
    [InlineData("rtp/avp/tcp;UNICAST;Interleaved=6", "rtp/avp/tcp;unicast;interleaved=6-7")]
    [InlineData("RTP/AVP;multicast;destination=239.0.0.1;port=5000-5001;ttl=16", "RTP/AVP;multicast")]
    [InlineData("RTP/AVP/TCP;unicast;interleaved=0-1, RTP/AVP;unicast;client_port=1-2", "RTP/AVP/TCP;unicast;interleaved=0-1")]
    [InlineData("RTP/AVP;unicast;source=10.0.0.9;server_port=6970-6971;ssrc=zz", "RTP/AVP;unicast;server_port=6970-6971")]
    public void Transport_headers_read_tolerantly_and_write_back_canonically(string value, string written)
    {
        Assert.True(RtspTransportHeader.TryParse(value, out var transport));
        Assert.Equal(written, transport.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("RAW/RAW/UDP;unicast")]
    [InlineData("MP2T/H2221/UDP;unicast")]
    [InlineData("RTP/AVP;unicast;client_port=abc")]
    [InlineData("RTP/AVP;unicast;client_port=70000-70001")]
    [InlineData("RTP/AVP/TCP;unicast;interleaved=300-301")]
    [InlineData("RTP/AVP/TCP;unicast;interleaved=0-x")]
    public void Malformed_transport_headers_are_refused(string value)
    {
        Assert.False(RtspTransportHeader.TryParse(value, out _));
    }

    [Theory]
    [InlineData("12345678", "12345678", 60)]
    [InlineData("12345678;timeout=30", "12345678", 30)]
    [InlineData("12345678 ; timeout = 15", "12345678", 15)]
    [InlineData("12345678;Timeout=\"45\"", "12345678", 45)]
    [InlineData("12345678;timeout=0", "12345678", 60)]
    [InlineData("12345678;timeout=abc", "12345678", 60)]
    [InlineData("ABCDEF;timeout=60;other=1", "ABCDEF", 60)]
    public void Session_headers_give_the_id_and_a_timeout_of_60_seconds_unless_told(string value, string id, int timeout)
    {
        Assert.True(RtspSessionHeader.TryParse(value, out var session));
        Assert.Equal(new RtspSessionHeader(id, timeout), session);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(";timeout=60")]
    [InlineData("a b;timeout=60")]
    public void Session_headers_without_an_id_are_refused(string? value)
    {
        Assert.False(RtspSessionHeader.TryParse(value, out _));
    }

    [Fact]
    public void The_captured_rtp_info_gives_each_track_its_first_sequence_number_and_rtp_time()
    {
        var response = Response(GStreamerPlay);

        Assert.True(RtpInfoHeader.TryParse(response.Headers.Get("RTP-Info"), out var entries));
        Assert.Equal(
            [
                new RtpInfoEntry("rtsp://127.0.0.1:18555/cam/stream=0", 11399, 2100260321),
                new RtpInfoEntry("rtsp://127.0.0.1:18555/cam/stream=1", 27677, 2788105748),
            ],
            entries);
    }

    [Fact]
    public void Rtp_info_entries_may_lack_fields_and_urls_may_hold_commas()
    {
        Assert.True(RtpInfoHeader.TryParse("url=rtsp://cam/a,b/trackID=1;seq=5,url=trackID=2;rtptime=99999999999;seq=1", out var entries));

        Assert.Equal([new RtpInfoEntry("rtsp://cam/a,b/trackID=1", 5, null), new RtpInfoEntry("trackID=2", 1, null)], entries);
        Assert.False(RtpInfoHeader.TryParse("seq=1;rtptime=2", out _));
        Assert.False(RtpInfoHeader.TryParse("", out _));
    }
}

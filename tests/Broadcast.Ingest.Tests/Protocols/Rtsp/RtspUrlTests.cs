using Broadcast.Ingest.Protocols.Rtsp;

namespace Broadcast.Ingest.Tests.Protocols.Rtsp;

public class RtspUrlTests
{
    [Fact]
    public void Credentials_in_the_url_are_taken_out_and_percent_decoded()
    {
        Assert.True(RtspUrl.TryParse("rtsp://admin:p%40ss%3Aword@192.168.1.64:8554/Streaming/Channels/101", out var url));

        Assert.Equal("admin", url.Username);
        Assert.Equal("p@ss:word", url.Password);
        Assert.Equal("rtsp://192.168.1.64:8554/Streaming/Channels/101", url.ToString());
        Assert.Equal("rtsp://***@192.168.1.64:8554/Streaming/Channels/101", url.Redacted);
        Assert.Equal(8554, url.Port);
        Assert.Equal("192.168.1.64", url.Host);
    }

    [Fact]
    public void A_url_without_a_port_uses_554_and_keeps_its_query()
    {
        Assert.True(RtspUrl.TryParse("rtsp://cam.local/cam/realmonitor?channel=1&subtype=0", out var url));

        Assert.Equal(554, url.Port);
        Assert.Null(url.Username);
        Assert.Equal("rtsp://cam.local/cam/realmonitor?channel=1&subtype=0", url.ToString());
        Assert.Equal(url.ToString(), url.Redacted);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("http://cam/stream")]
    [InlineData("rtsps://cam/stream")]
    [InlineData("rtsp:/cam")]
    [InlineData("/relative/path")]
    [InlineData("rtsp://")]
    public void Anything_but_an_rtsp_url_is_refused(string? text)
    {
        Assert.False(RtspUrl.TryParse(text, out _));
    }

    [Theory]
    [InlineData("rtsp://admin:secret@cam/live", "rtsp://***@cam/live")]
    [InlineData("connect to rtsp://u:p@10.0.0.1:554/x failed", "connect to rtsp://***@10.0.0.1:554/x failed")]
    [InlineData("rtsp://cam/live", "rtsp://cam/live")]
    [InlineData("no url here", "no url here")]
    public void Redaction_removes_user_information_wherever_a_url_appears(string text, string redacted)
    {
        Assert.Equal(redacted, RtspUrl.Redact(text));
    }

    [Theory]
    [InlineData("rtsp://127.0.0.1:8554/cam/", "stream=0", "rtsp://127.0.0.1:8554/cam/stream=0")]
    [InlineData("rtsp://cam/live", "trackID=1", "rtsp://cam/live/trackID=1")]
    [InlineData("rtsp://cam/cam/realmonitor?channel=1&subtype=0/", "trackID=0", "rtsp://cam/cam/realmonitor?channel=1&subtype=0/trackID=0")]
    [InlineData("rtsp://cam/live/", "rtsp://cam:554/live/trackID=2?transportmode=unicast", "rtsp://cam:554/live/trackID=2?transportmode=unicast")]
    [InlineData("rtsp://cam:8554/live/", "/other/track1", "rtsp://cam:8554/other/track1")]
    [InlineData("rtsp://cam/live/", "*", "rtsp://cam/live/")]
    [InlineData("rtsp://cam/live/", null, "rtsp://cam/live/")]
    public void Track_controls_resolve_as_cameras_expect(string baseUrl, string? control, string resolved)
    {
        Assert.Equal(resolved, RtspUrl.ResolveControl(baseUrl, control));
    }
}

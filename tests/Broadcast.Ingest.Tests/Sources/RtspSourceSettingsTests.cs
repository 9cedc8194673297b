using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Sources;

namespace Broadcast.Ingest.Tests.Sources;

public class RtspSourceSettingsTests
{
    [Theory]
    [InlineData("rtsp://u:p@cam/live", null, null, "u", "p")]
    [InlineData("rtsp://u:p@cam/live", "admin", "secret", "admin", "secret")]
    [InlineData("rtsp://u:p@cam/live", null, "other", "u", "other")]
    [InlineData("rtsp://cam/live", "admin", null, "admin", "")]
    [InlineData("rtsp://u@cam/live", null, null, "u", "")]
    [InlineData("rtsp://cam/live", null, null, null, null)]
    public void Separate_credentials_win_over_those_in_the_url(string url, string? username, string? password, string? user, string? secret)
    {
        var settings = RtspSourceSettings.Create(url, null, username, password);

        Assert.Equal((user, secret), (settings.Username, settings.Password));
        Assert.Equal("rtsp://cam/live", settings.RedactedUrl);
        Assert.Equal(RtspTransportMode.Tcp, settings.Transport);
        Assert.DoesNotContain(":p@", settings.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, null, null, null, "rtsp.url")]
    [InlineData("http://cam/live", null, null, null, "rtsp.url")]
    [InlineData("rtsp://u:hunter2@cam:99999/live", null, null, null, "rtsp.url")]
    [InlineData("rtsp://cam/live", "quic", null, null, "rtsp.transport")]
    [InlineData("rtsp://cam/live", null, null, "secret", "rtsp.username")]
    [InlineData("rtsp://cam/live", null, "a\nb", "x", "rtsp.username")]
    public void Bad_fields_are_named_and_never_echo_a_password(string? url, string? transport, string? username, string? password, string field)
    {
        var error = Assert.Throws<InvalidFieldException>(() => RtspSourceSettings.Create(url, transport, username, password));

        Assert.Equal(field, error.Field);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TCP", RtspTransportMode.Tcp)]
    [InlineData("udp", RtspTransportMode.Udp)]
    [InlineData(" auto ", RtspTransportMode.Auto)]
    public void Transports_are_read_case_insensitively(string transport, RtspTransportMode mode)
    {
        Assert.Equal(mode, RtspSourceSettings.Create("rtsp://cam/", transport, null, null).Transport);
    }
}

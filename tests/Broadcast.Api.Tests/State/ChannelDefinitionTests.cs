using Broadcast.Api.State;

namespace Broadcast.Api.Tests.State;

public class ChannelDefinitionTests
{
    [Fact]
    public void A_channel_definition_printed_anywhere_shows_no_camera_credentials()
    {
        var definition = new ChannelDefinition("cam", ChannelSource.Rtsp, new RtspSourceDefinition("rtsp://10.0.0.5/live", "tcp", "admin", "hunter2"),
            ChannelHlsProfile.Default, ChannelRetentionSettings.Default, null, null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

        var printed = definition.ToString();

        Assert.Contains("rtsp://10.0.0.5/live", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("admin", printed, StringComparison.Ordinal);
    }
}

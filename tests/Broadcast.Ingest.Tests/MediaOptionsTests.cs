using System.Net;

namespace Broadcast.Ingest.Tests;

public sealed class MediaOptionsTests
{
    [Fact]
    public void The_announced_address_wins()
    {
        Assert.Equal("203.0.113.5", new MediaOptions { ListenIp = "0.0.0.0", AnnouncedIp = "203.0.113.5" }.AdvertisedIp);
    }

    [Fact]
    public void A_specific_listen_address_is_announced_as_it_is()
    {
        Assert.Equal("127.0.0.1", new MediaOptions { ListenIp = "127.0.0.1" }.AdvertisedIp);
    }

    [Fact]
    public void The_wildcard_is_never_announced_a_real_address_of_this_host_is()
    {
        var advertised = new MediaOptions { ListenIp = "0.0.0.0" }.AdvertisedIp;

        Assert.True(IPAddress.TryParse(advertised, out var address));
        Assert.NotEqual(IPAddress.Any, address);
    }

    [Fact]
    public void The_validator_reports_every_error_at_once()
    {
        var result = new MediaOptionsValidator().Validate(null, new MediaOptions { ListenIp = "nope", MinPort = 10, MaxPort = 5, Workers = -1 });

        Assert.True(result.Failed);
        Assert.True(result.Failures!.Count() >= 4);
    }
}

using System.Net;
using Broadcast.Ingest.Net;
using Broadcast.Testing;

namespace Broadcast.Ingest.Tests.Routing;

public sealed class PortAllocatorTests
{
    [Fact]
    public void A_udp_pair_is_an_even_port_and_the_odd_one_above_it_and_both_return_to_the_range()
    {
        using var lease = TestPorts.Lease();
        var ports = new PortAllocator(lease.MinPort + 1, lease.MinPort + 10);

        var (rtp, rtcp) = ports.BindUdpPair(IPAddress.Loopback, 0);
        using (rtp)
        using (rtcp)
        {
            var rtpPort = ((IPEndPoint)rtp.LocalEndPoint!).Port;
            Assert.Equal(0, rtpPort % 2);
            Assert.Equal(rtpPort + 1, ((IPEndPoint)rtcp.LocalEndPoint!).Port);
            Assert.InRange(rtpPort, lease.MinPort + 2, lease.MinPort + 9);
            Assert.Equal(2, ports.InUseCount);
            ports.Release(rtpPort);
            ports.Release(rtpPort + 1);
        }

        Assert.Equal(0, ports.InUseCount);
    }

    [Fact]
    public void Pairs_run_out_with_a_clear_error()
    {
        using var lease = TestPorts.Lease();
        var ports = new PortAllocator(lease.MinPort + 1, lease.MinPort + 4);
        var (rtp, rtcp) = ports.BindUdpPair(IPAddress.Loopback, 0);
        using (rtp)
        using (rtcp)
        {
            Assert.Throws<PortsExhaustedException>(() => ports.BindUdpPair(IPAddress.Loopback, 0));
        }
    }
}

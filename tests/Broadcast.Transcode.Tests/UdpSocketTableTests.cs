using System.Net;
using System.Net.Sockets;

namespace Broadcast.Transcode.Tests;

public class UdpSocketTableTests
{
    [Fact]
    public void An_IPv4_row_yields_the_local_port_and_the_inode()
    {
        const string row = "15289: 00000000:61AC 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 18857 2 00000000df37bcf7 0";

        Assert.True(UdpSocketTable.TryParseRow(row, out var port, out var inode));
        Assert.Equal(25004, port);
        Assert.Equal(18857, inode);
    }

    [Fact]
    public void An_IPv6_row_yields_the_local_port_and_the_inode()
    {
        const string row = "  812: 00000000000000000000000000000000:138D 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 99123 2 0000000000000000 0";

        Assert.True(UdpSocketTable.TryParseRow(row, out var port, out var inode));
        Assert.Equal(5005, port);
        Assert.Equal(99123, inode);
    }

    [Fact]
    public void The_header_row_does_not_parse()
    {
        const string header = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops";

        Assert.False(UdpSocketTable.TryParseRow(header, out _, out _));
        Assert.False(UdpSocketTable.TryParseRow("", out _, out _));
    }

    [Fact]
    public void A_port_this_process_binds_is_seen_as_bound_by_it_and_a_closed_one_is_not()
    {
        if (!UdpSocketTable.IsSupported)
        {
            return; // Linux only: the tables live in /proc.
        }

        int port;
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)socket.LocalEndPoint!).Port;

            Assert.Contains(port, UdpSocketTable.PortsBoundBy(Environment.ProcessId));
        }

        Assert.DoesNotContain(port, UdpSocketTable.PortsBoundBy(Environment.ProcessId));
    }
}

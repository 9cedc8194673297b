using System.Net;
using System.Net.Sockets;
using Broadcast.Ingest.Net;
using Broadcast.Testing;

namespace Broadcast.Ingest.Tests.Net;

/// <summary>The batch sender on real loopback sockets: what is queued arrives, to each its own address, in order.</summary>
public sealed class DatagramBatchTests
{
    [Fact]
    public async Task Datagrams_queued_for_several_receivers_arrive_each_at_its_own_in_order_after_one_flush()
    {
        using var sender = Bound();
        using var first = Bound();
        using var second = Bound();
        var scheduled = 0;
        var batch = new DatagramBatch(sender, _ => scheduled++);

        for (byte i = 0; i < 100; i++)
        {
            var slot = batch.NextSlot(); // past 64 the batch flushes by itself
            slot[0] = i;
            batch.Commit(1 + i, (i % 2 == 0 ? first : second).LocalEndPoint!.Serialize());
        }

        batch.Flush();

        Assert.Equal(2, scheduled); // the first datagram of each filling announced the batch to its worker
        Assert.Equal((100L, 0L), (batch.Sent, batch.Failed));
        Assert.Equal(2, batch.Calls);
        foreach (var (socket, parity) in new[] { (first, 0), (second, 1) })
        {
            var buffer = new byte[256];
            for (var i = parity; i < 100; i += 2)
            {
                using var timeout = new CancellationTokenSource(Eventually.DefaultTimeout);
                var length = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                Assert.Equal((1 + i, (byte)i), (length, buffer[0]));
            }
        }
    }

    [Fact]
    public void A_batch_whose_socket_closed_drops_what_it_holds_and_counts_it()
    {
        var sender = Bound();
        using var receiver = Bound();
        var batch = new DatagramBatch(sender, _ => { });
        batch.NextSlot()[0] = 1;
        batch.Commit(1, receiver.LocalEndPoint!.Serialize());

        sender.Dispose();
        batch.Flush();

        Assert.Equal((0L, 1L), (batch.Sent, batch.Failed));
    }

    private static Socket Bound()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }
}

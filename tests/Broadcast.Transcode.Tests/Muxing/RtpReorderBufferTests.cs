using Broadcast.Transcode.Muxing;

namespace Broadcast.Transcode.Tests.Muxing;

public sealed class RtpReorderBufferTests
{
    private const long Wait = 100;

    [Fact]
    public void Packets_in_order_pass_straight_through()
    {
        var (buffer, seen) = Start();
        foreach (var sequence in new ushort[] { 10, 11, 12 })
        {
            buffer.Push(RtpPackets.Make(sequence, 0, 1, [1]), 0, seen);
        }

        Assert.Equal([(10, false), (11, false), (12, false)], seen.Packets);
    }

    [Fact]
    public void An_early_packet_waits_for_the_one_before_it_and_the_sequence_wraps()
    {
        var (buffer, seen) = Start();
        buffer.Push(RtpPackets.Make(65534, 0, 1, [1]), 0, seen);
        buffer.Push(RtpPackets.Make(0, 0, 1, [1]), 1, seen);
        Assert.Equal([(65534, false)], seen.Packets);

        buffer.Push(RtpPackets.Make(65535, 0, 1, [1]), 2, seen);
        buffer.Push(RtpPackets.Make(1, 0, 1, [1]), 3, seen);

        Assert.Equal([(65534, false), (65535, false), (0, false), (1, false)], seen.Packets);
        Assert.Equal(0, buffer.Lost);
    }

    [Fact]
    public void Late_and_duplicate_packets_are_dropped_and_counted()
    {
        var (buffer, seen) = Start();
        buffer.Push(RtpPackets.Make(5, 0, 1, [1]), 0, seen);
        buffer.Push(RtpPackets.Make(5, 0, 1, [1]), 0, seen);
        buffer.Push(RtpPackets.Make(4, 0, 1, [1]), 0, seen);
        buffer.Push(RtpPackets.Make(7, 0, 1, [1]), 0, seen);
        buffer.Push(RtpPackets.Make(7, 0, 1, [1]), 0, seen);

        Assert.Equal([(5, false)], seen.Packets);
        Assert.Equal(3, buffer.LateOrDuplicate);
    }

    [Fact]
    public void A_hole_is_given_up_once_a_packet_has_waited_too_long_and_what_follows_is_marked_after_loss()
    {
        var (buffer, seen) = Start();
        buffer.Push(RtpPackets.Make(1, 0, 1, [1]), 0, seen);
        buffer.Push(RtpPackets.Make(3, 0, 1, [1]), 10, seen);
        buffer.Push(RtpPackets.Make(4, 0, 1, [1]), 20, seen);
        Assert.Equal([(1, false)], seen.Packets);

        buffer.Push(RtpPackets.Make(5, 0, 1, [1]), 10 + Wait + 1, seen);

        Assert.Equal([(1, false), (3, true), (4, false), (5, false)], seen.Packets);
        Assert.Equal(1, buffer.Lost);
        // The packet that was given up on is late when it finally comes.
        buffer.Push(RtpPackets.Make(2, 0, 1, [1]), 200, seen);
        Assert.Equal(1, buffer.LateOrDuplicate);
    }

    [Fact]
    public void A_jump_beyond_the_window_flushes_what_waits_and_restarts_there()
    {
        var (buffer, seen) = Start();
        buffer.Push(RtpPackets.Make(1, 0, 1, [1]), 0, seen);
        buffer.Push(RtpPackets.Make(3, 0, 1, [1]), 0, seen);
        buffer.Push(RtpPackets.Make(1000, 0, 1, [1]), 0, seen);
        buffer.Push(RtpPackets.Make(1001, 0, 1, [1]), 0, seen);

        Assert.Equal([(1, false), (3, true), (1000, true), (1001, false)], seen.Packets);
    }

    [Fact]
    public void Packets_longer_than_a_slot_are_kept_whole()
    {
        var (buffer, seen) = Start();
        var big = new byte[9000];
        Random.Shared.NextBytes(big);
        buffer.Push(RtpPackets.Make(1, 0, 1, [1]), 0, seen);
        buffer.Push(RtpPackets.Make(3, 0, 1, big), 0, seen);
        buffer.Push(RtpPackets.Make(2, 0, 1, [1]), 0, seen);

        Assert.Equal(big, seen.Payloads[^1]);
    }

    private static (RtpReorderBuffer Buffer, Recorder Seen) Start() => (new RtpReorderBuffer(Wait), new Recorder());

    private sealed class Recorder : IOrderedRtpReceiver
    {
        public List<(int Sequence, bool AfterLoss)> Packets { get; } = [];
        public List<byte[]> Payloads { get; } = [];

        public void OnOrderedRtp(ReadOnlySpan<byte> packet, bool afterLoss)
        {
            Packets.Add(((packet[2] << 8) | packet[3], afterLoss));
            Payloads.Add(packet[12..].ToArray());
        }
    }
}

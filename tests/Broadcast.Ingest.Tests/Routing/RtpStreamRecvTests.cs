using Broadcast.Ingest.Protocols.Rtcp;
using Broadcast.Ingest.Protocols.Rtp;
using Broadcast.Ingest.Routing;

namespace Broadcast.Ingest.Tests.Routing;

public sealed class RtpStreamRecvTests
{
    private const long Second = TimeSpan.TicksPerSecond;
    private readonly RtpStreamRecv _stream = new(0x1234, null, 0x5678, 96, null, 90000, null);

    [Fact]
    public void A_report_block_states_the_loss_of_the_interval_and_in_total()
    {
        for (ushort seq = 1; seq <= 100; seq++)
        {
            if (seq % 4 != 2)
            {
                Receive(seq, seq * Second / 100); // a quarter lost
            }
        }

        var first = _stream.CreateReceptionReport(2 * Second, Second);
        Assert.Equal(0x1234u, first.Ssrc);
        Assert.Equal(25, first.CumulativeLost);
        Assert.Equal(64, first.FractionLost); // 25 of 100 = 64/256
        Assert.Equal(100u, first.ExtendedHighestSequence);

        for (ushort seq = 101; seq <= 200; seq++)
        {
            Receive(seq, 2 * Second);
        }

        var second = _stream.CreateReceptionReport(3 * Second, Second);
        Assert.Equal(0, second.FractionLost); // nothing lost since the first block
        Assert.Equal(25, second.CumulativeLost);
    }

    [Fact]
    public void The_extended_highest_sequence_counts_wraps()
    {
        Receive(65534, 0);
        Receive(65535, 0);
        Receive(0, 0);
        Receive(1, 0);

        Assert.Equal(65536u + 1, _stream.CreateReceptionReport(Second, Second).ExtendedHighestSequence);
        Assert.Equal(0, _stream.PacketsLost);
    }

    [Fact]
    public void Last_sender_report_and_its_delay_come_from_the_last_sender_report()
    {
        Receive(1, 0);
        var report = new SenderReport { Ssrc = 0x1234, NtpTimestamp = 0x1122334455667788, RtpTimestamp = 1 };
        _stream.OnSenderReport(in report, 10 * Second);

        var block = _stream.CreateReceptionReport((10 * Second) + (Second / 2), Second);

        Assert.Equal(0x33445566u, block.LastSenderReport);
        Assert.Equal(32768u, block.DelaySinceLastSenderReport); // half a second in 1/65536 s
    }

    private void Receive(ushort sequence, long ticks)
    {
        var header = new RtpHeader { SequenceNumber = sequence, Timestamp = (uint)(ticks * 90000 / Second), Ssrc = 0x1234, PayloadType = 96 };
        _stream.Receive(in header, 1000, ticks);
    }
}

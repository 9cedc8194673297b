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

    [Fact]
    public void With_a_nanosecond_clock_the_key_frame_throttle_still_waits_a_second()
    {
        const long nanosecond = 1_000_000_000; // Stopwatch's frequency on Linux
        var stream = new RtpStreamRecv(0x1234, null, 0x5678, 96, null, 90000, null, nanosecond);

        Assert.True(stream.TryBeginKeyFrameRequest(5 * nanosecond, TimeSpan.FromSeconds(1)));
        Assert.False(stream.TryBeginKeyFrameRequest((5 * nanosecond) + (nanosecond / 10), TimeSpan.FromSeconds(1)));
        Assert.False(stream.TryBeginKeyFrameRequest((6 * nanosecond) - 1, TimeSpan.FromSeconds(1)));
        Assert.True(stream.TryBeginKeyFrameRequest(6 * nanosecond, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void A_thousand_requests_in_one_second_make_one_request_and_one_more_at_the_second_only_if_asked_after_the_key_frame()
    {
        const long second = 1_000_000_000;
        var interval = TimeSpan.FromSeconds(1);
        var stream = new RtpStreamRecv(0x1234, null, 0x5678, 96, null, 90000, null, second);

        var sent = Enumerable.Range(0, 1000).Count(i => stream.TryBeginKeyFrameRequest(i * (second / 1000), interval));
        Assert.Equal(1, sent);
        stream.OnKeyFrame(second / 2); // everyone who asked before it is served
        Assert.False(stream.IsKeyFrameRequestDue(second, interval));

        Assert.False(stream.TryBeginKeyFrameRequest((second / 2) + 1, interval)); // asked after the key frame: deferred
        Assert.False(stream.IsKeyFrameRequestDue(second - 1, interval));
        Assert.True(stream.IsKeyFrameRequestDue(second, interval));
        Assert.Equal(2, stream.KeyFrameRequestsSent);
    }

    [Fact]
    public void A_request_that_brings_no_key_frame_is_retried_once()
    {
        const long second = 1_000_000_000;
        var interval = TimeSpan.FromSeconds(1);
        var stream = new RtpStreamRecv(0x1234, null, 0x5678, 96, null, 90000, null, second);

        Assert.True(stream.TryBeginKeyFrameRequest(0, interval));
        Assert.True(stream.KeyFrameRequestPending);
        Assert.False(stream.IsKeyFrameRequestDue(second - 1, interval));
        Assert.True(stream.IsKeyFrameRequestDue(second, interval));
        Assert.False(stream.IsKeyFrameRequestDue(5 * second, interval));
        Assert.Equal(2, stream.KeyFrameRequestsSent);

        stream.OnKeyFrame(6 * second);
        Assert.False(stream.KeyFrameRequestPending);
    }

    [Fact]
    public void With_a_nanosecond_clock_packets_paced_by_their_timestamps_have_no_jitter_and_a_20_ms_wobble_shows_in_RTP_units()
    {
        const long nanosecond = 1_000_000_000;
        var stream = new RtpStreamRecv(0x1234, null, 0x5678, 96, null, 90000, null, nanosecond);
        for (ushort seq = 1; seq <= 50; seq++)
        {
            var header = new RtpHeader { SequenceNumber = seq, Timestamp = (uint)(seq * 3000), Ssrc = 0x1234, PayloadType = 96 };
            stream.Receive(in header, 1000, seq * nanosecond / 30);
        }

        Assert.Equal(0u, stream.Jitter);

        for (ushort seq = 51; seq <= 250; seq++)
        {
            var wobble = seq % 2 == 0 ? nanosecond / 50 : 0; // every other packet 20 ms late
            var header = new RtpHeader { SequenceNumber = seq, Timestamp = (uint)(seq * 3000), Ssrc = 0x1234, PayloadType = 96 };
            stream.Receive(in header, 1000, (seq * nanosecond / 30) + wobble);
        }

        // |D| is 20 ms = 1800 units of the 90 kHz clock at every packet, so the estimate converges on 1800 (not 100 times more).
        Assert.InRange(stream.Jitter, 1700u, 1800u);
    }

    private void Receive(ushort sequence, long ticks)
    {
        var header = new RtpHeader { SequenceNumber = sequence, Timestamp = (uint)(ticks * 90000 / Second), Ssrc = 0x1234, PayloadType = 96 };
        _stream.Receive(in header, 1000, ticks);
    }
}

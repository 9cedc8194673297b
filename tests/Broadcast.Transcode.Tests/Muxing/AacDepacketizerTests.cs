using Broadcast.Transcode.Muxing;

namespace Broadcast.Transcode.Tests.Muxing;

/// <summary>RFC 3640 AAC-hbr payloads into AAC frames.</summary>
public sealed class AacDepacketizerTests
{
    [Fact]
    public void Several_frames_in_one_packet_come_out_one_by_one_1024_samples_apart()
    {
        var depacketizer = new AacDepacketizer();
        var seen = new Recorder();

        depacketizer.Push(RtpPackets.AacHbr([1, 2, 3], [4, 5]), 48_000, marker: true, afterLoss: false, seen);

        Assert.Equal([([1, 2, 3], 48_000u), ([4, 5], 49_024u)], seen.Frames.Select(f => (f.Frame, f.Timestamp)));
    }

    [Fact]
    public void A_frame_fragmented_over_packets_is_joined_at_the_marker()
    {
        var depacketizer = new AacDepacketizer();
        var seen = new Recorder();
        var frame = Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray();

        depacketizer.Push(RtpPackets.AacHbrWithSizes([3000], frame[..1400]), 1024, marker: false, afterLoss: false, seen);
        depacketizer.Push(RtpPackets.AacHbrWithSizes([3000], frame[1400..2800]), 1024, marker: false, afterLoss: false, seen);
        depacketizer.Push(RtpPackets.AacHbrWithSizes([3000], frame[2800..]), 1024, marker: true, afterLoss: false, seen);

        Assert.Equal(frame, Assert.Single(seen.Frames).Frame);
    }

    [Fact]
    public void A_fragmented_frame_that_lost_a_piece_is_dropped_and_counted()
    {
        var depacketizer = new AacDepacketizer();
        var seen = new Recorder();
        var frame = new byte[3000];

        depacketizer.Push(RtpPackets.AacHbrWithSizes([3000], frame[..1400]), 1024, marker: false, afterLoss: false, seen);
        depacketizer.Push(RtpPackets.AacHbrWithSizes([3000], frame[2800..]), 1024, marker: true, afterLoss: true, seen);
        depacketizer.Push(RtpPackets.AacHbr([7]), 2048, marker: true, afterLoss: false, seen);

        Assert.Equal([7], Assert.Single(seen.Frames).Frame);
        Assert.True(depacketizer.Malformed >= 1);
    }

    [Theory]
    [InlineData(new byte[] { 0x00 })] // shorter than the AU-headers-length
    [InlineData(new byte[] { 0x00, 0x40, 0x00 })] // 64 bits of headers announced, 1 byte there
    [InlineData(new byte[] { 0x00, 0x20, 0x00, 0x50, 0x00, 0x28, 1, 2 })] // two AUs of 10 and 5 bytes, 2 bytes of data
    public void Payloads_whose_headers_do_not_add_up_are_counted(byte[] payload)
    {
        var depacketizer = new AacDepacketizer();
        var seen = new Recorder();

        depacketizer.Push(payload, 0, marker: true, afterLoss: false, seen);

        Assert.Empty(seen.Frames);
        Assert.Equal(1, depacketizer.Malformed);
    }

    private sealed class Recorder : IAacReceiver
    {
        public List<(byte[] Frame, uint Timestamp)> Frames { get; } = [];

        public void OnAacFrame(ReadOnlySpan<byte> frame, uint timestamp) => Frames.Add((frame.ToArray(), timestamp));
    }
}

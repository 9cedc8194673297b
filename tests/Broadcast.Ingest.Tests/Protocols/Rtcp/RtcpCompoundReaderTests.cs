using Broadcast.Ingest.Protocols.Rtcp;

namespace Broadcast.Ingest.Tests.Protocols.Rtcp;

public class RtcpCompoundReaderTests
{
    [Fact]
    public void Reading_an_ffmpeg_compound_yields_the_sender_report_then_the_source_description()
    {
        var compound = Hex.Bytes(RtcpFixtures.FfmpegCompound);
        var reader = new RtcpCompoundReader(compound);

        Assert.True(reader.TryReadNext(out var first, out var firstPacket));
        Assert.Equal(RtcpPacketType.SenderReport, first.PacketType);
        Assert.Equal(Hex.Bytes(RtcpFixtures.FfmpegSenderReport), firstPacket.ToArray());

        Assert.True(reader.TryReadNext(out var second, out var secondPacket));
        Assert.Equal(RtcpPacketType.SourceDescription, second.PacketType);
        Assert.Equal(1, second.Count);
        Assert.Equal(Hex.Bytes(RtcpFixtures.FfmpegSourceDescription), secondPacket.ToArray());

        Assert.False(reader.TryReadNext(out _, out _));
        Assert.False(reader.Malformed);
    }

    [Fact]
    public void Reading_a_compound_with_a_truncated_second_packet_stops_as_malformed()
    {
        var compound = Hex.Bytes(RtcpFixtures.FfmpegCompound)[..^4];
        var reader = new RtcpCompoundReader(compound);

        Assert.True(reader.TryReadNext(out var first, out _));
        Assert.Equal(RtcpPacketType.SenderReport, first.PacketType);
        Assert.False(reader.TryReadNext(out var header, out var packet));
        Assert.Equal(default, header);
        Assert.True(packet.IsEmpty);
        Assert.True(reader.Malformed);
    }

    [Fact]
    public void Reading_stays_stopped_after_a_malformed_packet()
    {
        var reader = new RtcpCompoundReader(Hex.Bytes("00 c9 00 01  00 00 00 01  80 c9 00 01  00 00 00 02"));

        Assert.False(reader.TryReadNext(out _, out _));
        Assert.True(reader.Malformed);
        Assert.False(reader.TryReadNext(out _, out _));
        Assert.True(reader.Malformed);
    }

    [Fact]
    public void Reading_trailing_bytes_too_short_for_a_header_is_malformed()
    {
        var reader = new RtcpCompoundReader(Hex.Bytes(RtcpFixtures.FfmpegSenderReport + "80 c9"));

        Assert.True(reader.TryReadNext(out _, out _));
        Assert.False(reader.TryReadNext(out _, out _));
        Assert.True(reader.Malformed);
    }

    [Fact]
    public void Reading_an_empty_datagram_yields_nothing_and_is_not_malformed()
    {
        var reader = new RtcpCompoundReader([]);

        Assert.False(reader.TryReadNext(out _, out _));
        Assert.False(reader.Malformed);
    }

    [Fact]
    public void Reading_a_lone_feedback_message_is_allowed_for_reduced_size_rtcp()
    {
        var reader = new RtcpCompoundReader(Hex.Bytes("81 ce 00 02  00 00 00 01  00 00 00 02"));

        Assert.True(reader.TryReadNext(out var header, out var packet));
        Assert.Equal(RtcpPacketType.PayloadFeedback, header.PacketType);
        Assert.Equal(12, packet.Length);
        Assert.False(reader.TryReadNext(out _, out _));
        Assert.False(reader.Malformed);
    }

    [Fact]
    public void Reading_many_empty_packets_ends_after_one_step_each()
    {
        var compound = new byte[4 * 100];
        for (var i = 0; i < compound.Length; i += 4)
        {
            compound[i] = 0x80;
            compound[i + 1] = RtcpPacketType.Goodbye;
        }

        var reader = new RtcpCompoundReader(compound);
        var packets = 0;
        while (reader.TryReadNext(out _, out _))
        {
            packets++;
        }

        Assert.Equal(100, packets);
        Assert.False(reader.Malformed);
    }
}

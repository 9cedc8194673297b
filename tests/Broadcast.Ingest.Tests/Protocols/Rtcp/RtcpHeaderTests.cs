using Broadcast.Ingest.Protocols.Rtcp;

namespace Broadcast.Ingest.Tests.Protocols.Rtcp;

public class RtcpHeaderTests
{
    [Fact]
    public void Parse_of_an_ffmpeg_sender_report_reads_the_header()
    {
        Assert.True(RtcpHeader.TryParse(Hex.Bytes(RtcpFixtures.FfmpegCompound), out var header));

        Assert.Equal(0, header.Count);
        Assert.Equal(RtcpPacketType.SenderReport, header.PacketType);
        Assert.False(header.Padding);
        Assert.Equal(28, header.PacketLength);
    }

    [Fact]
    public void Parse_of_a_packet_with_length_zero_covers_just_the_header()
    {
        Assert.True(RtcpHeader.TryParse(Hex.Bytes("80 cb 00 00"), out var header));

        Assert.Equal(RtcpHeader.Length, header.PacketLength);
        Assert.Equal(RtcpPacketType.Goodbye, header.PacketType);
    }

    [Fact]
    public void Parse_reads_the_five_bit_count()
    {
        Assert.True(RtcpHeader.TryParse(Hex.Bytes("9f cb 00 00"), out var header));

        Assert.Equal(31, header.Count);
    }

    [Fact]
    public void Parse_of_a_padded_packet_keeps_the_padding_inside_the_packet_length()
    {
        Assert.True(RtcpHeader.TryParse(Hex.Bytes("a0 c9 00 02  00 00 00 01  00 00 00 04"), out var header));

        Assert.True(header.Padding);
        Assert.Equal(12, header.PacketLength);
    }

    public static TheoryData<string, string> InvalidHeaders => new()
    {
        { "empty", "" },
        { "three bytes", "80 c8 00" },
        { "version 0", "00 c9 00 01  00 00 00 01" },
        { "version 1", "40 c9 00 01  00 00 00 01" },
        { "version 3", "c0 c9 00 01  00 00 00 01" },
        { "length one word past the end", "80 c9 00 02  00 00 00 01" },
        { "largest length on a short span", "80 c9 ff ff  00 00 00 01" },
        { "zero padding count", "a0 c9 00 01  00 00 00 00" },
        { "padding larger than the body", "a0 c9 00 01  00 00 00 05" },
    };

    [Theory]
    [MemberData(nameof(InvalidHeaders))]
    public void Parse_of_an_invalid_header_fails(string reason, string hex)
    {
        Assert.False(RtcpHeader.TryParse(Hex.Bytes(hex), out var header), reason);
        Assert.Equal(default, header);
    }

    [Fact]
    public void Parse_of_a_header_truncated_at_every_length_fails()
    {
        var packet = Hex.Bytes(RtcpFixtures.FfmpegSenderReport);

        for (var length = 0; length < packet.Length; length++)
        {
            Assert.False(RtcpHeader.TryParse(packet.AsSpan(0, length), out _), $"length {length}");
        }
    }

    [Theory]
    [InlineData("80 c8 00 06  5e 4f 12 34", true)]  // SR
    [InlineData("80 c9 00 01  00 00 00 01", true)]  // RR, no blocks
    [InlineData("81 cd 00 03  00 00 00 01", true)]  // transport feedback (205)
    [InlineData("80 c0 00 01  00 00 00 01", true)]  // 192, the low end of the range
    [InlineData("80 df 00 01  00 00 00 01", true)]  // 223, the high end
    [InlineData("80 bf 00 01  00 00 00 01", false)] // 191: RTP PT 63 with the marker bit
    [InlineData("80 e0 00 01  00 00 00 01", false)] // 224: RTP PT 96 with the marker bit
    [InlineData("80 60 00 01  00 00 00 01", false)] // RTP PT 96
    [InlineData("40 c8 00 06  5e 4f 12 34", false)] // version 1
    [InlineData("80 cb 00 00", false)]              // a lone empty BYE is too short to lead a datagram
    [InlineData("80 c8 00 06  5e 4f 12", false)]    // seven bytes
    [InlineData("", false)]
    public void IsRtcp_demuxes_by_version_packet_type_and_length(string hex, bool expected)
    {
        Assert.Equal(expected, RtcpHeader.IsRtcp(Hex.Bytes(hex)));
    }
}

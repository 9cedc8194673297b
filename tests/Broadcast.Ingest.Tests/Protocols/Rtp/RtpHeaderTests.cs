using Broadcast.Ingest.Protocols.Rtp;

namespace Broadcast.Ingest.Tests.Protocols.Rtp;

public class RtpHeaderTests
{
    // An Opus packet as Chrome sends it: X=1, PT=111, a one-byte extension block holding audio level (id 1),
    // transport-wide sequence number (id 3) and mid "0" (id 4), one padding byte, then 4 payload bytes.
    internal const string ChromeOpus =
        "90 6f 1a 2b  00 00 3e 80  12 34 56 78" +
        "be de 00 02  10 9f 31 00  05 40 30 00" +
        "78 0b e4 c1";

    // Two-byte form (profile 0x1000): id 5 = "abc", a padding byte, id 6 with length zero.
    internal const string TwoByteExtension =
        "90 60 00 01  00 00 00 02  00 00 00 03" +
        "10 00 00 02  05 03 61 62  63 00 06 00" +
        "aa bb";

    // CC=2 with marker set and PT 96.
    private const string WithCsrcs =
        "82 e0 ff ff  ff ff ff ff  00 00 00 01" +
        "00 00 00 0a  00 00 00 0b" +
        "01 02 03";

    // P=1: three payload bytes, then three padding bytes ending in the count.
    private const string WithPadding =
        "a0 60 00 07  00 00 00 08  00 00 00 09" +
        "c1 c2 c3  00 00 03";

    [Fact]
    public void Parse_of_a_chrome_opus_packet_reads_every_field()
    {
        var packet = Hex.Bytes(ChromeOpus);

        Assert.True(RtpHeader.TryParse(packet, out var header));
        Assert.False(header.Marker);
        Assert.Equal(111, header.PayloadType);
        Assert.Equal(0x1a2b, header.SequenceNumber);
        Assert.Equal(16000u, header.Timestamp);
        Assert.Equal(0x12345678u, header.Ssrc);
        Assert.Equal(0, header.CsrcCount);
        Assert.True(header.HasExtension);
        Assert.Equal(RtpHeaderExtensions.OneByteProfile, header.ExtensionProfile);
        Assert.Equal(16, header.ExtensionOffset);
        Assert.Equal(8, header.ExtensionLength);
        Assert.Equal(24, header.PayloadOffset);
        Assert.Equal(4, header.PayloadLength);
        Assert.Equal(0, header.PaddingLength);
        Assert.Equal(Hex.Bytes("78 0b e4 c1"), header.Payload(packet).ToArray());
    }

    [Fact]
    public void Parse_of_a_packet_with_csrcs_puts_the_payload_after_them()
    {
        var packet = Hex.Bytes(WithCsrcs);

        Assert.True(RtpHeader.TryParse(packet, out var header));
        Assert.True(header.Marker);
        Assert.Equal(96, header.PayloadType);
        Assert.Equal(0xffff, header.SequenceNumber);
        Assert.Equal(uint.MaxValue, header.Timestamp);
        Assert.Equal(2, header.CsrcCount);
        Assert.False(header.HasExtension);
        Assert.Equal(0, header.ExtensionProfile);
        Assert.Equal(20, header.PayloadOffset);
        Assert.Equal(Hex.Bytes("01 02 03"), header.Payload(packet).ToArray());
    }

    [Fact]
    public void Parse_of_a_padded_packet_leaves_the_padding_out_of_the_payload()
    {
        var packet = Hex.Bytes(WithPadding);

        Assert.True(RtpHeader.TryParse(packet, out var header));
        Assert.Equal(3, header.PaddingLength);
        Assert.Equal(3, header.PayloadLength);
        Assert.Equal(Hex.Bytes("c1 c2 c3"), header.Payload(packet).ToArray());
    }

    [Fact]
    public void Parse_of_a_packet_whose_padding_is_its_whole_payload_gives_an_empty_payload()
    {
        var packet = Hex.Bytes("a0 60 00 07  00 00 00 08  00 00 00 09  00 00 03");

        Assert.True(RtpHeader.TryParse(packet, out var header));
        Assert.Equal(0, header.PayloadLength);
        Assert.Equal(3, header.PaddingLength);
    }

    [Fact]
    public void Parse_of_a_bare_fixed_header_gives_an_empty_payload()
    {
        Assert.True(RtpHeader.TryParse(Hex.Bytes("80 00 00 00  00 00 00 00  00 00 00 00"), out var header));
        Assert.Equal(12, header.PayloadOffset);
        Assert.Equal(0, header.PayloadLength);
    }

    [Theory]
    [InlineData(ChromeOpus)]
    [InlineData(TwoByteExtension)]
    [InlineData(WithCsrcs)]
    public void Parse_of_a_packet_truncated_before_its_payload_fails_at_every_length(string hex)
    {
        var packet = Hex.Bytes(hex);
        Assert.True(RtpHeader.TryParse(packet, out var full));

        for (var length = 0; length < full.PayloadOffset; length++)
        {
            Assert.False(RtpHeader.TryParse(packet.AsSpan(0, length), out _), $"length {length}");
        }
    }

    public static TheoryData<string, string> InvalidPackets => new()
    {
        { "version 0", "00 60 00 01  00 00 00 02  00 00 00 03  aa" },
        { "version 1", "40 60 00 01  00 00 00 02  00 00 00 03  aa" },
        { "version 3", "c0 60 00 01  00 00 00 02  00 00 00 03  aa" },
        { "shorter than the fixed header", "80 60 00 01  00 00 00 02  00 00 00" },
        { "shorter than its csrc list", "83 60 00 01  00 00 00 02  00 00 00 03  00 00 00 0a  00 00 00 0b" },
        { "extension header cut off", "90 60 00 01  00 00 00 02  00 00 00 03  be de 00" },
        { "extension length past the end", "90 60 00 01  00 00 00 02  00 00 00 03  be de 00 02  10 aa 00 00" },
        { "zero padding count", "a0 60 00 01  00 00 00 02  00 00 00 03  aa bb 00" },
        { "padding larger than the payload", "a0 60 00 01  00 00 00 02  00 00 00 03  aa bb 04" },
        { "padding eating into the extension", "b0 60 00 01  00 00 00 02  00 00 00 03  be de 00 01  10 aa 00 05" },
        { "padding bit on a bare header", "a0 60 00 01  00 00 00 02  00 00 00 0c" },
    };

    [Theory]
    [MemberData(nameof(InvalidPackets))]
    public void Parse_of_an_invalid_packet_fails(string reason, string hex)
    {
        Assert.False(RtpHeader.TryParse(Hex.Bytes(hex), out var header), reason);
        Assert.Equal(default, header);
    }

    [Fact]
    public void Parse_of_an_empty_span_fails() => Assert.False(RtpHeader.TryParse([], out _));

    [Theory]
    [InlineData(false, 0, 0, 0u, 0u)]
    [InlineData(true, 127, 65535, uint.MaxValue, uint.MaxValue)]
    [InlineData(true, 96, 4242, 90000u, 0xdeadbeefu)]
    public void Fixed_header_round_trips_through_write_and_parse(bool marker, byte payloadType, ushort sequenceNumber,
        uint timestamp, uint ssrc)
    {
        var buffer = new byte[RtpHeader.FixedLength];

        Assert.True(RtpHeader.TryWriteFixed(buffer, marker, payloadType, sequenceNumber, timestamp, ssrc));
        Assert.True(RtpHeader.TryParse(buffer, out var header));
        Assert.Equal(marker, header.Marker);
        Assert.Equal(payloadType, header.PayloadType);
        Assert.Equal(sequenceNumber, header.SequenceNumber);
        Assert.Equal(timestamp, header.Timestamp);
        Assert.Equal(ssrc, header.Ssrc);
        Assert.Equal(RtpHeader.FixedLength, header.PayloadOffset);
    }

    [Fact]
    public void Write_of_a_fixed_header_matches_the_wire_bytes()
    {
        var buffer = new byte[RtpHeader.FixedLength];

        Assert.True(RtpHeader.TryWriteFixed(buffer, true, 96, 0x1a2b, 0x00003e80, 0x12345678));
        Assert.Equal(Hex.Bytes("80 e0 1a 2b  00 00 3e 80  12 34 56 78"), buffer);
    }

    [Fact]
    public void Write_of_a_fixed_header_into_a_short_buffer_fails()
    {
        Assert.False(RtpHeader.TryWriteFixed(new byte[RtpHeader.FixedLength - 1], false, 96, 1, 2, 3));
    }

    [Fact]
    public void Rewriting_forwarded_fields_keeps_everything_else()
    {
        var packet = Hex.Bytes(WithCsrcs);

        RtpHeader.WritePayloadType(packet, 100);
        RtpHeader.WriteSequenceNumber(packet, 7);
        RtpHeader.WriteTimestamp(packet, 8);
        RtpHeader.WriteSsrc(packet, 9);

        Assert.True(RtpHeader.TryParse(packet, out var header));
        Assert.True(header.Marker);
        Assert.Equal(100, header.PayloadType);
        Assert.Equal(7, header.SequenceNumber);
        Assert.Equal(8u, header.Timestamp);
        Assert.Equal(9u, header.Ssrc);
        Assert.Equal(2, header.CsrcCount);
        Assert.Equal(Hex.Bytes("01 02 03"), header.Payload(packet).ToArray());
    }

    [Fact]
    public void Rewriting_the_payload_type_masks_it_to_seven_bits()
    {
        var packet = Hex.Bytes("80 60 00 01  00 00 00 02  00 00 00 03");

        RtpHeader.WritePayloadType(packet, 0xff);

        Assert.Equal(0x7f, packet[1]);
    }
}

using Broadcast.Ingest.Protocols.Rtcp;

namespace Broadcast.Ingest.Tests.Protocols.Rtcp;

public class FullIntraRequestTests
{
    // V=2 FMT=4 PT=206 length=4, sender 1, media source 0x5e4f1234 (as mediasoup fills it),
    // FCI: SSRC 0x5e4f1234, sequence number 7, reserved zero.
    private const string Fir = "84 ce 00 04  00 00 00 01  5e 4f 12 34  5e 4f 12 34  07 00 00 00";

    [Fact]
    public void Write_puts_the_media_ssrc_in_both_the_header_and_the_fci()
    {
        var buffer = new byte[FullIntraRequest.Length];

        Assert.True(FullIntraRequest.TryWrite(buffer, 1, 0x5e4f1234, 7, out var written));
        Assert.Equal(FullIntraRequest.Length, written);
        Assert.Equal(Hex.Bytes(Fir), buffer);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(255)]
    public void Full_intra_request_round_trips_through_write_and_parse(byte sequenceNumber)
    {
        var buffer = new byte[FullIntraRequest.Length];

        Assert.True(FullIntraRequest.TryWrite(buffer, 0x11111111, 0x22222222, sequenceNumber, out _));
        Assert.True(FullIntraRequest.TryParse(buffer, out var sender, out var media, out var parsedSequence));
        Assert.Equal(0x11111111u, sender);
        Assert.Equal(0x22222222u, media);
        Assert.Equal(sequenceNumber, parsedSequence);
    }

    [Fact]
    public void Parse_takes_the_media_ssrc_from_the_fci_when_the_header_field_is_zero()
    {
        // RFC 5104 §4.3.1 as written: the media source field is 0 and the FCI names the sender.
        var packet = Hex.Bytes("84 ce 00 04  00 00 00 01  00 00 00 00  5e 4f 12 34  09 00 00 00");

        Assert.True(FullIntraRequest.TryParse(packet, out _, out var media, out var sequenceNumber));
        Assert.Equal(0x5e4f1234u, media);
        Assert.Equal(9, sequenceNumber);
    }

    [Fact]
    public void Write_into_a_short_buffer_fails()
    {
        Assert.False(FullIntraRequest.TryWrite(new byte[FullIntraRequest.Length - 1], 1, 2, 3, out var written));
        Assert.Equal(0, written);
    }

    public static TheoryData<string, string> InvalidPackets => new()
    {
        { "a picture loss indication", "81 ce 00 02  00 00 00 01  5e 4f 12 34" },
        { "FMT 4 without an FCI entry", "84 ce 00 02  00 00 00 01  5e 4f 12 34" },
        { "FMT 4 under PT 205", "84 cd 00 04  00 00 00 01  5e 4f 12 34  5e 4f 12 34  07 00 00 00" },
        { "cut short", "84 ce 00 04  00 00 00 01  5e 4f 12 34  5e 4f 12 34  07 00 00" },
    };

    [Theory]
    [MemberData(nameof(InvalidPackets))]
    public void Parse_of_another_packet_fails(string reason, string hex)
    {
        Assert.False(FullIntraRequest.TryParse(Hex.Bytes(hex), out _, out _, out _), reason);
    }
}

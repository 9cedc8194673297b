using Broadcast.Ingest.Protocols.Rtcp;

namespace Broadcast.Ingest.Tests.Protocols.Rtcp;

public class PictureLossIndicationTests
{
    // V=2 FMT=1 PT=206 length=2, sender SSRC 1, media SSRC 0x5e4f1234.
    private const string Pli = "81 ce 00 02  00 00 00 01  5e 4f 12 34";

    [Fact]
    public void Write_produces_the_rfc_4585_bytes()
    {
        var buffer = new byte[PictureLossIndication.Length];

        Assert.True(PictureLossIndication.TryWrite(buffer, 1, 0x5e4f1234, out var written));
        Assert.Equal(PictureLossIndication.Length, written);
        Assert.Equal(Hex.Bytes(Pli), buffer);
    }

    [Fact]
    public void Picture_loss_indication_round_trips_through_write_and_parse()
    {
        var buffer = new byte[64];

        Assert.True(PictureLossIndication.TryWrite(buffer, uint.MaxValue, 0xabcdef01, out var written));
        Assert.True(PictureLossIndication.TryParse(buffer.AsSpan(0, written), out var sender, out var media));
        Assert.Equal(uint.MaxValue, sender);
        Assert.Equal(0xabcdef01u, media);
    }

    [Fact]
    public void Write_into_a_short_buffer_fails()
    {
        Assert.False(PictureLossIndication.TryWrite(new byte[PictureLossIndication.Length - 1], 1, 2, out var written));
        Assert.Equal(0, written);
    }

    public static TheoryData<string, string> InvalidPackets => new()
    {
        { "a full intra request (FMT 4)", "84 ce 00 04  00 00 00 01  5e 4f 12 34  5e 4f 12 34  01 00 00 00" },
        { "a generic NACK (PT 205)", "81 cd 00 02  00 00 00 01  5e 4f 12 34" },
        { "no media SSRC", "81 ce 00 01  00 00 00 01" },
        { "cut short", "81 ce 00 02  00 00 00 01  5e 4f 12" },
    };

    [Theory]
    [MemberData(nameof(InvalidPackets))]
    public void Parse_of_another_packet_fails(string reason, string hex)
    {
        Assert.False(PictureLossIndication.TryParse(Hex.Bytes(hex), out var sender, out var media), reason);
        Assert.Equal(0u, sender);
        Assert.Equal(0u, media);
    }
}

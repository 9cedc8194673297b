using Broadcast.Ingest.Protocols.Rtcp;

namespace Broadcast.Ingest.Tests.Protocols.Rtcp;

public class SourceDescriptionTests
{
    [Fact]
    public void A_cname_chunk_is_padded_with_at_least_one_zero_to_a_word_boundary()
    {
        var buffer = new byte[32];

        Assert.True(SourceDescription.TryWriteCname(buffer, 0x01020304, "ab"u8, out var written));

        Assert.Equal(Hex.Bytes("81 ca 00 03  01 02 03 04  01 02 61 62  00 00 00 00"), buffer[..written]);
        Assert.True(RtcpHeader.TryParse(buffer.AsSpan(0, written), out var header));
        Assert.Equal(written, header.PacketLength);
    }

    [Fact]
    public void A_cname_filling_the_word_exactly_still_gets_a_zero_word()
    {
        var buffer = new byte[32];

        Assert.True(SourceDescription.TryWriteCname(buffer, 1, "abcdef"u8, out var written));

        Assert.Equal(20, written);
        Assert.Equal(0, buffer[16]);
        Assert.False(SourceDescription.TryWriteCname(buffer.AsSpan(0, 19), 1, "abcdef"u8, out _));
        Assert.False(SourceDescription.TryWriteCname(new byte[300], 1, new byte[256], out _));
    }

    [Fact]
    public void Parse_of_an_ffmpeg_sdes_reads_its_ssrc_and_cname()
    {
        Assert.True(SourceDescription.TryParseCname(Hex.Bytes(RtcpFixtures.FfmpegSourceDescription), out var ssrc, out var cname));

        Assert.Equal(0x5e4f1234u, ssrc);
        Assert.Equal("Lavf61.7.100"u8.ToArray(), cname.ToArray());
    }

    [Fact]
    public void A_written_cname_parses_back()
    {
        var buffer = new byte[300];

        Assert.True(SourceDescription.TryWriteCname(buffer, 0xfedcba98, "peer@example"u8, out var written));
        Assert.True(SourceDescription.TryParseCname(buffer.AsSpan(0, written), out var ssrc, out var cname));

        Assert.Equal(0xfedcba98u, ssrc);
        Assert.Equal("peer@example"u8.ToArray(), cname.ToArray());
    }

    [Fact]
    public void A_cname_after_other_items_of_the_chunk_is_found()
    {
        // A browser's chunk: NAME "ab" (2), then CNAME "xyz", end item, padding.
        var packet = Hex.Bytes("81 ca 00 04  00 00 00 07  02 02 61 62  01 03 78 79  7a 00 00 00");

        Assert.True(SourceDescription.TryParseCname(packet, out var ssrc, out var cname));

        Assert.Equal(7u, ssrc);
        Assert.Equal("xyz"u8.ToArray(), cname.ToArray());
    }

    public static TheoryData<string, string> InvalidPackets => new()
    {
        { "a sender report", RtcpFixtures.FfmpegSenderReport },
        { "no chunk (SC=0)", "80 ca 00 01  00 00 00 07" },
        { "no CNAME before the end item", "81 ca 00 02  00 00 00 07  00 00 00 00" },
        { "an item running past the packet", "81 ca 00 02  00 00 00 07  01 09 61 62" },
        { "cut short", "81 ca 00 05  5e 4f 12 34  01 0c 4c 61" },
    };

    [Theory]
    [MemberData(nameof(InvalidPackets))]
    public void Parse_of_another_or_a_broken_packet_fails(string reason, string hex)
    {
        Assert.False(SourceDescription.TryParseCname(Hex.Bytes(hex), out var ssrc, out var cname), reason);
        Assert.Equal(0u, ssrc);
        Assert.True(cname.IsEmpty);
    }
}

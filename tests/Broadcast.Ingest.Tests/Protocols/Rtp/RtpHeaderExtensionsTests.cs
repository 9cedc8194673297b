using System.Text;
using Broadcast.Ingest.Protocols.Rtp;

namespace Broadcast.Ingest.Tests.Protocols.Rtp;

public class RtpHeaderExtensionsTests
{
    [Fact]
    public void Find_in_a_chrome_packet_returns_the_mid()
    {
        var packet = Hex.Bytes(RtpHeaderTests.ChromeOpus);
        Assert.True(RtpHeader.TryParse(packet, out var header));

        Assert.True(RtpHeaderExtensions.TryFind(packet, header, 4, out var mid));
        Assert.Equal("0", Encoding.ASCII.GetString(mid));
    }

    [Fact]
    public void Find_in_a_chrome_packet_returns_multi_byte_elements_whole()
    {
        var packet = Hex.Bytes(RtpHeaderTests.ChromeOpus);
        Assert.True(RtpHeader.TryParse(packet, out var header));

        Assert.True(RtpHeaderExtensions.TryFind(packet, header, 1, out var audioLevel));
        Assert.Equal(Hex.Bytes("9f"), audioLevel.ToArray());
        Assert.True(RtpHeaderExtensions.TryFind(packet, header, 3, out var transportSequence));
        Assert.Equal(Hex.Bytes("00 05"), transportSequence.ToArray());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(14)]
    [InlineData(0)]
    [InlineData(-1)]
    public void Find_of_an_absent_or_invalid_id_fails(int id)
    {
        var packet = Hex.Bytes(RtpHeaderTests.ChromeOpus);
        Assert.True(RtpHeader.TryParse(packet, out var header));

        Assert.False(RtpHeaderExtensions.TryFind(packet, header, id, out _));
    }

    [Fact]
    public void Find_in_the_two_byte_form_returns_elements_including_empty_ones()
    {
        var packet = Hex.Bytes(RtpHeaderTests.TwoByteExtension);
        Assert.True(RtpHeader.TryParse(packet, out var header));
        Assert.Equal(0x1000, header.ExtensionProfile);

        Assert.True(RtpHeaderExtensions.TryFind(packet, header, 5, out var value));
        Assert.Equal("abc", Encoding.ASCII.GetString(value));
        Assert.True(RtpHeaderExtensions.TryFind(packet, header, 6, out var empty));
        Assert.True(empty.IsEmpty);
        Assert.False(RtpHeaderExtensions.TryFind(packet, header, 7, out _));
    }

    [Fact]
    public void Find_in_a_packet_without_an_extension_fails()
    {
        var packet = Hex.Bytes("80 60 00 01  00 00 00 02  00 00 00 03  aa");
        Assert.True(RtpHeader.TryParse(packet, out var header));

        Assert.False(RtpHeaderExtensions.TryFind(packet, header, 1, out _));
    }

    public static TheoryData<string, string, int> MalformedBlocks => new()
    {
        // The one-byte form stops at id 15, even when the element sought follows it.
        { "id 15 stops the one-byte walk", "be de 00 01  f0 40 30 00", 4 },
        { "one-byte element past the block", "be de 00 01  00 00 13 aa", 1 },
        { "two-byte element past the block", "10 00 00 01  05 04 61 62", 5 },
        { "two-byte header cut by the block end", "10 00 00 01  00 00 00 05", 5 },
        { "unknown profile", "ab cd 00 01  10 aa 00 00", 1 },
    };

    [Theory]
    [MemberData(nameof(MalformedBlocks))]
    public void Find_in_a_malformed_or_unknown_block_fails(string reason, string extension, int id)
    {
        var packet = Hex.Bytes("90 60 00 01  00 00 00 02  00 00 00 03  " + extension);
        Assert.True(RtpHeader.TryParse(packet, out var header), reason);

        Assert.False(RtpHeaderExtensions.TryFind(packet, header, id, out _), reason);
    }

    [Fact]
    public void Find_skips_padding_bytes_between_one_byte_elements()
    {
        var packet = Hex.Bytes("90 60 00 01  00 00 00 02  00 00 00 03  be de 00 02  10 aa 00 00  00 21 bb cc");
        Assert.True(RtpHeader.TryParse(packet, out var header));

        Assert.True(RtpHeaderExtensions.TryFind(packet, header, 2, out var value));
        Assert.Equal(Hex.Bytes("bb cc"), value.ToArray());
    }

    [Fact]
    public void Find_accepts_any_two_byte_profile_low_nibble()
    {
        // RFC 8285 §4.3: the low four bits of 0x100X are application bits.
        var packet = Hex.Bytes("90 60 00 01  00 00 00 02  00 00 00 03  10 0f 00 01  01 01 7a 00");
        Assert.True(RtpHeader.TryParse(packet, out var header));

        Assert.True(RtpHeaderExtensions.TryFind(packet, header, 1, out var value));
        Assert.Equal(Hex.Bytes("7a"), value.ToArray());
    }

    [Fact]
    public void Remap_rewrites_one_byte_ids_in_place_and_blanks_unmapped_elements_to_padding()
    {
        var packet = Hex.Bytes(RtpHeaderTests.ChromeOpus); // audio level id 1, transport-wide sequence id 3, MID id 4
        Assert.True(RtpHeader.TryParse(packet, out var header));
        var map = new byte[16];
        map[1] = 10;
        map[4] = 1;

        Assert.True(RtpHeaderExtensions.Remap(packet, header, map));

        Assert.Equal(Hex.Bytes("be de 00 02  a0 9f 00 00  00 10 30 00"), packet[12..24]);
        Assert.True(RtpHeaderExtensions.TryFind(packet, header, 10, out var level));
        Assert.Equal(Hex.Bytes("9f"), level.ToArray());
        Assert.True(RtpHeaderExtensions.TryFind(packet, header, 1, out var mid));
        Assert.Equal("0", Encoding.ASCII.GetString(mid));
        Assert.False(RtpHeaderExtensions.TryFind(packet, header, 3, out _));
        Assert.Equal(Hex.Bytes("78 0b e4 c1"), header.Payload(packet).ToArray());
    }

    [Fact]
    public void Remap_handles_the_two_byte_form_and_rejects_an_element_running_past_the_block()
    {
        var packet = Hex.Bytes("90 6f 00 01  00 00 00 01  12 34 56 78  10 00 00 02  07 02 aa bb  09 01 cc 00  ff");
        Assert.True(RtpHeader.TryParse(packet, out var header));
        var map = new byte[256];
        map[7] = 200;

        Assert.True(RtpHeaderExtensions.Remap(packet, header, map));
        Assert.Equal(Hex.Bytes("10 00 00 02  c8 02 aa bb  00 00 00 00"), packet[12..24]);

        var broken = Hex.Bytes("90 6f 00 01  00 00 00 01  12 34 56 78  10 00 00 01  07 05 aa bb  ff");
        Assert.True(RtpHeader.TryParse(broken, out var brokenHeader));
        Assert.False(RtpHeaderExtensions.Remap(broken, brokenHeader, map));
    }

    [Fact]
    public void Find_range_locates_a_value_for_rewriting_and_blank_turns_the_element_into_padding()
    {
        var packet = Hex.Bytes(RtpHeaderTests.ChromeOpus);
        Assert.True(RtpHeader.TryParse(packet, out var header));

        Assert.True(RtpHeaderExtensions.TryFindRange(packet, header, 4, out var offset, out var length));
        Assert.Equal((22, 1), (offset, length));
        RtpHeaderExtensions.Blank(packet, header, 4);

        Assert.False(RtpHeaderExtensions.TryFind(packet, header, 4, out _));
        Assert.True(RtpHeaderExtensions.TryFind(packet, header, 3, out var transportSequence));
        Assert.Equal(Hex.Bytes("00 05"), transportSequence.ToArray());
    }
}

using Broadcast.Ingest.Protocols.Rtcp;

namespace Broadcast.Ingest.Tests.Protocols.Rtcp;

public class GoodbyeTests
{
    [Fact]
    public void Parse_of_a_bye_lists_its_sources()
    {
        var ssrcs = new uint[4];

        Assert.True(Goodbye.TryParse(Hex.Bytes("82 cb 00 02  5e 4f 12 34  00 00 00 02"), ssrcs, out var count));
        Assert.Equal(2, count);
        Assert.Equal(new uint[] { 0x5e4f1234, 2 }, ssrcs[..count]);
    }

    [Fact]
    public void Parse_of_a_bye_with_a_reason_skips_it()
    {
        // Reason "bye!!" (length 5), padded with zeros to a word boundary.
        var packet = Hex.Bytes("81 cb 00 03  5e 4f 12 34  05 62 79 65  21 21 00 00");
        var ssrcs = new uint[1];

        Assert.True(Goodbye.TryParse(packet, ssrcs, out var count));
        Assert.Equal(1, count);
        Assert.Equal(0x5e4f1234u, ssrcs[0]);
    }

    [Fact]
    public void Parse_of_an_empty_bye_has_no_sources()
    {
        Assert.True(Goodbye.TryParse(Hex.Bytes("80 cb 00 00"), new uint[1], out var count));
        Assert.Equal(0, count);
    }

    [Fact]
    public void Parse_fills_only_as_many_sources_as_the_destination_holds()
    {
        var ssrcs = new uint[1];

        Assert.True(Goodbye.TryParse(Hex.Bytes("82 cb 00 02  00 00 00 01  00 00 00 02"), ssrcs, out var count));
        Assert.Equal(1, count);
        Assert.Equal(1u, ssrcs[0]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Goodbye.MaxSources)]
    public void Bye_round_trips_through_write_and_parse(int sources)
    {
        var ssrcs = new uint[sources];
        for (var i = 0; i < sources; i++)
        {
            ssrcs[i] = 0xa0000000u + (uint)i;
        }

        var buffer = new byte[4 + (4 * sources)];
        Assert.True(Goodbye.TryWrite(buffer, ssrcs, out var written));
        Assert.Equal(buffer.Length, written);

        var parsed = new uint[Goodbye.MaxSources];
        Assert.True(Goodbye.TryParse(buffer, parsed, out var count));
        Assert.Equal(ssrcs, parsed[..count]);
    }

    [Fact]
    public void Write_produces_the_rfc_3550_bytes()
    {
        var buffer = new byte[8];

        Assert.True(Goodbye.TryWrite(buffer, [0x5e4f1234], out _));
        Assert.Equal(Hex.Bytes("81 cb 00 01  5e 4f 12 34"), buffer);
    }

    [Fact]
    public void Write_into_a_short_buffer_fails()
    {
        Assert.False(Goodbye.TryWrite(new byte[7], [1], out var written));
        Assert.Equal(0, written);
    }

    [Fact]
    public void Write_of_more_than_31_sources_is_a_caller_error()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Goodbye.TryWrite(new byte[256], new uint[32], out _));
    }

    public static TheoryData<string, string> InvalidPackets => new()
    {
        { "more sources than the packet holds", "82 cb 00 01  5e 4f 12 34" },
        { "a reason running past the packet", "81 cb 00 02  5e 4f 12 34  08 62 79 65" },
        { "a receiver report", "80 c9 00 01  00 00 00 01" },
        { "cut short", "81 cb 00 01  5e 4f 12" },
    };

    [Theory]
    [MemberData(nameof(InvalidPackets))]
    public void Parse_of_an_invalid_bye_fails(string reason, string hex)
    {
        Assert.False(Goodbye.TryParse(Hex.Bytes(hex), new uint[4], out var count), reason);
        Assert.Equal(0, count);
    }
}

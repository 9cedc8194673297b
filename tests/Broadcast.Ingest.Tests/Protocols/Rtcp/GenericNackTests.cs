using Broadcast.Ingest.Protocols.Rtcp;

namespace Broadcast.Ingest.Tests.Protocols.Rtcp;

public class GenericNackTests
{
    // 100, 101, 105 and 116 fit one entry (BLP bits 0, 4, 15); 117 and 118 start a second.
    private const string TwoEntries =
        "81 cd 00 04  00 00 00 01  5e 4f 12 34" +
        "00 64 80 11  00 75 00 01";

    [Fact]
    public void Write_packs_numbers_within_16_of_the_pid_into_its_bitmask()
    {
        var buffer = new byte[64];

        Assert.True(GenericNack.TryWrite(buffer, 1, 0x5e4f1234, [100, 101, 105, 116, 117, 118], out var written));
        Assert.Equal(20, written);
        Assert.Equal(Hex.Bytes(TwoEntries), buffer[..written]);
    }

    [Fact]
    public void Parse_lists_each_pid_then_its_bitmask_in_order()
    {
        var lost = new ushort[32];

        Assert.True(GenericNack.TryParse(Hex.Bytes(TwoEntries), out var sender, out var media, lost, out var count));
        Assert.Equal(1u, sender);
        Assert.Equal(0x5e4f1234u, media);
        Assert.Equal(new ushort[] { 100, 101, 105, 116, 117, 118 }, lost[..count]);
    }

    [Fact]
    public void Write_packs_across_the_sequence_number_wrap()
    {
        var buffer = new byte[64];

        Assert.True(GenericNack.TryWrite(buffer, 1, 2, [65534, 65535, 0, 1], out var written));
        Assert.Equal(Hex.Bytes("81 cd 00 03  00 00 00 01  00 00 00 02  ff fe 00 07"), buffer[..written]);
    }

    [Fact]
    public void Write_of_a_single_loss_has_an_empty_bitmask()
    {
        var buffer = new byte[16];

        Assert.True(GenericNack.TryWrite(buffer, 1, 2, [4242], out var written));
        Assert.Equal(Hex.Bytes("81 cd 00 03  00 00 00 01  00 00 00 02  10 92 00 00"), buffer[..written]);
    }

    public static TheoryData<ushort[]> LossLists => new()
    {
        new ushort[] { 1 },
        new ushort[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17 },
        new ushort[] { 1, 18, 35, 52 },
        new ushort[] { 65500, 65535, 0, 10, 40000 },
    };

    [Theory]
    [MemberData(nameof(LossLists))]
    public void Ascending_losses_round_trip_through_write_and_parse(ushort[] lost)
    {
        var buffer = new byte[256];
        Assert.True(GenericNack.TryWrite(buffer, 7, 8, lost, out var written));

        var parsed = new ushort[64];
        Assert.True(GenericNack.TryParse(buffer.AsSpan(0, written), out var sender, out var media, parsed, out var count));
        Assert.Equal(7u, sender);
        Assert.Equal(8u, media);
        Assert.Equal(lost, parsed[..count]);
    }

    [Fact]
    public void Write_of_unordered_losses_still_reports_every_one()
    {
        ushort[] lost = [50, 10, 11, 50, 9];
        var buffer = new byte[256];
        Assert.True(GenericNack.TryWrite(buffer, 1, 2, lost, out var written));

        var parsed = new ushort[64];
        Assert.True(GenericNack.TryParse(buffer.AsSpan(0, written), out _, out _, parsed, out var count));
        Assert.Equal(new ushort[] { 9, 10, 11, 50 }, parsed[..count].Distinct().Order().ToArray());
    }

    [Fact]
    public void Write_into_a_buffer_too_short_for_every_entry_fails()
    {
        var buffer = new byte[19];

        Assert.False(GenericNack.TryWrite(buffer, 1, 2, [1, 100], out var written));
        Assert.Equal(0, written);
    }

    [Fact]
    public void Write_of_no_losses_is_a_caller_error()
    {
        Assert.Throws<ArgumentException>(() => GenericNack.TryWrite(new byte[64], 1, 2, [], out _));
    }

    [Fact]
    public void Parse_stops_when_the_destination_is_full()
    {
        var lost = new ushort[3];

        Assert.True(GenericNack.TryParse(Hex.Bytes(TwoEntries), out _, out _, lost, out var count));
        Assert.Equal(3, count);
        Assert.Equal(new ushort[] { 100, 101, 105 }, lost);
    }

    public static TheoryData<string, string> InvalidPackets => new()
    {
        { "no FCI entry", "81 cd 00 02  00 00 00 01  5e 4f 12 34" },
        { "a picture loss indication", "81 ce 00 02  00 00 00 01  5e 4f 12 34" },
        { "transport-wide feedback (FMT 15)", "8f cd 00 03  00 00 00 01  5e 4f 12 34  00 64 00 00" },
        { "cut short", "81 cd 00 03  00 00 00 01  5e 4f 12 34  00 64 00" },
    };

    [Theory]
    [MemberData(nameof(InvalidPackets))]
    public void Parse_of_an_invalid_nack_fails(string reason, string hex)
    {
        Assert.False(GenericNack.TryParse(Hex.Bytes(hex), out _, out _, new ushort[8], out var count), reason);
        Assert.Equal(0, count);
    }
}

using Broadcast.Ingest.Protocols.Rtcp;

namespace Broadcast.Ingest.Tests.Protocols.Rtcp;

public class ReceiverEstimatedMaximumBitrateTests
{
    // V=2 FMT=15 PT=206 length=5, sender 1, media 0, "REMB", 1 SSRC, exp 2, mantissa 250000 (1 Mbit/s), SSRC 0x11223344.
    private const string Remb = "8f ce 00 05  00 00 00 01  00 00 00 00  52 45 4d 42  01 0b d0 90  11 22 33 44";

    [Fact]
    public void Write_of_one_megabit_produces_the_draft_bytes_with_the_smallest_exponent()
    {
        var buffer = new byte[ReceiverEstimatedMaximumBitrate.LengthFor(1)];

        Assert.True(ReceiverEstimatedMaximumBitrate.TryWrite(buffer, 1, 1_000_000, [0x11223344], out var written));

        Assert.Equal(24, written);
        Assert.Equal(Hex.Bytes(Remb), buffer);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(262_143UL)]
    [InlineData(2_500_000UL)]
    [InlineData(30_000_000_000UL)]
    public void Bitrates_round_trip_within_the_mantissa_precision(ulong bitrate)
    {
        var buffer = new byte[64];
        Span<uint> ssrcs = stackalloc uint[4];

        Assert.True(ReceiverEstimatedMaximumBitrate.TryWrite(buffer, 7, bitrate, [1, 2], out var written));
        Assert.True(ReceiverEstimatedMaximumBitrate.TryParse(buffer.AsSpan(0, written), out var sender, out var parsed, ssrcs, out var count));

        Assert.Equal(7u, sender);
        Assert.Equal(2, count);
        Assert.Equal([1u, 2u], ssrcs[..count].ToArray());
        Assert.InRange(parsed, bitrate - (bitrate >> 17), bitrate); // truncation loses at most one part in 2^17
    }

    [Fact]
    public void Parse_fills_only_as_many_ssrcs_as_the_destination_holds()
    {
        Span<uint> one = stackalloc uint[1];
        var buffer = new byte[64];
        ReceiverEstimatedMaximumBitrate.TryWrite(buffer, 7, 1000, [1, 2, 3], out var written);

        Assert.True(ReceiverEstimatedMaximumBitrate.TryParse(buffer.AsSpan(0, written), out _, out _, one, out var count));
        Assert.Equal(1, count);
    }

    public static TheoryData<string, string> InvalidPackets => new()
    {
        { "a PLI (FMT 1)", "81 ce 00 02  00 00 00 01  5e 4f 12 34" },
        { "another application message (not REMB)", "8f ce 00 04  00 00 00 01  00 00 00 00  41 42 43 44  00 00 00 00" },
        { "more SSRCs listed than present", "8f ce 00 04  00 00 00 01  00 00 00 00  52 45 4d 42  02 0b d0 90" },
        { "truncated before the bitrate", "8f ce 00 03  00 00 00 01  00 00 00 00  52 45 4d 42" },
        { "length past the end", "8f ce 00 09  00 00 00 01  00 00 00 00  52 45 4d 42  01 0b d0 90  11 22 33 44" },
    };

    [Theory]
    [MemberData(nameof(InvalidPackets))]
    public void Parse_rejects(string what, string hex)
    {
        Assert.False(ReceiverEstimatedMaximumBitrate.TryParse(Hex.Bytes(hex), out _, out _, new uint[4], out _), what);
    }

    [Fact]
    public void Write_refuses_an_empty_ssrc_list() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ReceiverEstimatedMaximumBitrate.TryWrite(new byte[64], 1, 1, [], out _));
}

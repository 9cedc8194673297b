using Broadcast.Ingest.Protocols.Rtcp;

namespace Broadcast.Ingest.Tests.Protocols.Rtcp;

public class ReceiverReportTests
{
    private static ReceptionReport Block(uint ssrc, int cumulativeLost = 0) => new()
    {
        Ssrc = ssrc,
        FractionLost = (byte)ssrc,
        CumulativeLost = cumulativeLost,
        ExtendedHighestSequence = ssrc * 3,
        Jitter = ssrc * 5,
        LastSenderReport = ssrc * 7,
        DelaySinceLastSenderReport = ssrc * 11,
    };

    [Fact]
    public void Parse_of_a_browser_receiver_report_reads_its_block()
    {
        var reports = new ReceptionReport[4];

        Assert.True(ReceiverReport.TryParse(Hex.Bytes(RtcpFixtures.BrowserReceiverReport), out var sender, reports,
            out var count));
        Assert.Equal(1u, sender);
        Assert.Equal(1, count);
        var block = reports[0];
        Assert.Equal(0x5e4f1234u, block.Ssrc);
        Assert.Equal(2, block.FractionLost);
        Assert.Equal(3, block.CumulativeLost);
        Assert.Equal(0x11000u, block.ExtendedHighestSequence);
        Assert.Equal(20u, block.Jitter);
        Assert.Equal(0xa1b2c340u, block.LastSenderReport);
        Assert.Equal(0x18000u, block.DelaySinceLastSenderReport);
    }

    [Fact]
    public void Parse_reads_cumulative_lost_as_a_signed_24_bit_value()
    {
        var packet = Hex.Bytes("81 c9 00 07  00 00 00 01" +
            "00 00 00 02  00 ff ff ff  00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00");
        var reports = new ReceptionReport[1];

        Assert.True(ReceiverReport.TryParse(packet, out _, reports, out var count));
        Assert.Equal(1, count);
        Assert.Equal(-1, reports[0].CumulativeLost);
    }

    [Theory]
    [InlineData(-1, "ff ff ff")]
    [InlineData(-0x80_0000, "80 00 00")]
    [InlineData(int.MinValue, "80 00 00")] // clamped to the most negative 24-bit value
    [InlineData(0x7f_ffff, "7f ff ff")]
    [InlineData(int.MaxValue, "7f ff ff")] // clamped to the largest
    [InlineData(0, "00 00 00")]
    public void Write_encodes_cumulative_lost_in_24_bits_and_clamps(int cumulativeLost, string expected)
    {
        var buffer = new byte[32];
        ReadOnlySpan<ReceptionReport> reports = [new ReceptionReport { Ssrc = 9, FractionLost = 0xab, CumulativeLost = cumulativeLost }];

        Assert.True(ReceiverReport.TryWrite(buffer, 1, reports, out var written));
        Assert.Equal(32, written);
        Assert.Equal(0xab, buffer[12]);
        Assert.Equal(Hex.Bytes(expected), buffer[13..16]);
    }

    [Fact]
    public void Write_of_the_browser_block_produces_its_bytes()
    {
        var buffer = new byte[32];
        ReadOnlySpan<ReceptionReport> reports =
        [
            new ReceptionReport
            {
                Ssrc = 0x5e4f1234,
                FractionLost = 2,
                CumulativeLost = 3,
                ExtendedHighestSequence = 0x11000,
                Jitter = 20,
                LastSenderReport = 0xa1b2c340,
                DelaySinceLastSenderReport = 0x18000,
            },
        ];

        Assert.True(ReceiverReport.TryWrite(buffer, 1, reports, out var written));
        Assert.Equal(Hex.Bytes(RtcpFixtures.BrowserReceiverReport), buffer[..written]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(ReceiverReport.MaxReports)]
    public void Receiver_report_round_trips_through_write_and_parse(int blocks)
    {
        var reports = new ReceptionReport[blocks];
        for (var i = 0; i < blocks; i++)
        {
            reports[i] = Block((uint)i + 1, cumulativeLost: i % 2 == 0 ? -i : i * 1000);
        }

        var buffer = new byte[8 + (blocks * ReceptionReport.Length)];
        Assert.True(ReceiverReport.TryWrite(buffer, 0xfeedface, reports, out var written));
        Assert.Equal(buffer.Length, written);

        var parsed = new ReceptionReport[ReceiverReport.MaxReports];
        Assert.True(ReceiverReport.TryParse(buffer, out var sender, parsed, out var count));
        Assert.Equal(0xfeedfaceu, sender);
        Assert.Equal(blocks, count);
        Assert.Equal(reports, parsed[..count]);
    }

    [Fact]
    public void Parse_fills_only_as_many_blocks_as_the_destination_holds()
    {
        ReceptionReport[] reports = [Block(1), Block(2), Block(3)];
        var buffer = new byte[8 + (3 * ReceptionReport.Length)];
        Assert.True(ReceiverReport.TryWrite(buffer, 1, reports, out _));

        var parsed = new ReceptionReport[2];
        Assert.True(ReceiverReport.TryParse(buffer, out _, parsed, out var count));
        Assert.Equal(2, count);
        Assert.Equal(reports[..2], parsed);

        Assert.True(ReceiverReport.TryParse(buffer, out var sender, [], out count));
        Assert.Equal(0, count);
        Assert.Equal(1u, sender);
    }

    [Fact]
    public void Write_of_more_than_31_blocks_is_a_caller_error()
    {
        var reports = new ReceptionReport[ReceiverReport.MaxReports + 1];

        Assert.Throws<ArgumentOutOfRangeException>(() =>
            ReceiverReport.TryWrite(new byte[1024], 1, reports, out _));
    }

    [Fact]
    public void Write_into_a_short_buffer_fails_and_writes_nothing()
    {
        ReceptionReport[] reports = [Block(1)];
        var buffer = new byte[8 + ReceptionReport.Length - 1];

        Assert.False(ReceiverReport.TryWrite(buffer, 1, reports, out var written));
        Assert.Equal(0, written);
        Assert.All(buffer, b => Assert.Equal(0, b));
    }

    public static TheoryData<string, string> InvalidPackets => new()
    {
        { "a sender report", RtcpFixtures.FfmpegSenderReport },
        { "no sender SSRC", "80 c9 00 00" },
        { "more blocks than the packet holds", "82 c9 00 07  00 00 00 01" + RtcpFixtures.BrowserReportBlock },
        { "padding over the block", "a1 c9 00 07  00 00 00 01" + RtcpFixtures.BrowserReportBlock[..^2] + "04" },
        { "length past the end", "81 c9 00 08  00 00 00 01" + RtcpFixtures.BrowserReportBlock },
    };

    [Theory]
    [MemberData(nameof(InvalidPackets))]
    public void Parse_of_an_invalid_receiver_report_fails(string reason, string hex)
    {
        var reports = new ReceptionReport[4];

        Assert.False(ReceiverReport.TryParse(Hex.Bytes(hex), out var sender, reports, out var count), reason);
        Assert.Equal(0u, sender);
        Assert.Equal(0, count);
    }

    [Fact]
    public void Parse_of_a_receiver_report_truncated_at_every_length_fails()
    {
        var packet = Hex.Bytes(RtcpFixtures.BrowserReceiverReport);
        var reports = new ReceptionReport[1];

        for (var length = 0; length < packet.Length; length++)
        {
            Assert.False(ReceiverReport.TryParse(packet.AsSpan(0, length), out _, reports, out _), $"length {length}");
        }
    }
}

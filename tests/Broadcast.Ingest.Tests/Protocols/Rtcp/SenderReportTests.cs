using Broadcast.Ingest.Protocols.Rtcp;

namespace Broadcast.Ingest.Tests.Protocols.Rtcp;

public class SenderReportTests
{
    [Fact]
    public void Parse_of_an_ffmpeg_sender_report_reads_the_sender_info()
    {
        Assert.True(SenderReport.TryParse(Hex.Bytes(RtcpFixtures.FfmpegSenderReport), out var report));

        Assert.Equal(0x5e4f1234u, report.Ssrc);
        Assert.Equal(0xe9a1b2c3_40000000ul, report.NtpTimestamp);
        Assert.Equal(90000u, report.RtpTimestamp);
        Assert.Equal(300u, report.PacketCount);
        Assert.Equal(300000u, report.OctetCount);
    }

    [Fact]
    public void Parse_of_a_whole_compound_reads_its_leading_sender_report()
    {
        Assert.True(SenderReport.TryParse(Hex.Bytes(RtcpFixtures.FfmpegCompound), out var report));

        Assert.Equal(0x5e4f1234u, report.Ssrc);
    }

    [Fact]
    public void Parse_of_a_sender_report_with_a_report_block_ignores_the_block()
    {
        var packet = Hex.Bytes("81 c8 00 0c" + RtcpFixtures.FfmpegSenderInfo + RtcpFixtures.BrowserReportBlock);

        Assert.True(SenderReport.TryParse(packet, out var report));
        Assert.Equal(90000u, report.RtpTimestamp);
    }

    public static TheoryData<string, string> InvalidPackets => new()
    {
        { "a receiver report", RtcpFixtures.BrowserReceiverReport },
        { "shorter than the sender info", "80 c8 00 05  5e 4f 12 34  e9 a1 b2 c3  40 00 00 00  00 01 5f 90  00 00 01 2c" },
        { "a report block it does not carry", "81 c8 00 06" + RtcpFixtures.FfmpegSenderInfo },
        { "padding eating into the sender info", "a0 c8 00 06  5e 4f 12 34  e9 a1 b2 c3  40 00 00 00  00 01 5f 90  00 00 01 2c  00 00 00 04" },
    };

    [Theory]
    [MemberData(nameof(InvalidPackets))]
    public void Parse_of_an_invalid_sender_report_fails(string reason, string hex)
    {
        Assert.False(SenderReport.TryParse(Hex.Bytes(hex), out var report), reason);
        Assert.Equal(default, report);
    }

    [Fact]
    public void Parse_of_a_sender_report_truncated_at_every_length_fails()
    {
        var packet = Hex.Bytes(RtcpFixtures.FfmpegSenderReport);

        for (var length = 0; length < packet.Length; length++)
        {
            Assert.False(SenderReport.TryParse(packet.AsSpan(0, length), out _), $"length {length}");
        }
    }

    [Fact]
    public void Write_produces_the_ffmpeg_bytes_with_no_report_blocks()
    {
        var report = new SenderReport
        {
            Ssrc = 0x5e4f1234,
            NtpTimestamp = 0xe9a1b2c3_40000000,
            RtpTimestamp = 90000,
            PacketCount = 300,
            OctetCount = 300000,
        };
        var buffer = new byte[64];

        Assert.True(report.TryWrite(buffer, out var written));
        Assert.Equal(SenderReport.LengthWithoutBlocks, written);
        Assert.Equal(Hex.Bytes(RtcpFixtures.FfmpegSenderReport), buffer[..written]);
    }

    [Fact]
    public void Sender_report_round_trips_through_write_and_parse()
    {
        var report = new SenderReport
        {
            Ssrc = uint.MaxValue,
            NtpTimestamp = ulong.MaxValue,
            RtpTimestamp = 1,
            PacketCount = 2,
            OctetCount = 3,
        };
        var buffer = new byte[SenderReport.LengthWithoutBlocks];

        Assert.True(report.TryWrite(buffer, out _));
        Assert.True(SenderReport.TryParse(buffer, out var parsed));
        Assert.Equal(report, parsed);
    }

    [Fact]
    public void Write_into_a_short_buffer_fails_and_writes_nothing()
    {
        var buffer = new byte[SenderReport.LengthWithoutBlocks - 1];

        Assert.False(new SenderReport { Ssrc = 1 }.TryWrite(buffer, out var written));
        Assert.Equal(0, written);
        Assert.All(buffer, b => Assert.Equal(0, b));
    }
}

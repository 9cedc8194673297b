using Broadcast.Ingest.Protocols.Codecs;
using Broadcast.Ingest.Protocols.Demux;
using Broadcast.Ingest.Protocols.Rtcp;
using Broadcast.Ingest.Protocols.Rtp;
using Broadcast.Ingest.Tests.Protocols.Rtcp;
using Broadcast.Ingest.Tests.Protocols.Rtp;

namespace Broadcast.Ingest.Tests.Protocols;

/// <summary>
/// Wire input never throws: random datagrams, a fixed seed so failures reproduce. A third are plain noise, a third
/// look like RTP/RTCP (version 2, RTCP packet types, small length fields) so they get past the first checks, and a
/// third are valid fixtures with a few bytes flipped and a random cut.
/// </summary>
public class ParserFuzzTests
{
    private const int Iterations = 100_000;
    private const int Seed = 7983;

    private static readonly byte[][] Seeds =
    [
        Hex.Bytes(RtpHeaderTests.ChromeOpus),
        Hex.Bytes(RtpHeaderTests.TwoByteExtension),
        Hex.Bytes(RtcpFixtures.FfmpegCompound),
        Hex.Bytes(RtcpFixtures.BrowserReceiverReport),
        Hex.Bytes("81 cd 00 04  00 00 00 01  5e 4f 12 34  00 64 80 11  00 75 00 01"),
        Hex.Bytes("81 ce 00 02  00 00 00 01  5e 4f 12 34"),
        Hex.Bytes("84 ce 00 04  00 00 00 01  5e 4f 12 34  5e 4f 12 34  07 00 00 00"),
        Hex.Bytes("81 cb 00 03  5e 4f 12 34  05 62 79 65  21 21 00 00"),
        Hex.Bytes("78 00 04 67 42 c0 1f 00 04 68 ce 3c 80 00 03 65 88 84"),
        Hex.Bytes("90 e0 81 23 05 40 b0 42 00 9d 01 2a"),
    ];

    [Fact]
    public void Random_bytes_through_every_parser_never_throw()
    {
        var random = new Random(Seed);
        var buffer = new byte[96];
        var reports = new ReceptionReport[4];
        var lost = new ushort[8];
        var ssrcs = new uint[4];

        for (var i = 0; i < Iterations; i++)
        {
            var datagram = Generate(random, buffer);
            ParseEverything(datagram, reports, lost, ssrcs);
        }
    }

    private static Span<byte> Generate(Random random, byte[] buffer)
    {
        switch (random.Next(3))
        {
            case 0:
            {
                var noise = buffer.AsSpan(0, random.Next(buffer.Length + 1));
                random.NextBytes(noise);
                return noise;
            }

            case 1:
            {
                var shaped = buffer.AsSpan(0, random.Next(buffer.Length + 1));
                random.NextBytes(shaped);
                if (shaped.Length >= 4)
                {
                    shaped[0] = (byte)(0x80 | (shaped[0] & 0x3f));
                    shaped[1] = random.Next(2) == 0 ? (byte)random.Next(192, 224) : shaped[1];
                    shaped[2] = 0;
                    shaped[3] = (byte)random.Next((shaped.Length / 4) + 2);
                }

                return shaped;
            }

            default:
            {
                var seed = Seeds[random.Next(Seeds.Length)];
                var mutated = buffer.AsSpan(0, random.Next(seed.Length + 1));
                seed.AsSpan(0, mutated.Length).CopyTo(mutated);
                for (var flips = random.Next(4); flips > 0 && !mutated.IsEmpty; flips--)
                {
                    mutated[random.Next(mutated.Length)] ^= (byte)(1 << random.Next(8));
                }

                return mutated;
            }
        }
    }

    private static void ParseEverything(ReadOnlySpan<byte> datagram, Span<ReceptionReport> reports, Span<ushort> lost,
        Span<uint> ssrcs)
    {
        RtpPacketClassifier.Classify(datagram);

        if (RtpHeader.TryParse(datagram, out var rtp))
        {
            Assert.True(rtp.PayloadOffset + rtp.PayloadLength + rtp.PaddingLength == datagram.Length);
            var payload = rtp.Payload(datagram);
            for (var id = 1; id <= 255; id++)
            {
                RtpHeaderExtensions.TryFind(datagram, rtp, id, out _);
            }

            H264Payload.IsKeyFrame(payload);
            Vp8Payload.IsKeyFrame(payload);
        }

        H264Payload.IsKeyFrame(datagram);
        Vp8Payload.IsKeyFrame(datagram);

        RtcpHeader.IsRtcp(datagram);
        if (RtcpHeader.TryParse(datagram, out var rtcp))
        {
            Assert.InRange(rtcp.PacketLength, RtcpHeader.Length, datagram.Length);
        }

        var reader = new RtcpCompoundReader(datagram);
        var packets = 0;
        while (reader.TryReadNext(out var header, out var packet))
        {
            Assert.Equal(header.PacketLength, packet.Length);
            Assert.InRange(++packets, 1, datagram.Length / RtcpHeader.Length);
            SenderReport.TryParse(packet, out _);
            ReceiverReport.TryParse(packet, out _, reports, out var reportCount);
            Assert.InRange(reportCount, 0, reports.Length);
            PictureLossIndication.TryParse(packet, out _, out _);
            FullIntraRequest.TryParse(packet, out _, out _, out _);
            GenericNack.TryParse(packet, out _, out _, lost, out var lostCount);
            Assert.InRange(lostCount, 0, lost.Length);
            Goodbye.TryParse(packet, ssrcs, out var ssrcCount);
            Assert.InRange(ssrcCount, 0, ssrcs.Length);
            if (SourceDescription.TryParseCname(packet, out _, out var cname))
            {
                Assert.InRange(cname.Length, 0, packet.Length - 10);
            }
        }

        // The typed parsers must also cope with the raw datagram, not only with slices the reader vetted.
        SenderReport.TryParse(datagram, out _);
        ReceiverReport.TryParse(datagram, out _, reports, out _);
        PictureLossIndication.TryParse(datagram, out _, out _);
        FullIntraRequest.TryParse(datagram, out _, out _, out _);
        GenericNack.TryParse(datagram, out _, out _, lost, out _);
        Goodbye.TryParse(datagram, ssrcs, out _);
        SourceDescription.TryParseCname(datagram, out _, out _);
    }
}

using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Broadcast.Ingest.Protocols.Rtcp;
using Broadcast.Ingest.Protocols.Rtp;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Tests.Protocols;
using Broadcast.Ingest.Transports;
using Broadcast.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Broadcast.Ingest.Tests.Routing;

/// <summary>
/// Component tests: what a consumer's receiver says back (NACK, receiver reports, PLI, REMB) and what the consumer
/// does with it, on real loopback sockets with a clock that moves only when the test says.
/// </summary>
public sealed class ConsumerFeedbackTests : IAsyncLifetime
{
    private const uint PublisherSsrc = 0x11111111;
    private const uint ViewerSsrc = 0x0badcafe;
    private readonly PortLease _ports = TestPorts.Lease();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 3, 8, 0, 0, TimeSpan.Zero));
    private readonly MediaServer _server;

    public ConsumerFeedbackTests()
    {
        _server = new MediaServer(Options.Create(new MediaOptions { ListenIp = "127.0.0.1", MinPort = _ports.MinPort, MaxPort = _ports.MaxPort, Workers = 1 }),
            _clock);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _ports.Dispose();
    }

    [Fact]
    public async Task A_NACKed_packet_is_resent_as_RTX_with_its_original_sequence_number_and_not_again_within_one_round_trip()
    {
        var (router, ingress, producer) = await CreatePublisherAsync();
        using var viewer = new Viewer();
        var consumer = await viewer.ConsumeAsync(_server, router, producer, router.RtpCapabilities);
        Assert.NotNull(consumer.RtxSsrc);
        await viewer.PrimeRetransmissionsAsync(router, consumer);
        await SendAsync(router, ingress, count: 10);
        var sent = await viewer.ReceiveRtpAsync(10);
        var lost = sent[4];
        Assert.True(RtpHeader.TryParse(lost, out var lostHeader));

        await viewer.SendRtcpAsync(Nack(consumer.Ssrc, lostHeader.SequenceNumber));
        var resent = (await viewer.ReceiveRtpAsync(1))[0];

        Assert.True(RtpHeader.TryParse(resent, out var rtx));
        Assert.Equal(consumer.RtxSsrc, rtx.Ssrc);
        Assert.Equal(consumer.RtpParameters.Codecs[1].PayloadType, rtx.PayloadType);
        Assert.Equal(lostHeader.SequenceNumber, BinaryPrimitives.ReadUInt16BigEndian(rtx.Payload(resent)));
        Assert.Equal(lostHeader.Payload(lost).ToArray(), rtx.Payload(resent)[2..].ToArray());
        Assert.Equal(lostHeader.Timestamp, rtx.Timestamp);

        // Asked again at once: within the (default 100 ms) round trip, not resent; after it, resent again.
        await viewer.SendRtcpAsync(Nack(consumer.Ssrc, lostHeader.SequenceNumber));
        Assert.True(await Eventually.TrueAsync(() => router.Worker.InvokeAsync(() => consumer.NackedPackets == 3)), "second NACK read");
        Assert.Equal((1, 2), await router.Worker.InvokeAsync(() => (consumer.PacketsRetransmitted, consumer.RetransmissionsSkipped)));
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        await viewer.SendRtcpAsync(Nack(consumer.Ssrc, lostHeader.SequenceNumber));
        var again = (await viewer.ReceiveRtpAsync(1))[0];
        Assert.True(RtpHeader.TryParse(again, out var rtxAgain));
        Assert.Equal((ushort)(rtx.SequenceNumber + 1), rtxAgain.SequenceNumber); // RTX numbers its own packets
    }

    [Fact]
    public async Task Without_RTX_a_NACKed_packet_is_resent_as_it_was_and_one_older_than_two_seconds_is_not()
    {
        var (router, ingress, producer) = await CreatePublisherAsync();
        using var viewer = new Viewer();
        var noRtx = router.RtpCapabilities with { Codecs = [.. router.RtpCapabilities.Codecs.Where(c => !Ortc.IsRtx(c.MimeType))] };
        var consumer = await viewer.ConsumeAsync(_server, router, producer, noRtx);
        Assert.Null(consumer.RtxSsrc);
        await viewer.PrimeRetransmissionsAsync(router, consumer);
        await SendAsync(router, ingress, count: 5);
        var sent = await viewer.ReceiveRtpAsync(5);

        await viewer.SendRtcpAsync(Nack(consumer.Ssrc, Sequence(sent[2])));
        var resent = (await viewer.ReceiveRtpAsync(1))[0];
        Assert.Equal(sent[2], resent);

        _clock.Advance(TimeSpan.FromSeconds(2.001));
        await viewer.SendRtcpAsync(Nack(consumer.Ssrc, Sequence(sent[3])));
        Assert.True(await Eventually.TrueAsync(() => router.Worker.InvokeAsync(() => consumer.RetransmissionsSkipped == 2)), "too old to resend");
        Assert.Equal(1, await router.Worker.InvokeAsync(() => consumer.PacketsRetransmitted));
    }

    [Fact]
    public async Task NACKs_are_answered_after_more_than_32768_packets_of_one_numbering()
    {
        var (router, ingress, producer) = await CreatePublisherAsync();
        using var viewer = new Viewer();
        var consumer = await viewer.ConsumeAsync(_server, router, producer, router.RtpCapabilities);
        await viewer.PrimeRetransmissionsAsync(router, consumer);
        await router.Worker.InvokeAsync(() =>
        {
            for (var i = 0; i < 40_000; i++)
            {
                ingress.DeliverRtp(RouterForwardingTests.H264Packet((ushort)(1000 + i), keyFrame: i == 0, payloadType: 96));
            }
        });
        var last = await router.Worker.InvokeAsync(() => (ushort)(consumer.PacketsSent - 1 + 1000));

        await viewer.SendRtcpAsync(Nack(consumer.Ssrc, last, (ushort)(last - 10)));

        Assert.True(await Eventually.TrueAsync(() => router.Worker.InvokeAsync(() => consumer.NackedPackets == 3)), "NACK read");
        Assert.Equal(2, await router.Worker.InvokeAsync(() => consumer.PacketsRetransmitted));
    }

    [Fact]
    public async Task A_receiver_report_gives_the_consumer_its_round_trip_time_loss_and_jitter()
    {
        var (router, ingress, producer) = await CreatePublisherAsync();
        using var viewer = new Viewer();
        var consumer = await viewer.ConsumeAsync(_server, router, producer, router.RtpCapabilities);
        await SendAsync(router, ingress, count: 1);
        var report = await viewer.ReceiveSenderReportAsync();
        Assert.Equal(consumer.Ssrc, report.Report.Ssrc);
        Assert.Equal(consumer.RtpParameters.Rtcp.Cname, report.Cname);

        // The viewer holds the report 50 ms before answering; the answer reaches us 30 ms after that.
        _clock.Advance(TimeSpan.FromMilliseconds(80));
        var block = new ReceptionReport
        {
            Ssrc = consumer.Ssrc,
            FractionLost = 64,
            CumulativeLost = 7,
            ExtendedHighestSequence = 100,
            Jitter = 900,
            LastSenderReport = (uint)(report.Report.NtpTimestamp >> 16),
            DelaySinceLastSenderReport = 65536 * 50 / 1000,
        };
        var rr = new byte[64];
        Assert.True(ReceiverReport.TryWrite(rr, ViewerSsrc, [block], out var written));
        await viewer.SendRtcpAsync(rr[..written]);

        Assert.True(await Eventually.TrueAsync(() => router.Worker.InvokeAsync(() => consumer.ReceiverReports == 1)), "receiver report read");
        var (rtt, fraction, lost, jitter) = await router.Worker.InvokeAsync(() => (consumer.RoundTripTime, consumer.FractionLost, consumer.PacketsLost, consumer.Jitter));
        Assert.InRange(rtt!.Value.TotalMilliseconds, 29, 31);
        Assert.Equal(0.25, fraction);
        Assert.Equal(7, lost);
        Assert.Equal(900u, jitter);
    }

    [Fact]
    public async Task Sender_reports_keep_to_the_streams_clock_when_a_packet_is_held_up_and_follow_jumps_of_the_source()
    {
        // The test packets are one second of RTP time apart (90000 × sequence); each leaves with a report when the clock
        // has moved a second since the last. Every report must pair wall clock and RTP time on one line, whatever the
        // arrival of the packet it rode on: FFmpeg re-times each packet from the last report it had.
        var (router, ingress, producer) = await CreatePublisherAsync();
        using var viewer = new Viewer();
        await viewer.ConsumeAsync(_server, router, producer, router.RtpCapabilities);
        async Task<SenderReport> DeliverAsync(ushort sequence, TimeSpan after, uint? rtpTimestamp = null)
        {
            _clock.Advance(after);
            await router.Worker.InvokeAsync(() =>
            {
                var packet = RouterForwardingTests.H264Packet(sequence, keyFrame: sequence == 1000, payloadType: 96);
                if (rtpTimestamp is { } timestamp)
                {
                    BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), timestamp);
                }

                ingress.DeliverRtp(packet);
            });
            return (await viewer.ReceiveSenderReportAsync()).Report;
        }

        static double Seconds(ulong ntp) => (ntp >> 32) + (ntp & 0xffffffff) / 4294967296.0;
        static void OnOneLine(SenderReport first, SenderReport later, double toleranceSeconds = 0.002)
        {
            var wall = Seconds(later.NtpTimestamp) - Seconds(first.NtpTimestamp);
            var media = (int)(later.RtpTimestamp - first.RtpTimestamp) / 90000.0;
            Assert.True(Math.Abs(wall - media) <= toleranceSeconds, $"wall clock moved {wall:F4} s, RTP time {media:F4} s");
        }

        var first = await DeliverAsync(1000, TimeSpan.Zero);
        Assert.Equal(90000u * 1000, first.RtpTimestamp);
        OnOneLine(first, await DeliverAsync(1001, TimeSpan.FromSeconds(1)));
        // Held up for 0.8 s (a stall of the sender, the network or this machine), then on time again.
        var held = await DeliverAsync(1002, TimeSpan.FromSeconds(1.8));
        OnOneLine(first, held);
        // Its report reads the RTP clock 0.8 s past the packet (less what the line may drift: 1 ms a second).
        Assert.InRange(held.RtpTimestamp - 90000u * 1002, 72000u - 180, 72000u);
        OnOneLine(first, await DeliverAsync(1004, TimeSpan.FromSeconds(1.2)));

        // The source's clock jumps ahead (a restarted encoder keeping its SSRC): the reports follow its packets at once.
        var jumped = await DeliverAsync(1005, TimeSpan.FromSeconds(1), rtpTimestamp: 90000u * 2000);
        Assert.Equal(90000u * 2000, jumped.RtpTimestamp);
        OnOneLine(jumped, await DeliverAsync(1006, TimeSpan.FromSeconds(1), rtpTimestamp: 90000u * 2001));
        // And back by more than any stall it would ride out (5 s): the reports follow again.
        var back = await DeliverAsync(1007, TimeSpan.FromSeconds(1), rtpTimestamp: 90000u * 1900);
        Assert.Equal(90000u * 1900, back.RtpTimestamp);
        OnOneLine(back, await DeliverAsync(1008, TimeSpan.FromSeconds(1), rtpTimestamp: 90000u * 1901));
    }

    [Fact]
    public async Task Key_frame_requests_from_many_viewers_reach_the_publisher_once_and_REMB_is_read()
    {
        var (router, ingress, producer) = await CreatePublisherAsync();
        using var publisher = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var target = new IPEndPoint(IPAddress.Loopback, ingress.LocalPort);
        await publisher.SendAsync(RouterForwardingTests.H264Packet(1, keyFrame: true, payloadType: 96), target);
        Assert.True(PictureLossIndication.TryParse(await ReceiveOneAsync(publisher), out _, out _)); // the new stream's own request
        _clock.Advance(TimeSpan.FromSeconds(1));

        var viewers = Enumerable.Range(0, 20).Select(_ => new Viewer()).ToList();
        var consumers = new List<Consumer>();
        foreach (var viewer in viewers)
        {
            consumers.Add(await viewer.ConsumeAsync(_server, router, producer, router.RtpCapabilities));
        }

        for (var i = 0; i < viewers.Count; i++)
        {
            var pli = new byte[PictureLossIndication.Length];
            PictureLossIndication.TryWrite(pli, ViewerSsrc, consumers[i].Ssrc, out _);
            await viewers[i].SendRtcpAsync(pli);
        }

        var remb = new byte[64];
        Assert.True(ReceiverEstimatedMaximumBitrate.TryWrite(remb, ViewerSsrc, 1_500_000, [consumers[0].Ssrc], out var rembLength));
        await viewers[0].SendRtcpAsync(remb[..rembLength]);

        Assert.True(await Eventually.TrueAsync(() => router.Worker.InvokeAsync(() => consumers.Sum(c => c.KeyFrameRequestsReceived) == viewers.Count)), "every viewer's PLI read");
        Assert.True(await Eventually.TrueAsync(() => router.Worker.InvokeAsync(() => consumers[0].EstimatedBitrate == 1_500_000)), "REMB read");
        // 20 creations and 20 PLIs in the same instant: one request for the whole burst.
        Assert.Equal(2, await router.Worker.InvokeAsync(() => producer.Streams[0].KeyFrameRequestsSent));
        Assert.True(PictureLossIndication.TryParse(await ReceiveOneAsync(publisher), out _, out _));
        foreach (var viewer in viewers)
        {
            viewer.Dispose();
        }
    }

    [Fact]
    public async Task A_key_frame_request_that_brings_no_key_frame_is_retried_once_a_second_later()
    {
        var (router, ingress, producer) = await CreatePublisherAsync();
        using var publisher = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var target = new IPEndPoint(IPAddress.Loopback, ingress.LocalPort);
        await publisher.SendAsync(RouterForwardingTests.H264Packet(1, keyFrame: false, payloadType: 96), target);
        Assert.True(PictureLossIndication.TryParse(await ReceiveOneAsync(publisher), out _, out _));

        _clock.Advance(TimeSpan.FromSeconds(1));
        await publisher.SendAsync(RouterForwardingTests.H264Packet(2, keyFrame: false, payloadType: 96), target);
        Assert.True(PictureLossIndication.TryParse(await ReceiveOneAsync(publisher), out _, out _)); // the retry
        _clock.Advance(TimeSpan.FromSeconds(1));
        await publisher.SendAsync(RouterForwardingTests.H264Packet(3, keyFrame: false, payloadType: 96), target);
        Assert.True(await Eventually.TrueAsync(() => router.Worker.InvokeAsync(() => producer.Streams[0].PacketsReceived == 3)), "third packet read");
        Assert.Equal(2, await router.Worker.InvokeAsync(() => producer.Streams[0].KeyFrameRequestsSent)); // retried once only
    }

    [Fact]
    public async Task Extension_ids_are_rewritten_to_the_routers_and_unknown_extensions_blanked()
    {
        var router = await _server.CreateRouterAsync(null);
        var ingress = await new TransportFactory(_server).CreatePlainAsync(router, null, new PlainTransportOptions { Comedia = true });
        var producer = await ingress.ProduceAsync(null, "audio", new RtpParameters
        {
            Codecs = [new RtpCodecParameters { MimeType = "audio/opus", PayloadType = 111, ClockRate = 48000, Channels = 2 }],
            HeaderExtensions =
            [
                new RtpHeaderExtensionParameters { Uri = RtpHeaderExtensionUri.AudioLevel, Id = 1 },
                new RtpHeaderExtensionParameters { Uri = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01", Id = 3 },
            ],
            Encodings = [new RtpEncodingParameters { Ssrc = PublisherSsrc }],
        }, paused: false);
        using var viewer = new Viewer();
        await viewer.ConsumeAsync(_server, router, producer, router.RtpCapabilities);

        // One-byte form: audio level (id 1, "9f") and transport-wide sequence (id 3, "00 05"), then padding.
        var packet = Hex.Bytes("90 6f 00 01 00 00 00 01 11 11 11 11 be de 00 02 10 9f 31 00 05 00 00 00 aa bb");
        await router.Worker.InvokeAsync(() => ingress.DeliverRtp(packet));
        var received = (await viewer.ReceiveRtpAsync(1))[0];

        Assert.True(RtpHeader.TryParse(received, out var header));
        Assert.True(RtpHeaderExtensions.TryFind(received, header, 10, out var level)); // the router's audio-level id
        Assert.Equal(Hex.Bytes("9f"), level.ToArray());
        Assert.False(RtpHeaderExtensions.TryFind(received, header, 3, out _));
        Assert.Equal(Hex.Bytes("aa bb"), header.Payload(received).ToArray());
    }

    private async Task<(Router Router, PlainRtpTransport Ingress, Producer Producer)> CreatePublisherAsync()
    {
        var router = await _server.CreateRouterAsync(null);
        var ingress = await new TransportFactory(_server).CreatePlainAsync(router, null, new PlainTransportOptions { Comedia = true });
        var producer = await ingress.ProduceAsync(null, "video", new RtpParameters
        {
            Codecs =
            [
                new RtpCodecParameters
                {
                    MimeType = "video/H264", PayloadType = 96, ClockRate = 90000,
                    Parameters = CodecParameters.Of(("packetization-mode", 1), ("profile-level-id", "42e01f")),
                    RtcpFeedback = [new RtcpFeedback { Type = "nack", Parameter = "pli" }],
                },
            ],
            Encodings = [new RtpEncodingParameters { Ssrc = PublisherSsrc }],
            Rtcp = new RtcpParameters { Cname = "publisher-cname" },
        }, paused: false);
        return (router, ingress, producer);
    }

    private static Task SendAsync(Router router, PlainRtpTransport ingress, int count) => router.Worker.InvokeAsync(() =>
    {
        for (var i = 0; i < count; i++)
        {
            ingress.DeliverRtp(RouterForwardingTests.H264Packet((ushort)(1000 + i), keyFrame: i == 0, payloadType: 96));
        }
    });

    private static ushort Sequence(byte[] packet) => RtpHeader.TryParse(packet, out var header) ? header.SequenceNumber : (ushort)0;

    private static byte[] Nack(uint mediaSsrc, params ushort[] sequences)
    {
        var buffer = new byte[64];
        Assert.True(GenericNack.TryWrite(buffer, ViewerSsrc, mediaSsrc, sequences, out var written));
        return buffer[..written];
    }

    private static async Task<byte[]> ReceiveOneAsync(UdpClient socket)
    {
        using var timeout = new CancellationTokenSource(Eventually.DefaultTimeout);
        return (await socket.ReceiveAsync(timeout.Token)).Buffer;
    }

    /// <summary>A receiver on a loopback socket, the remote end of a plain transport that consumes.</summary>
    private sealed class Viewer : IDisposable
    {
        private readonly UdpClient _socket = new(new IPEndPoint(IPAddress.Loopback, 0));
        private readonly Queue<byte[]> _rtcp = new();
        private IPEndPoint? _transport;

        public async Task<Consumer> ConsumeAsync(MediaServer server, Router router, Producer producer, RtpCapabilities capabilities)
        {
            var egress = await new TransportFactory(server).CreatePlainAsync(router, null, new PlainTransportOptions());
            await egress.ConnectAsync("127.0.0.1", ((IPEndPoint)_socket.Client.LocalEndPoint!).Port, null);
            _transport = new IPEndPoint(IPAddress.Loopback, egress.LocalPort);
            return await egress.ConsumeAsync(null, producer.Id, capabilities, paused: false);
        }

        /// <summary>
        /// A plain transport's producer keeps packets for resending only from the first NACK on (its usual consumer,
        /// FFmpeg, never sends one): the viewer NACKs once before the packets it will lose are sent.
        /// </summary>
        public async Task PrimeRetransmissionsAsync(Router router, Consumer consumer)
        {
            await SendRtcpAsync(Nack(consumer.Ssrc, 1));
            Assert.True(await Eventually.TrueAsync(() => router.Worker.InvokeAsync(() => consumer.NackedPackets == 1)), "first NACK read");
        }

        public Task SendRtcpAsync(byte[] packet) => _socket.SendAsync(packet, _transport!).AsTask();

        public async Task<List<byte[]>> ReceiveRtpAsync(int count)
        {
            var packets = new List<byte[]>();
            using var timeout = new CancellationTokenSource(Eventually.DefaultTimeout);
            while (packets.Count < count)
            {
                var result = await _socket.ReceiveAsync(timeout.Token);
                if (RtcpHeader.IsRtcp(result.Buffer))
                {
                    _rtcp.Enqueue(result.Buffer);
                }
                else
                {
                    packets.Add(result.Buffer);
                }
            }

            return packets;
        }

        public async Task<(SenderReport Report, string Cname)> ReceiveSenderReportAsync()
        {
            using var timeout = new CancellationTokenSource(Eventually.DefaultTimeout);
            while (true)
            {
                var datagram = _rtcp.Count > 0 ? _rtcp.Dequeue() : (await _socket.ReceiveAsync(timeout.Token)).Buffer;
                if (!RtcpHeader.IsRtcp(datagram) || !SenderReport.TryParse(datagram, out var report))
                {
                    continue;
                }

                // The SDES follows the report in the same compound packet: CNAME item after the chunk's SSRC.
                var sdes = datagram.AsSpan(SenderReport.LengthWithoutBlocks);
                Assert.Equal(RtcpPacketType.SourceDescription, sdes[1]);
                var cname = System.Text.Encoding.UTF8.GetString(sdes.Slice(10, sdes[9]));
                return (report, cname);
            }
        }

        public void Dispose() => _socket.Dispose();
    }
}

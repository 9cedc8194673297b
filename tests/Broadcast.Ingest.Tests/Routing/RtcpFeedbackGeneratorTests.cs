using System.Net;
using System.Net.Sockets;
using Broadcast.Ingest.Protocols.Rtcp;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Transports;
using Broadcast.Testing;
using Microsoft.Extensions.Options;

namespace Broadcast.Ingest.Tests.Routing;

/// <summary>Component tests: the feedback a transport sends about a producer it receives, read on a loopback socket.</summary>
public sealed class RtcpFeedbackGeneratorTests : IAsyncLifetime
{
    private const uint PublisherSsrc = 0x11111111;
    private readonly PortLease _ports = TestPorts.Lease();
    private readonly MediaServer _server;

    public RtcpFeedbackGeneratorTests()
    {
        _server = new MediaServer(Options.Create(new MediaOptions { ListenIp = "127.0.0.1", MinPort = _ports.MinPort, MaxPort = _ports.MaxPort, Workers = 1 }),
            TimeProvider.System);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // Closing the routers releases their sockets before the ports go back to the pool (a plain Dispose only stops
    // the workers, and the next lease of this block would find its ports still bound).
    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _ports.Dispose();
    }

    [Fact]
    public async Task A_lost_packet_is_asked_for_again_by_NACK_and_the_stream_gets_a_receiver_report_and_REMB()
    {
        using var peer = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var router = await _server.CreateRouterAsync(null);
        var transport = await new TransportFactory(_server).CreatePlainAsync(router, null, new PlainTransportOptions());
        await transport.ConnectAsync("127.0.0.1", ((IPEndPoint)peer.Client.LocalEndPoint!).Port, null);
        await transport.ProduceAsync(null, "video", new RtpParameters
        {
            Codecs =
            [
                new RtpCodecParameters
                {
                    MimeType = "video/H264", PayloadType = 96, ClockRate = 90000,
                    Parameters = CodecParameters.Of(("packetization-mode", 1), ("profile-level-id", "42e01f")),
                    RtcpFeedback = [new RtcpFeedback { Type = "nack" }],
                },
            ],
            Encodings = [new RtpEncodingParameters { Ssrc = PublisherSsrc }],
        }, paused: false);

        var senderSsrc = await router.Worker.InvokeAsync(() =>
        {
            transport.DeliverRtp(RouterForwardingTests.H264Packet(1, keyFrame: true, payloadType: 96));
            transport.DeliverRtp(RouterForwardingTests.H264Packet(3, keyFrame: false, payloadType: 96)); // 2 is lost
            var feedback = new RtcpFeedbackGenerator(transport, TimeProvider.System);
            feedback.SendNacks();
            feedback.SendReceiverReports();
            feedback.SendEstimatedMaximumBitrate(1_000_000);
            return feedback.SenderSsrc;
        });

        // The producer's own key frame request (FIR on the first packet) may come first: read by type.
        var nack = await ReceiveRtcpAsync(peer, RtcpPacketType.TransportFeedback, format: 1);
        Span<ushort> lost = stackalloc ushort[8];
        Assert.True(GenericNack.TryParse(nack, out var nackSender, out var nackMedia, lost, out var lostCount));
        Assert.Equal(senderSsrc, nackSender);
        Assert.Equal(PublisherSsrc, nackMedia);
        Assert.Equal([(ushort)2], lost[..lostCount].ToArray());

        var report = await ReceiveRtcpAsync(peer, RtcpPacketType.ReceiverReport, format: null);
        Span<ReceptionReport> blocks = stackalloc ReceptionReport[4];
        Assert.True(ReceiverReport.TryParse(report, out var reportSender, blocks, out var blockCount));
        Assert.Equal(senderSsrc, reportSender);
        Assert.Equal(1, blockCount);
        Assert.Equal(PublisherSsrc, blocks[0].Ssrc);

        var remb = await ReceiveRtcpAsync(peer, RtcpPacketType.PayloadFeedback, format: 15);
        Span<uint> ssrcs = stackalloc uint[4];
        Assert.True(ReceiverEstimatedMaximumBitrate.TryParse(remb, out var rembSender, out var bitrate, ssrcs, out var ssrcCount));
        Assert.Equal(senderSsrc, rembSender);
        Assert.Equal(1_000_000ul, bitrate);
        Assert.Equal([PublisherSsrc], ssrcs[..ssrcCount].ToArray());
    }

    [Fact]
    public async Task Forwarding_a_packet_and_sending_feedback_allocate_nothing()
    {
        using var peer = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var factory = new TransportFactory(_server);
        var router = await _server.CreateRouterAsync(null);
        var ingress = await factory.CreatePlainAsync(router, null, new PlainTransportOptions());
        await ingress.ConnectAsync("127.0.0.1", ((IPEndPoint)peer.Client.LocalEndPoint!).Port, null);
        var producer = await ingress.ProduceAsync(null, "video", new RtpParameters
        {
            Codecs =
            [
                new RtpCodecParameters
                {
                    MimeType = "video/H264", PayloadType = 96, ClockRate = 90000,
                    Parameters = CodecParameters.Of(("packetization-mode", 1), ("profile-level-id", "42e01f")),
                    RtcpFeedback = [new RtcpFeedback { Type = "nack" }],
                },
            ],
            Encodings = [new RtpEncodingParameters { Ssrc = PublisherSsrc }],
        }, paused: false);
        var egress = await factory.CreatePlainAsync(router, null, new PlainTransportOptions());
        await egress.ConnectAsync("127.0.0.1", ((IPEndPoint)peer.Client.LocalEndPoint!).Port, null);
        var consumer = await egress.ConsumeAsync(null, producer.Id, router.RtpCapabilities, paused: false);
        var packets = Enumerable.Range(1, 400).Select(i => RouterForwardingTests.H264Packet((ushort)i, keyFrame: i == 1, payloadType: 96)).ToArray();

        var allocated = await router.Worker.InvokeAsync(() =>
        {
            var feedback = new RtcpFeedbackGenerator(ingress, TimeProvider.System);
            for (var i = 0; i < 100; i++)
            {
                ingress.DeliverRtp(packets[i]); // warm up: the stream, the key frame, the first sender report
            }

            feedback.SendNacks();
            feedback.SendReceiverReports();
            feedback.SendEstimatedMaximumBitrate(1_000_000);
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 100; i < packets.Length; i++)
            {
                ingress.DeliverRtp(packets[i]);
                feedback.SendNacks();
                feedback.SendReceiverReports();
                feedback.SendEstimatedMaximumBitrate(1_000_000);
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        });

        Assert.Equal(packets.Length, await router.Worker.InvokeAsync(() => consumer.PacketsSent));
        Assert.Equal(0, allocated);
    }

    private static async Task<byte[]> ReceiveRtcpAsync(UdpClient socket, byte packetType, int? format)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (true)
        {
            var datagram = (await socket.ReceiveAsync(timeout.Token)).Buffer;
            if (RtcpHeader.TryParse(datagram, out var header) && header.PacketType == packetType && (format is null || header.Count == format))
            {
                return datagram;
            }
        }
    }
}

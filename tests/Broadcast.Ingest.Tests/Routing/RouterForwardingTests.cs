using System.Net;
using System.Net.Sockets;
using Broadcast.Ingest.Protocols.Rtcp;
using Broadcast.Ingest.Protocols.Rtp;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Transports;
using Broadcast.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Broadcast.Ingest.Tests.Routing;

/// <summary>Component tests: a real router on real loopback UDP sockets.</summary>
public sealed class RouterForwardingTests : IAsyncLifetime
{
    private const uint PublisherSsrc = 0x11111111;
    private readonly PortLease _ports = TestPorts.Lease();
    private readonly FakeTimeProvider _clock = new(); // moves only when a test says: throttles are seen exactly
    private readonly MediaServer _server;

    public RouterForwardingTests()
    {
        _server = new MediaServer(Options.Create(new MediaOptions { ListenIp = "127.0.0.1", MinPort = _ports.MinPort, MaxPort = _ports.MaxPort, Workers = 2 }),
            _clock);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _ports.Dispose();
    }

    [Fact]
    public async Task A_router_forwards_a_plain_RTP_producer_to_several_consumers_with_their_own_ssrc_and_gapless_sequence()
    {
        var (router, ingress, producer) = await CreatePublisherAsync();
        var sinks = new List<(UdpClient Socket, Consumer Consumer)>();
        for (var i = 0; i < 3; i++)
        {
            sinks.Add(await CreateSinkAsync(router, producer));
        }

        using var publisher = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var target = new IPEndPoint(IPAddress.Loopback, ingress.LocalPort);
        ushort firstSequence = 65530; // crosses the wrap
        for (var i = 0; i < 10; i++)
        {
            var packet = H264Packet((ushort)(firstSequence + i), keyFrame: i == 0, payloadType: 96);
            await publisher.SendAsync(packet, target);
        }

        foreach (var (socket, consumer) in sinks)
        {
            var received = await ReceiveAsync(socket, 10);
            Assert.All(received, p =>
            {
                Assert.True(RtpHeader.TryParse(p, out var header));
                Assert.Equal(consumer.Ssrc, header.Ssrc);
                Assert.Equal(100, header.PayloadType); // the router's H.264 payload type
            });
            var sequences = received.Select(p => RtpHeader.TryParse(p, out var h) ? h.SequenceNumber : 0).ToArray();
            for (var i = 1; i < sequences.Length; i++)
            {
                Assert.Equal((ushort)(sequences[i - 1] + 1), sequences[i]);
            }
        }

        var stats = await router.Worker.InvokeAsync(() => producer.Streams[0].PacketsReceived);
        Assert.Equal(10, stats);
        foreach (var (socket, _) in sinks)
        {
            socket.Dispose();
        }
    }

    [Fact]
    public async Task A_consumer_keeps_forwarding_across_many_sequence_number_wraps()
    {
        var (router, ingress, producer) = await CreatePublisherAsync();
        var (sink, consumer) = await CreateSinkAsync(router, producer);
        const int count = 200_000; // three wraps of the 16-bit sequence number

        await router.Worker.InvokeAsync(() =>
        {
            for (var i = 0; i < count; i++)
            {
                ingress.DeliverRtp(H264Packet((ushort)i, keyFrame: i == 0, payloadType: 96));
            }
        });

        Assert.Equal(count, await router.Worker.InvokeAsync(() => consumer.PacketsSent + consumer.PacketsNotSent));
        Assert.Equal(count, await router.Worker.InvokeAsync(() => producer.Streams[0].PacketsReceived));
        Assert.Equal(0, await router.Worker.InvokeAsync(() => producer.Streams[0].PacketsLost));
        sink.Dispose();
    }

    [Fact]
    public async Task A_video_consumer_waits_for_a_key_frame_and_asks_the_publisher_for_one()
    {
        var (router, ingress, producer) = await CreatePublisherAsync(new RtcpFeedback { Type = "nack", Parameter = "pli" });
        var (sink, consumer) = await CreateSinkAsync(router, producer);
        using var publisher = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var target = new IPEndPoint(IPAddress.Loopback, ingress.LocalPort);

        await publisher.SendAsync(H264Packet(1, keyFrame: false, payloadType: 96), target);
        // The first packet opens the stream: the producer asks its source (our publisher socket) for a key frame.
        var request = await ReceiveOneAsync(publisher);
        Assert.True(RtcpHeader.TryParse(request, out var header));
        Assert.Equal(RtcpPacketType.PayloadFeedback, header.PacketType);
        Assert.True(PictureLossIndication.TryParse(request, out _, out var mediaSsrc));
        Assert.Equal(PublisherSsrc, mediaSsrc);

        await publisher.SendAsync(H264Packet(2, keyFrame: false, payloadType: 96), target);
        await publisher.SendAsync(H264Packet(3, keyFrame: true, payloadType: 96), target);
        var received = await ReceiveAsync(sink, 1);
        Assert.True(RtpHeader.TryParse(received[0], out var forwarded));
        Assert.Equal(0x65, forwarded.Payload(received[0])[0]);
        Assert.Equal(2, await router.Worker.InvokeAsync(() => consumer.PacketsDroppedWaitingForKeyFrame));
        sink.Dispose();
    }

    [Fact]
    public async Task Without_negotiated_PLI_the_key_frame_request_is_a_FIR_and_requests_are_throttled_to_one_a_second()
    {
        var (router, ingress, producer) = await CreatePublisherAsync(new RtcpFeedback { Type = "ccm", Parameter = "fir" });
        using var publisher = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        await publisher.SendAsync(H264Packet(1, keyFrame: false, payloadType: 96), new IPEndPoint(IPAddress.Loopback, ingress.LocalPort));

        var request = await ReceiveOneAsync(publisher);
        Assert.True(FullIntraRequest.TryParse(request, out _, out var mediaSsrc, out var firSequence));
        Assert.Equal(PublisherSsrc, mediaSsrc);
        Assert.Equal(1, firSequence);

        await producer.RequestKeyFrameAsync(); // within the second: throttled
        _clock.Advance(TimeSpan.FromMilliseconds(999));
        await producer.RequestKeyFrameAsync();
        Assert.Equal(1, await router.Worker.InvokeAsync(() => producer.Streams[0].KeyFrameRequestsSent));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await producer.RequestKeyFrameAsync();
        var second = await ReceiveOneAsync(publisher);
        Assert.True(FullIntraRequest.TryParse(second, out _, out _, out var nextSequence));
        Assert.Equal(2, nextSequence);
    }

    [Fact]
    public async Task Malformed_datagrams_are_counted_and_dropped_while_media_keeps_flowing()
    {
        var (router, ingress, producer) = await CreatePublisherAsync();
        var (sink, _) = await CreateSinkAsync(router, producer);
        using var publisher = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var target = new IPEndPoint(IPAddress.Loopback, ingress.LocalPort);

        await publisher.SendAsync(H264Packet(10, keyFrame: true, payloadType: 96), target);
        await publisher.SendAsync(new byte[] { 0x80, 0x60, 0x00 }, target);            // truncated header
        await publisher.SendAsync(new byte[] { 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, target); // version 1
        await publisher.SendAsync(H264Packet(11, keyFrame: false, payloadType: 97), target); // unknown payload type
        await publisher.SendAsync(H264Packet(12, keyFrame: false, payloadType: 96), target);

        var received = await ReceiveAsync(sink, 2);
        Assert.Equal(2, received.Count);
        var (malformed, unknownPt) = await router.Worker.InvokeAsync(() => (ingress.DroppedMalformed, producer.PacketsDroppedUnknownPayloadType));
        Assert.Equal(2, malformed);
        Assert.Equal(1, unknownPt);
        sink.Dispose();
    }

    [Fact]
    public async Task Closing_a_router_closes_its_transports_producers_and_consumers_and_frees_their_ports()
    {
        var (router, ingress, producer) = await CreatePublisherAsync();
        var (sink, consumer) = await CreateSinkAsync(router, producer);
        var port = ingress.LocalPort;

        await router.CloseAsync();
        await router.CloseAsync(); // idempotent

        Assert.True(router.IsClosed);
        Assert.True(ingress.IsClosed);
        Assert.True(producer.IsClosed);
        Assert.True(consumer.IsClosed);
        Assert.Throws<NotFoundException>(() => _server.GetRouter(router.Id));
        Assert.Throws<NotFoundException>(() => _server.GetProducer(producer.Id));
        Assert.Equal(0, _server.Ports.InUseCount);
        using var rebind = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        rebind.Bind(new IPEndPoint(IPAddress.Loopback, port));
        sink.Dispose();
    }

    [Fact]
    public async Task A_producer_without_a_CNAME_gets_its_transports_and_its_consumers_carry_it()
    {
        var (router, ingress, video) = await CreatePublisherAsync();
        var audio = await ingress.ProduceAsync(null, "audio", new RtpParameters
        {
            Codecs = [new RtpCodecParameters { MimeType = "audio/opus", PayloadType = 111, ClockRate = 48000, Channels = 2 }],
            Encodings = [new RtpEncodingParameters { Ssrc = PublisherSsrc + 1 }],
        }, paused: false);
        var (socket, consumer) = await CreateSinkAsync(router, video);
        socket.Dispose();

        var cname = video.RtpParameters.Rtcp.Cname;
        Assert.False(string.IsNullOrEmpty(cname));
        Assert.Equal(cname, audio.RtpParameters.Rtcp.Cname);
        Assert.Equal(cname, consumer.RtpParameters.Rtcp.Cname);

        // A CNAME the publisher gave is kept.
        var other = await new TransportFactory(_server).CreatePlainAsync(router, null, new PlainTransportOptions { Comedia = true });
        var given = await other.ProduceAsync(null, "audio", new RtpParameters
        {
            Codecs = [new RtpCodecParameters { MimeType = "audio/opus", PayloadType = 111, ClockRate = 48000, Channels = 2 }],
            Encodings = [new RtpEncodingParameters { Ssrc = PublisherSsrc + 2 }],
            Rtcp = new RtcpParameters { Cname = "camera-1" },
        }, paused: false);
        Assert.Equal("camera-1", given.RtpParameters.Rtcp.Cname);
    }

    [Fact]
    public async Task A_duplicate_router_id_is_a_conflict()
    {
        await _server.CreateRouterAsync("cam1");
        await Assert.ThrowsAsync<ConflictException>(() => _server.CreateRouterAsync("cam1"));
    }

    [Fact]
    public async Task Routers_are_assigned_to_workers_round_robin()
    {
        var a = await _server.CreateRouterAsync(null);
        var b = await _server.CreateRouterAsync(null);
        Assert.NotSame(a.Worker, b.Worker);
    }

    private async Task<(Router Router, PlainRtpTransport Ingress, Producer Producer)> CreatePublisherAsync(params RtcpFeedback[] feedback)
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
                    RtcpFeedback = feedback,
                },
            ],
            Encodings = [new RtpEncodingParameters { Ssrc = PublisherSsrc }],
        }, paused: false);
        return (router, ingress, producer);
    }

    private async Task<(UdpClient Socket, Consumer Consumer)> CreateSinkAsync(Router router, Producer producer)
    {
        var socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var egress = await new TransportFactory(_server).CreatePlainAsync(router, null, new PlainTransportOptions());
        await egress.ConnectAsync("127.0.0.1", ((IPEndPoint)socket.Client.LocalEndPoint!).Port, null);
        var consumer = await egress.ConsumeAsync(null, producer.Id, router.RtpCapabilities, paused: false);
        return (socket, consumer);
    }

    private static async Task<List<byte[]>> ReceiveAsync(UdpClient socket, int count)
    {
        var packets = new List<byte[]>();
        using var timeout = new CancellationTokenSource(Eventually.DefaultTimeout);
        while (packets.Count < count)
        {
            var result = await socket.ReceiveAsync(timeout.Token);
            if (!RtcpHeader.IsRtcp(result.Buffer))
            {
                packets.Add(result.Buffer);
            }
        }

        return packets;
    }

    private static async Task<byte[]> ReceiveOneAsync(UdpClient socket)
    {
        using var timeout = new CancellationTokenSource(Eventually.DefaultTimeout);
        return (await socket.ReceiveAsync(timeout.Token)).Buffer;
    }

    internal static byte[] H264Packet(ushort sequence, bool keyFrame, byte payloadType)
    {
        var packet = new byte[RtpHeader.FixedLength + 100];
        RtpHeader.TryWriteFixed(packet, marker: true, payloadType, sequence, 90000u * sequence, PublisherSsrc);
        packet[RtpHeader.FixedLength] = keyFrame ? (byte)0x65 : (byte)0x41; // IDR slice or non-IDR slice NAL header
        return packet;
    }
}

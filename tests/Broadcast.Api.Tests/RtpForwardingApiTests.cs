using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Broadcast.Testing;

namespace Broadcast.Api.Tests;

/// <summary>Media through the REST API over real UDP on loopback: a comedia publisher in, a connected receiver out.</summary>
public sealed class RtpForwardingApiTests(BroadcastHost host) : IClassFixture<BroadcastHost>
{
    private const uint PublisherSsrc = 0x1234_5678;
    private const byte PublisherPayloadType = 102; // Chrome's and FFmpeg's numbering, not the router's
    private static readonly TimeSpan ReceiveTimeout = Eventually.DefaultTimeout;

    private readonly HttpClient _client = host.Client;

    [Fact]
    public async Task Rtp_sent_to_a_comedia_transport_reaches_a_consumer_with_its_ssrc_the_routers_pt_and_gapless_sequence_numbers()
    {
        var router = await _client.CreateRouterAsync("udp-cam");
        var ingest = await _client.CreatePlainTransportAsync("udp-cam", """{ "transport_id": "udp-in", "comedia": true, "rtcpMux": true }""");
        await _client.CreateProducerAsync("udp-in", ProducerBodies.H264WithRtx(PublisherSsrc, "udp-video", PublisherPayloadType));
        using var receiver = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var receiverPort = ((IPEndPoint)receiver.Client.LocalEndPoint!).Port;
        await _client.CreatePlainTransportAsync("udp-cam", """{ "transport_id": "udp-out" }""");
        await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/transport/udp-out/connect", $$"""{ "ip": "127.0.0.1", "port": {{receiverPort}} }""")
            .ExpectAsync(HttpStatusCode.OK);
        var consumer = await _client.CreateConsumerAsync("udp-out", ProducerBodies.Consumer("udp-video", router.GetProperty("rtpCapabilities")));
        var consumerSsrc = consumer.GetProperty("rtpParameters").GetProperty("encodings")[0].GetProperty("ssrc").GetUInt32();
        var routerPayloadType = ProducerBodies.RouterPayloadType(router, "video/H264");
        using var publisher = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var ingestEndPoint = new IPEndPoint(IPAddress.Loopback, ingest.GetProperty("tuple").GetProperty("localPort").GetInt32());

        // A key frame first (IDR slice, NAL header 0x65): a video consumer starts only on one.
        await publisher.SendAsync(RtpPackets.H264(PublisherPayloadType, 1000, 90_000, PublisherSsrc, keyFrame: true), ingestEndPoint);
        for (ushort sequence = 1001; sequence < 1005; sequence++)
        {
            await publisher.SendAsync(RtpPackets.H264(PublisherPayloadType, sequence, 90_000 + 3000u * (sequence - 1000u), PublisherSsrc, keyFrame: false), ingestEndPoint);
        }

        var first = await ReceiveRtpAsync(receiver, 5);

        Assert.All(first, p => Assert.Equal(consumerSsrc, p.Ssrc));
        Assert.All(first, p => Assert.Equal(routerPayloadType, p.PayloadType));
        AssertConsecutive(first);
        Assert.Equal(0x65, first[0].FirstPayloadByte);

        // A datagram that is neither RTP nor RTCP is counted and dropped; the stream goes on.
        await publisher.SendAsync(new byte[] { 0x00, 0x01, 0x02, 0x03, 0x04 }, ingestEndPoint);
        Assert.True(await Eventually.TrueAsync(async () => await MalformedDropsAsync("udp-in") == 1), "the malformed datagram was not counted");
        for (ushort sequence = 1005; sequence < 1008; sequence++)
        {
            await publisher.SendAsync(RtpPackets.H264(PublisherPayloadType, sequence, 90_000 + 3000u * (sequence - 1000u), PublisherSsrc, keyFrame: false), ingestEndPoint);
        }

        var later = await ReceiveRtpAsync(receiver, 3);

        AssertConsecutive([.. first, .. later]);
        Assert.All(later, p => Assert.Equal(consumerSsrc, p.Ssrc));
        var stats = (await _client.GetAsync($"{ApiCalls.Mediasoup}/producer/udp-video").ExpectAsync(HttpStatusCode.OK)).GetProperty("stats");
        var stream = Assert.Single(stats.GetProperty("streams").EnumerateArray());
        Assert.Equal(PublisherSsrc, stream.GetProperty("ssrc").GetUInt32());
        Assert.Equal(8, stream.GetProperty("packets").GetInt64());
        Assert.Equal(1, stream.GetProperty("keyFrames").GetInt64());
        var consumerStats = (await _client.GetAsync($"{ApiCalls.Mediasoup}/consumer/{consumer.Id()}").ExpectAsync(HttpStatusCode.OK)).GetProperty("stats");
        Assert.Equal(8, consumerStats.GetProperty("packets").GetInt64());
    }

    private async Task<long> MalformedDropsAsync(string transportId)
    {
        var transport = await _client.GetAsync($"{ApiCalls.Mediasoup}/transport/{transportId}").ExpectAsync(HttpStatusCode.OK);
        return transport.GetProperty("stats").GetProperty("drops").GetProperty("malformed").GetInt64();
    }

    /// <summary>Receives <paramref name="count"/> RTP packets, skipping RTCP (e.g. sender reports).</summary>
    private static async Task<List<ReceivedRtp>> ReceiveRtpAsync(UdpClient socket, int count)
    {
        using var timeout = new CancellationTokenSource(ReceiveTimeout);
        var packets = new List<ReceivedRtp>();
        while (packets.Count < count)
        {
            var datagram = (await socket.ReceiveAsync(timeout.Token)).Buffer;
            if (datagram.Length >= 12 && datagram[1] is < 192 or > 223)
            {
                packets.Add(new ReceivedRtp(
                    (byte)(datagram[1] & 0x7F),
                    BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(2)),
                    BinaryPrimitives.ReadUInt32BigEndian(datagram.AsSpan(8)),
                    datagram[12]));
            }
        }

        return packets;
    }

    private static void AssertConsecutive(IReadOnlyList<ReceivedRtp> packets)
    {
        for (var i = 1; i < packets.Count; i++)
        {
            Assert.Equal((ushort)(packets[i - 1].Sequence + 1), packets[i].Sequence);
        }
    }

    private readonly record struct ReceivedRtp(int PayloadType, ushort Sequence, uint Ssrc, byte FirstPayloadByte);
}

/// <summary>Hand-built RTP packets (RFC 3550 fixed header, no CSRC or extension).</summary>
internal static class RtpPackets
{
    public static byte[] H264(byte payloadType, ushort sequence, uint timestamp, uint ssrc, bool keyFrame)
    {
        // A single NAL unit: IDR slice (type 5) or non-IDR slice (type 1), then a few bytes of slice data.
        byte[] payload = keyFrame ? [0x65, 0x88, 0x84, 0x00, 0x33] : [0x41, 0x9A, 0x02, 0x04];
        var packet = new byte[12 + payload.Length];
        packet[0] = 0x80; // version 2
        packet[1] = (byte)(payloadType & 0x7F);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), sequence);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), ssrc);
        payload.CopyTo(packet.AsSpan(12));
        return packet;
    }
}

using System.Net;
using System.Net.Sockets;
using Broadcast.Ingest.Dtls;
using Broadcast.Ingest.Protocols.Rtcp;
using Broadcast.Ingest.Protocols.Rtp;
using Broadcast.Ingest.Protocols.Srtp;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Tests.Dtls;
using Broadcast.Ingest.Tests.Ice;
using Broadcast.Ingest.Transports;
using Broadcast.Testing;
using Microsoft.Extensions.Options;
using Org.BouncyCastle.Tls;
using Xunit.Abstractions;
using BcSrtpProfile = Org.BouncyCastle.Tls.SrtpProtectionProfile;
using SrtpProtectionProfile = Broadcast.Ingest.Protocols.Srtp.SrtpProtectionProfile;

namespace Broadcast.Ingest.Tests.Routing;

/// <summary>
/// Component tests of the hot path's promise: once warm, forwarding a packet allocates nothing on the worker. Real
/// routers on loopback UDP; the worker's own allocation counter is read on the worker before and after a run.
/// </summary>
public sealed class ForwardingAllocationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const uint PublisherSsrc = 0x22222222;
    private const int WarmUpPackets = 500;
    private const int MeasuredPackets = 2000;
    private const int Batch = 50; // small enough for loopback socket buffers: no packet is lost, so counts are exact

    // Less than one byte per packet: any allocation per packet (24 bytes at least) fails by far.
    private const long AllowedBytes = MeasuredPackets;

    private static readonly TimeSpan Patience = Eventually.DefaultTimeout;

    private readonly PortLease _ports = TestPorts.Lease();
    private MediaServer _server = null!;
    private TransportFactory _transports = null!;

    public Task InitializeAsync()
    {
        _server = new MediaServer(Options.Create(new MediaOptions { ListenIp = "127.0.0.1", MinPort = _ports.MinPort, MaxPort = _ports.MaxPort, Workers = 1 }),
            TimeProvider.System);
        _transports = new TransportFactory(_server);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _ports.Dispose();
    }

    [Fact]
    public async Task Forwarding_plain_RTP_allocates_nothing_per_packet_on_the_worker()
    {
        var router = await _server.CreateRouterAsync(null);
        var ingress = await _transports.CreatePlainAsync(router, null, new PlainTransportOptions { Comedia = true });
        var producer = await ingress.ProduceAsync(null, "video", VideoParameters(), paused: false);
        using var sink = await Sink.CreateAsync(router, producer, _transports);
        using var publisher = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        publisher.Connect(new IPEndPoint(IPAddress.Loopback, ingress.LocalPort));
        var packets = new PacketSource(publisher, srtp: null);

        var allocated = await MeasureAsync(router.Worker, packets, sink);

        output.WriteLine($"plain RTP: {allocated} B over {MeasuredPackets} packets ({allocated / (double)MeasuredPackets:F3} B per packet)");
        Assert.True(allocated < AllowedBytes, $"the worker allocated {allocated} B while forwarding {MeasuredPackets} plain RTP packets");
    }

    [Theory]
    [InlineData(BcSrtpProfile.SRTP_AES128_CM_HMAC_SHA1_80)]
    [InlineData(BcSrtpProfile.SRTP_AEAD_AES_128_GCM)]
    public async Task Forwarding_WebRTC_SRTP_allocates_nothing_per_packet_on_the_worker(int profile)
    {
        var router = await _server.CreateRouterAsync(null);
        var transport = await _transports.CreateWebRtcAsync(router, null, new WebRtcTransportOptions(), DtlsLoopback.SharedServerCertificate,
            server: null);
        var producer = await transport.ProduceAsync(null, "video", VideoParameters(), paused: false);
        using var sink = await Sink.CreateAsync(router, producer, _transports);
        using var publisher = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        publisher.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        publisher.Connect(new IPEndPoint(IPAddress.Loopback, transport.Candidates[0].Port));
        var keys = await ConnectAsync(transport, publisher, new TestDtlsClient { OfferedProfiles = [profile] });
        using var srtp = new SrtpSession((SrtpProtectionProfile)(ushort)keys.Profile, keys.ClientWriteKey.Span, keys.ClientWriteSalt.Span);
        var packets = new PacketSource(publisher, srtp);

        var allocated = await MeasureAsync(router.Worker, packets, sink);

        Assert.Equal(0, await router.Worker.InvokeAsync(() => transport.SrtpFailures));
        output.WriteLine($"WebRTC {keys.Profile}: {allocated} B over {MeasuredPackets} packets ({allocated / (double)MeasuredPackets:F3} B per packet)");
        Assert.True(allocated < AllowedBytes, $"the worker allocated {allocated} B while forwarding {MeasuredPackets} SRTP packets ({keys.Profile})");
    }

    [Fact]
    public async Task Sending_to_WebRTC_viewers_on_the_shared_port_allocates_nothing_per_packet_on_the_worker()
    {
        await using var shared = await WebRtcServer.StartAsync(_server, _ports.MaxPort);
        var router = await _server.CreateRouterAsync(null);
        var ingress = await _transports.CreatePlainAsync(router, null, new PlainTransportOptions { Comedia = true });
        var producer = await ingress.ProduceAsync(null, "video", VideoParameters(), paused: false);
        var viewers = new List<WebRtcTestPeer>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var transport = await _transports.CreateWebRtcAsync(router, null, new WebRtcTransportOptions(), DtlsLoopback.SharedServerCertificate, shared);
                var peer = new WebRtcTestPeer(transport.IceParameters, transport.Candidates[0], transport.DtlsParameters);
                viewers.Add(peer);
                await transport.ConnectAsync(peer.DtlsParameters);
                await peer.ConnectAsync();
                // The server's side of the handshake reaches the worker a moment after the client's ends.
                Assert.True(await Eventually.TrueAsync(() => transport.Worker.InvokeAsync(() => transport.IsConnected)), peer.ToString());
                await transport.ConsumeAsync(null, producer.Id, router.RtpCapabilities, paused: false);
            }

            ushort sequence = 0;
            var packet = new byte[RtpHeader.FixedLength + 1100];
            long Forward(int count)
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                for (var i = 0; i < count; i++)
                {
                    RtpHeader.TryWriteFixed(packet, marker: false, 96, sequence, 3000u * sequence, PublisherSsrc);
                    packet[RtpHeader.FixedLength] = sequence == 0 ? (byte)0x65 : (byte)0x41; // a key frame first
                    sequence++;
                    ingress.DeliverRtp(packet);
                }

                return GC.GetAllocatedBytesForCurrentThread() - before;
            }

            // Batches of 50 per worker turn, each turn's sends flushed before the next: nothing overflows a socket.
            await ForwardInTurnsAsync(router.Worker, Forward, WarmUpPackets, viewers);
            var allocated = await ForwardInTurnsAsync(router.Worker, Forward, MeasuredPackets, viewers);

            output.WriteLine($"3 WebRTC viewers on the shared port: {allocated} B over {MeasuredPackets} packets ({allocated / (double)MeasuredPackets:F3} B per packet)");
            Assert.True(allocated < AllowedBytes, $"the worker allocated {allocated} B while sending {MeasuredPackets} packets to 3 WebRTC viewers");
            Assert.All(viewers, v => Assert.Equal(0, v.SrtpFailures));
        }
        finally
        {
            foreach (var viewer in viewers)
            {
                await viewer.DisposeAsync();
            }
        }
    }

    private static async Task<long> ForwardInTurnsAsync(Worker worker, Func<int, long> forward, int count, List<WebRtcTestPeer> viewers)
    {
        long allocated = 0;
        var expected = viewers.Select(v => v.RtpPacketsReceived).ToArray();
        for (var sent = 0; sent < count; sent += Batch)
        {
            allocated += await worker.InvokeAsync(() => forward(Batch));
            for (var i = 0; i < viewers.Count; i++)
            {
                expected[i] += Batch;
                var target = expected[i];
                await viewers[i].WaitUntilAsync(v => v.RtpPacketsReceived >= target);
            }
        }

        return allocated;
    }

    // Warms the path up, then reads the worker's allocation counter on the worker around a run of packets, each batch
    // awaited at the sink so that the run ends when the last packet has left the worker.
    private static async Task<long> MeasureAsync(Worker worker, PacketSource packets, Sink sink)
    {
        await ForwardAsync(packets, sink, WarmUpPackets);
        var sentBefore = await worker.InvokeAsync(() => sink.Consumer.PacketsSent).ConfigureAwait(false);
        var before = await worker.InvokeAsync(GC.GetAllocatedBytesForCurrentThread).ConfigureAwait(false);
        await ForwardAsync(packets, sink, MeasuredPackets);
        var after = await worker.InvokeAsync(GC.GetAllocatedBytesForCurrentThread).ConfigureAwait(false);
        var sentAfter = await worker.InvokeAsync(() => sink.Consumer.PacketsSent).ConfigureAwait(false);
        Assert.Equal(MeasuredPackets, sentAfter - sentBefore);
        return after - before;
    }

    private static async Task ForwardAsync(PacketSource packets, Sink sink, int count)
    {
        for (var sent = 0; sent < count; sent += Batch)
        {
            for (var i = 0; i < Batch; i++)
            {
                packets.SendNext();
            }

            await sink.ReceiveAsync(Batch).ConfigureAwait(false);
        }
    }

    // ICE-lite check with USE-CANDIDATE, connect() with the client's fingerprint, DTLS handshake on the same socket,
    // then wait (on the worker's own answer) until the transport holds its SRTP keys.
    private static async Task<SrtpKeyingMaterial> ConnectAsync(WebRtcTransport transport, Socket publisher, TestDtlsClient client)
    {
        var check = new BindingRequest { Username = transport.IceParameters.UsernameFragment + ":pub1", Password = transport.IceParameters.Password, UseCandidate = true };
        publisher.Send(check.ToBytes());
        using (var timeout = new CancellationTokenSource(Patience))
        {
            await publisher.ReceiveAsync(new byte[1500], SocketFlags.None, timeout.Token); // the Binding success response
        }

        await transport.ConnectAsync(new DtlsParameters("client", [new DtlsFingerprintParameters(client.Certificate.Fingerprint.Algorithm, client.Certificate.Fingerprint.Value)]));
        var dtls = await Task.Factory.StartNew(() => new DtlsClientProtocol().Connect(client, new UdpClientTransport(publisher)),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).WaitAsync(Patience);
        Assert.NotNull(dtls);
        using var deadline = new CancellationTokenSource(Patience);
        while (!await transport.Worker.InvokeAsync(() => transport.IsConnected))
        {
            deadline.Token.ThrowIfCancellationRequested();
            await Task.Yield();
        }

        return client.Keys!;
    }

    private static RtpParameters VideoParameters() => new()
    {
        Codecs =
        [
            new RtpCodecParameters
            {
                MimeType = "video/H264", PayloadType = 96, ClockRate = 90000,
                Parameters = CodecParameters.Of(("packetization-mode", 1), ("profile-level-id", "42e01f")),
            },
        ],
        Encodings = [new RtpEncodingParameters { Ssrc = PublisherSsrc }],
    };

    // The publisher: H.264 packets with gapless sequence numbers (a key frame first), SRTP-protected when keyed.
    private sealed class PacketSource(Socket socket, SrtpSession? srtp)
    {
        private const int PayloadLength = 100;
        private readonly byte[] _buffer = new byte[1500];
        private ushort _sequence = 65000; // crosses the wrap during the run
        private uint _timestamp;

        public void SendNext()
        {
            var first = _sequence == 65000;
            Assert.True(RtpHeader.TryWriteFixed(_buffer, marker: true, 96, _sequence, _timestamp, PublisherSsrc));
            _buffer[RtpHeader.FixedLength] = first ? (byte)0x65 : (byte)0x41; // IDR, then non-IDR slices
            var length = RtpHeader.FixedLength + PayloadLength;
            if (srtp is not null)
            {
                Assert.Equal(SrtpStatus.Ok, srtp.ProtectRtp(_buffer, length, out length));
            }

            socket.Send(_buffer.AsSpan(0, length));
            _sequence++;
            _timestamp += 3000;
        }
    }

    // A plain consumer of the producer, sending to a socket of ours that counts what arrives.
    private sealed class Sink : IDisposable
    {
        private readonly Socket _socket;
        private readonly byte[] _buffer = new byte[1500];

        private Sink(Socket socket, Consumer consumer)
        {
            _socket = socket;
            Consumer = consumer;
        }

        public Consumer Consumer { get; }

        public static async Task<Sink> CreateAsync(Router router, Producer producer, TransportFactory transports)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 1 << 20 };
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var egress = await transports.CreatePlainAsync(router, null, new PlainTransportOptions());
            await egress.ConnectAsync("127.0.0.1", ((IPEndPoint)socket.LocalEndPoint!).Port, null);
            var consumer = await egress.ConsumeAsync(null, producer.Id, router.RtpCapabilities, paused: false);
            return new Sink(socket, consumer);
        }

        // Counts RTP packets (the consumer's sender reports are RTCP and do not count).
        public async Task ReceiveAsync(int count)
        {
            using var timeout = new CancellationTokenSource(Patience);
            for (var received = 0; received < count;)
            {
                var length = await _socket.ReceiveAsync(_buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                if (length >= RtpHeader.FixedLength && !RtcpHeader.IsRtcp(_buffer.AsSpan(0, length)))
                {
                    received++;
                }
            }
        }

        public void Dispose() => _socket.Dispose();
    }
}

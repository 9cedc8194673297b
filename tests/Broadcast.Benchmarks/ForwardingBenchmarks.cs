using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Broadcast.Ingest;
using Broadcast.Ingest.Protocols.Rtp;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Transports;
using Microsoft.Extensions.Options;

namespace Broadcast.Benchmarks;

/// <summary>
/// The forwarding path in-process: one RTP packet through a plain transport's receive path, its producer and
/// <see cref="Consumers"/> consumers, each of which rewrites the header and sends it over loopback UDP.
/// MemoryDiagnoser must report 0 B allocated per operation.
/// </summary>
[MemoryDiagnoser]
public class ForwardingBenchmarks
{
    private MediaServer _server = null!;
    private PlainRtpTransport _ingress = null!;
    private Socket _sink = null!;
    private byte[] _packet = null!;
    private ushort _sequence;

    [Params(1, 10)]
    public int Consumers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _server = new MediaServer(Options.Create(new MediaOptions { ListenIp = "127.0.0.1", MinPort = 46000, MaxPort = 46999, Workers = 1 }),
            TimeProvider.System);
        var router = _server.CreateRouterAsync(null).GetAwaiter().GetResult();
        _ingress = new TransportFactory(_server).CreatePlainAsync(router, null, new PlainTransportOptions { Comedia = true })
            .GetAwaiter().GetResult();
        var producer = _ingress.ProduceAsync(null, "video", LoadParameters.H264(0x1234), paused: false).GetAwaiter().GetResult();
        _sink = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 1 << 20 };
        _sink.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var sinkPort = ((IPEndPoint)_sink.LocalEndPoint!).Port;
        for (var i = 0; i < Consumers; i++)
        {
            var egress = new TransportFactory(_server).CreatePlainAsync(router, null, new PlainTransportOptions()).GetAwaiter().GetResult();
            egress.ConnectAsync("127.0.0.1", sinkPort, null).GetAwaiter().GetResult();
            egress.ConsumeAsync(null, producer.Id, router.RtpCapabilities, paused: false).GetAwaiter().GetResult();
        }

        _packet = LoadParameters.Packet(0x1234, 0, keyFrame: true, payloadLength: 1100);
        // The first key frame opens every consumer; the sink is drained by a background thread.
        _ingress.DeliverRtp(_packet);
        _ = Task.Run(Drain);
    }

    [Benchmark(Description = "forward one 1112-byte RTP packet")]
    public void Forward()
    {
        // The router state is touched by this thread only while the benchmark runs: no traffic reaches the ingress socket.
        RtpHeader.WriteSequenceNumber(_packet, ++_sequence);
        _packet[1] = 96 | 0x80;
        RtpHeader.WriteSsrc(_packet, 0x1234);
        _ingress.DeliverRtp(_packet);
    }

    [Benchmark(Description = "parse an RTP header")]
    public int Parse() => RtpHeader.TryParse(_packet, out var header) ? header.PayloadLength : -1;

    [GlobalCleanup]
    public void Cleanup()
    {
        _server.Dispose();
        _sink.Dispose();
    }

    private void Drain()
    {
        var buffer = new byte[2048];
        try
        {
            while (true)
            {
                _sink.Receive(buffer);
            }
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }
}

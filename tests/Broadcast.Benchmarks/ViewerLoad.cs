using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Broadcast.Ingest;
using Broadcast.Ingest.Protocols.Rtcp;
using Broadcast.Ingest.Protocols.Rtp;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Transports;
using Broadcast.Testing;
using Microsoft.Extensions.Options;

namespace Broadcast.Benchmarks;

/// <summary>
/// Real-time viewers on loopback: one producer fanned out to N WebRTC consumers whose receivers are real DTLS-SRTP
/// peers (in process), beside the same fan-out to N plain RTP consumers in the same run. Prints, per N, the worker's
/// CPU per forwarded packet and its busy share, bytes allocated on the worker per packet and the packets the viewers
/// lost; then the key-frame requests that reach the publisher when viewers join within a second.
/// Usage: load-viewers [--viewers 50,100,200] [--seconds 10] [--rate 260] [--payload 1188] [--joins 1000]
/// (260 packets/s of 1,200 bytes ≈ 2.5 Mbit/s.)
/// </summary>
internal static class ViewerLoad
{
    private const uint PublisherSsrc = 0x5678;

    public static async Task<int> RunAsync(string[] args)
    {
        var counts = LoadTool.ArgList(args, "--viewers", [50, 100, 200]);
        var seconds = LoadTool.Arg(args, "--seconds", 10);
        var rate = LoadTool.Arg(args, "--rate", 260);
        var payload = LoadTool.Arg(args, "--payload", 1188);
        var joins = LoadTool.Arg(args, "--joins", 1000);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"One producer, {rate} packets/s of {payload + RtpHeader.FixedLength} bytes ({rate * (payload + RtpHeader.FixedLength) * 8 / 1e6:F2} Mbit/s), {seconds} s per run, one worker, {Environment.ProcessorCount} cores"));
        Console.WriteLine($"{"consumers",-18} {"out pkt/s",10} {"worker µs/out",14} {"worker busy",12} {"alloc B/out",12} {"lost",8}");
        foreach (var count in counts)
        {
            Print($"{count} plain", await RunFanOutAsync(count, webRtc: false, seconds, rate, payload));
            Print($"{count} WebRTC", await RunFanOutAsync(count, webRtc: true, seconds, rate, payload));
        }

        if (joins > 0)
        {
            Console.WriteLine();
            foreach (var answersWithKeyFrame in new[] { false, true })
            {
                var (requests, joinSeconds) = await RunJoinsAsync(joins, answersWithKeyFrame);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{joins} viewers joined in {joinSeconds:F2} s ({(answersWithKeyFrame ? "the publisher answers a request with a key frame" : "no key frame arrives")}): {requests} key-frame requests reached the publisher"));
            }
        }

        return 0;
    }

    private static void Print(string name, FanOutResult r) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-18} {r.OutputPerSecond,10:F0} {r.WorkerMicrosPerPacket,14:F3} {r.WorkerBusy,11:P1} {r.AllocatedBytesPerPacket,12:F3} {r.Lost,8}"));

    private static async Task<FanOutResult> RunFanOutAsync(int count, bool webRtc, int seconds, int rate, int payload)
    {
        var options = new MediaOptions
        {
            ListenIp = "127.0.0.1", MinPort = 42000, MaxPort = 42000 + count + 64, Workers = 1, MaxViewers = 0, MaxViewersPerChannel = 0,
            SocketBufferBytes = 4 << 20,
        };
        await using var server = new MediaServer(Options.Create(options), TimeProvider.System);
        var factory = new TransportFactory(server);
        var router = await server.CreateRouterAsync(null);
        var ingress = await factory.CreatePlainAsync(router, null, new PlainTransportOptions { Comedia = true });
        var producer = await ingress.ProduceAsync(null, "video", LoadParameters.H264(PublisherSsrc), paused: false);
        var consumers = new List<Consumer>();
        var peers = new List<WebRtcTestPeer>();
        using var sink = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 8 << 20 };
        sink.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        long sinkReceived = 0;
        var drain = new Thread(() =>
        {
            var buffer = new byte[2048];
            try
            {
                while (true)
                {
                    sink.Receive(buffer);
                    Interlocked.Increment(ref sinkReceived);
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
        })
        { IsBackground = true };
        drain.Start();
        try
        {
            // Viewers share one port, as the appliance's do by default (Media:WebRtcSharedPort).
            await using var shared = webRtc ? await WebRtcServer.StartAsync(server, options.MaxPort) : null;
            if (webRtc)
            {
                var certificate = Ingest.Dtls.DtlsCertificate.Generate(TimeProvider.System);
                for (var first = 0; first < count; first += 16)
                {
                    var batch = Enumerable.Range(first, Math.Min(16, count - first)).Select(async _ =>
                    {
                        var transport = await factory.CreateWebRtcAsync(router, null, new WebRtcTransportOptions(), certificate, shared);
                        var peer = new WebRtcTestPeer(transport.IceParameters, transport.Candidates[0], transport.DtlsParameters);
                        await transport.ConnectAsync(peer.DtlsParameters);
                        await peer.ConnectAsync();
                        while (!await transport.Worker.InvokeAsync(() => transport.IsConnected))
                        {
                            await Task.Delay(5); // the server's side of the handshake reaches the worker a moment later
                        }

                        var consumer = await transport.ConsumeAsync(null, producer.Id, router.RtpCapabilities, paused: false);
                        return (peer, consumer);
                    });
                    foreach (var (peer, consumer) in await Task.WhenAll(batch))
                    {
                        peers.Add(peer);
                        consumers.Add(consumer);
                    }
                }
            }
            else
            {
                var sinkPort = ((IPEndPoint)sink.LocalEndPoint!).Port;
                for (var i = 0; i < count; i++)
                {
                    var egress = await factory.CreatePlainAsync(router, null, new PlainTransportOptions());
                    await egress.ConnectAsync("127.0.0.1", sinkPort, null);
                    consumers.Add(await egress.ConsumeAsync(null, producer.Id, router.RtpCapabilities, paused: false));
                }
            }

            var before = await router.Worker.InvokeAsync(() => (Cpu: LoadTool.ThreadCpuSeconds(), Allocated: GC.GetAllocatedBytesForCurrentThread(),
                Sent: consumers.Sum(c => c.PacketsSent)));
            var receivedBefore = webRtc ? peers.Sum(p => p.RtpPacketsReceived) : Interlocked.Read(ref sinkReceived);
            var clock = Stopwatch.StartNew();
            Send(new IPEndPoint(IPAddress.Loopback, ingress.LocalPort), seconds, rate, payload);
            var window = clock.Elapsed.TotalSeconds;
            var after = await router.Worker.InvokeAsync(() => (Cpu: LoadTool.ThreadCpuSeconds(), Allocated: GC.GetAllocatedBytesForCurrentThread(),
                Sent: consumers.Sum(c => c.PacketsSent)));
            // What left the worker in the window has reached the receivers once they stop counting: wait for that.
            var forwarded = after.Sent - before.Sent;
            long Received() => (webRtc ? peers.Sum(p => p.RtpPacketsReceived) : Interlocked.Read(ref sinkReceived)) - receivedBefore;
            var settle = Stopwatch.StartNew();
            var last = -1L;
            while (settle.Elapsed < TimeSpan.FromSeconds(5) && Received() != last)
            {
                last = Received();
                await Task.Delay(200);
            }

            var workerCpu = after.Cpu - before.Cpu;
            // The two reads on the worker around the window allocate a little: not the packets' doing.
            var allocated = Math.Max(0, after.Allocated - before.Allocated - 4096);
            return new FanOutResult(forwarded / window, workerCpu * 1e6 / Math.Max(1, forwarded), workerCpu / window,
                allocated / (double)Math.Max(1, forwarded), Math.Max(0, forwarded - Received()));
        }
        finally
        {
            foreach (var peer in peers)
            {
                await peer.DisposeAsync();
            }

            sink.Dispose();
            drain.Join();
        }
    }

    /// <summary>
    /// Viewers join a live channel within a second (consumer created and resumed: each asks for a key frame); counts
    /// the requests that reach the publisher in the two seconds after.
    /// </summary>
    private static async Task<(int Requests, double JoinSeconds)> RunJoinsAsync(int joins, bool answersWithKeyFrame)
    {
        var options = new MediaOptions { ListenIp = "127.0.0.1", MinPort = 44000, MaxPort = 44100, Workers = 1, MaxViewers = 0, MaxViewersPerChannel = 0 };
        await using var server = new MediaServer(Options.Create(options), TimeProvider.System);
        await using var shared = await WebRtcServer.StartAsync(server, 44000);
        var factory = new TransportFactory(server);
        var router = await server.CreateRouterAsync(null);
        var ingress = await factory.CreatePlainAsync(router, null, new PlainTransportOptions { Comedia = true });
        var parameters = LoadParameters.H264(PublisherSsrc);
        parameters = parameters with { Codecs = [parameters.Codecs[0] with { RtcpFeedback = [new RtcpFeedback { Type = "nack", Parameter = "pli" }] }] };
        var producer = await ingress.ProduceAsync(null, "video", parameters, paused: false);
        using var publisher = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        publisher.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var target = new IPEndPoint(IPAddress.Loopback, ingress.LocalPort);
        var requests = 0;
        var keyFrameDue = 0;
        var firstRequest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var listen = Task.Run(async () =>
        {
            var buffer = new byte[1500];
            try
            {
                while (true)
                {
                    var length = await publisher.ReceiveAsync(buffer, SocketFlags.None, stop.Token);
                    if (PictureLossIndication.TryParse(buffer.AsSpan(0, length), out _, out _))
                    {
                        Interlocked.Increment(ref requests);
                        Volatile.Write(ref keyFrameDue, answersWithKeyFrame ? 1 : 0);
                        firstRequest.TrySetResult();
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        // The publisher streams at 30 packets/s, a key frame first, then only when asked (if it answers at all).
        ushort sequence = 0;
        void SendOne(bool keyFrame) => publisher.SendTo(LoadParameters.Packet(PublisherSsrc, sequence++, keyFrame, 200), target);
        SendOne(keyFrame: true);
        await firstRequest.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the new stream's own request
        // The measurement runs on the real clock: let that request's one-second window pass before the joins.
        await Task.Delay(1100);
        Interlocked.Exchange(ref requests, 0);
        var sending = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                SendOne(Interlocked.Exchange(ref keyFrameDue, 0) == 1);
                await Task.Delay(33);
            }
        });

        var certificate = Ingest.Dtls.DtlsCertificate.Generate(TimeProvider.System);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < joins; i++)
        {
            var transport = await factory.CreateWebRtcAsync(router, null, new WebRtcTransportOptions(), certificate, shared);
            var consumer = await transport.ConsumeAsync(null, producer.Id, router.RtpCapabilities, paused: true);
            await consumer.ResumeAsync();
        }

        var joinSeconds = clock.Elapsed.TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(2));
        await stop.CancelAsync();
        await Task.WhenAll(listen, sending);
        return (Volatile.Read(ref requests), joinSeconds);
    }

    private static void Send(IPEndPoint target, int seconds, int rate, int payload)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { SendBufferSize = 4 << 20 };
        var packet = LoadParameters.Packet(PublisherSsrc, 0, keyFrame: true, payload);
        socket.SendTo(packet, SocketFlags.None, target); // a key frame opens the consumers
        packet[RtpHeader.FixedLength] = 0x41;
        var clock = Stopwatch.StartNew();
        long sent = 1;
        ushort sequence = 1;
        var end = TimeSpan.FromSeconds(seconds);
        while (clock.Elapsed < end)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * rate);
            while (sent < due)
            {
                RtpHeader.WriteSequenceNumber(packet, sequence++);
                socket.SendTo(packet, SocketFlags.None, target);
                sent++;
            }

            Thread.Sleep(1);
        }
    }

    /// <param name="OutputPerSecond">Packets the consumers sent per second.</param>
    /// <param name="WorkerMicrosPerPacket">The worker thread's CPU per forwarded packet.</param>
    /// <param name="WorkerBusy">The worker thread's CPU over the window: 100 % is one core saturated.</param>
    /// <param name="AllocatedBytesPerPacket">Bytes allocated on the worker per forwarded packet.</param>
    /// <param name="Lost">Packets the consumers sent in the window that no receiver got.</param>
    private sealed record FanOutResult(double OutputPerSecond, double WorkerMicrosPerPacket, double WorkerBusy, double AllocatedBytesPerPacket, long Lost);
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Broadcast.Ingest;
using Broadcast.Ingest.Protocols.Rtp;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Transports;
using Microsoft.Extensions.Options;

namespace Broadcast.Benchmarks;

/// <summary>
/// Loopback load: pushes RTP through one router to N consumers and, in the same run, through a minimal baseline
/// relay (a plain recvfrom + sendto loop doing the same fan-out). Prints packets/s, CPU time per forwarded packet
/// (the relay thread's own CPU clock) and bytes allocated per forwarded packet.
/// Usage: load [--seconds 10] [--consumers 10] [--rate 4000] [--payload 1100]
/// </summary>
internal static partial class LoadTool
{
    public static int Run(string[] args)
    {
        var seconds = Arg(args, "--seconds", 10);
        var consumers = Arg(args, "--consumers", 10);
        var rate = Arg(args, "--rate", 4000);
        var payload = Arg(args, "--payload", 1100);
        Console.WriteLine($"Loopback load: {rate} packets/s of {payload + RtpHeader.FixedLength} bytes in, fan-out to {consumers}, {seconds} s per run, {Environment.ProcessorCount} cores");

        var baseline = RunBaseline(seconds, consumers, rate, payload);
        var router = RunRouter(seconds, consumers, rate, payload, flood: false);
        var flood = RunRouter(Math.Max(3, seconds / 2), consumers, rate: 0, payload, flood: true);

        Console.WriteLine();
        Console.WriteLine($"{"relay",-24} {"in pkt/s",9} {"out pkt/s",10} {"thread CPU µs/out",18} {"all CPU µs/out",15} {"alloc B/out",12}");
        Print("baseline recvfrom+sendto", baseline);
        Print("router (paced)", router);
        Print("router (flood)", flood);
        Console.WriteLine();
        Console.WriteLine($"router/baseline CPU per forwarded packet, all threads but sender and sink: {router.ProcessCpuMicrosPerPacket / baseline.ProcessCpuMicrosPerPacket:F2} (target ≤ 1.25)");
        Console.WriteLine($"router/baseline CPU per forwarded packet, relay thread only: {router.CpuMicrosPerPacket / baseline.CpuMicrosPerPacket:F2}");
        Console.WriteLine($"router allocation per forwarded packet on its worker: {router.AllocatedBytesPerPacket:F3} B (target 0)");
        return 0;
    }

    private static void Print(string name, LoadResult r) =>
        Console.WriteLine($"{name,-24} {r.InputPerSecond,9:F0} {r.OutputPerSecond,10:F0} {r.CpuMicrosPerPacket,18:F3} {r.ProcessCpuMicrosPerPacket,15:F3} {r.AllocatedBytesPerPacket,12:F3}");

    private static LoadResult RunBaseline(int seconds, int consumers, int rate, int payload)
    {
        using var ingress = UdpSocket();
        using var egress = UdpSocket();
        using var sink = UdpSocket();
        var sinkAddress = sink.LocalEndPoint!.Serialize();
        long forwarded = 0, received = 0;
        double cpuSeconds = 0;
        long allocated = 0;
        var stop = false;
        var relay = new Thread(() =>
        {
            var buffer = new byte[2048];
            var from = new SocketAddress(AddressFamily.InterNetwork);
            var cpuStart = ThreadCpuSeconds();
            var allocStart = GC.GetAllocatedBytesForCurrentThread();
            ingress.ReceiveTimeout = 200;
            while (!Volatile.Read(ref stop))
            {
                int length;
                try
                {
                    length = ingress.ReceiveFrom(buffer, SocketFlags.None, from);
                }
                catch (SocketException)
                {
                    continue;
                }

                received++;
                var packet = buffer.AsSpan(0, length);
                for (var i = 0; i < consumers; i++)
                {
                    // The same per-copy work a consumer must do at least: rewrite SSRC and sequence number, send.
                    RtpHeader.WriteSsrc(packet, (uint)i);
                    RtpHeader.WriteSequenceNumber(packet, (ushort)received);
                    egress.SendTo(packet, SocketFlags.None, sinkAddress);
                    forwarded++;
                }
            }

            cpuSeconds = ThreadCpuSeconds() - cpuStart;
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocStart;
        })
        { IsBackground = true, Name = "baseline-relay" };
        relay.Start();
        var (drain, drained, drainCpu) = StartDrain(sink);
        var processStart = Process.GetCurrentProcess().TotalProcessorTime;
        var (sent, senderCpu) = Send(ingress.LocalEndPoint!.Serialize(), seconds, rate, payload, 0x1234);
        Thread.Sleep(200);
        Volatile.Write(ref stop, true);
        relay.Join();
        sink.Close();
        drain.Join();
        var processCpu = (Process.GetCurrentProcess().TotalProcessorTime - processStart).TotalSeconds - senderCpu - drainCpu();
        return new LoadResult(sent / (double)seconds, forwarded / (double)seconds, cpuSeconds * 1e6 / Math.Max(1, forwarded),
            processCpu * 1e6 / Math.Max(1, forwarded), allocated / (double)Math.Max(1, forwarded), drained());
    }

    private static LoadResult RunRouter(int seconds, int consumers, int rate, int payload, bool flood)
    {
        using var server = new MediaServer(Options.Create(new MediaOptions { ListenIp = "127.0.0.1", MinPort = 47000, MaxPort = 47999, Workers = 1 }),
            TimeProvider.System);
        var router = server.CreateRouterAsync(null).GetAwaiter().GetResult();
        var ingress = new TransportFactory(server).CreatePlainAsync(router, null, new PlainTransportOptions { Comedia = true })
            .GetAwaiter().GetResult();
        const uint ssrc = 0x5678;
        var producer = ingress.ProduceAsync(null, "video", LoadParameters.H264(ssrc), paused: false).GetAwaiter().GetResult();
        using var sink = UdpSocket();
        var sinkPort = ((IPEndPoint)sink.LocalEndPoint!).Port;
        var egresses = new List<PlainRtpTransport>();
        for (var i = 0; i < consumers; i++)
        {
            var egress = new TransportFactory(server).CreatePlainAsync(router, null, new PlainTransportOptions()).GetAwaiter().GetResult();
            egress.ConnectAsync("127.0.0.1", sinkPort, null).GetAwaiter().GetResult();
            egress.ConsumeAsync(null, producer.Id, router.RtpCapabilities, paused: false).GetAwaiter().GetResult();
            egresses.Add(egress);
        }

        var (drain, drained, drainCpu) = StartDrain(sink);
        var processStart = Process.GetCurrentProcess().TotalProcessorTime;
        var (cpuStart, allocStart, sentStart) = router.Worker.InvokeAsync(() =>
            (ThreadCpuSeconds(), GC.GetAllocatedBytesForCurrentThread(), egresses.Sum(e => e.RtpPacketsSent))).GetAwaiter().GetResult();
        var clock = Stopwatch.StartNew();
        var (sent, senderCpu) = Send(new IPEndPoint(IPAddress.Loopback, ingress.LocalPort).Serialize(), seconds, flood ? 0 : rate, payload, ssrc);
        Thread.Sleep(200);
        var elapsed = clock.Elapsed.TotalSeconds;
        var (cpuEnd, allocEnd, sentEnd) = router.Worker.InvokeAsync(() =>
            (ThreadCpuSeconds(), GC.GetAllocatedBytesForCurrentThread(), egresses.Sum(e => e.RtpPacketsSent))).GetAwaiter().GetResult();
        var forwarded = sentEnd - sentStart;
        // The two stats reads above are the only allocations on the worker in the window; exclude them.
        var allocated = Math.Max(0, allocEnd - allocStart - 1024);
        sink.Close();
        drain.Join();
        var processCpu = (Process.GetCurrentProcess().TotalProcessorTime - processStart).TotalSeconds - senderCpu - drainCpu();
        var window = flood ? elapsed : seconds;
        return new LoadResult(sent / window, forwarded / window, (cpuEnd - cpuStart) * 1e6 / Math.Max(1, forwarded),
            processCpu * 1e6 / Math.Max(1, forwarded), allocated / (double)Math.Max(1, forwarded), drained());
    }

    /// <summary>Sends for <paramref name="seconds"/>: paced in 1 ms batches, or as fast as possible when rate is 0.</summary>
    private static (long Sent, double CpuSeconds) Send(SocketAddress target, int seconds, int rate, int payload, uint ssrc)
    {
        var cpuStart = ThreadCpuSeconds();
        using var socket = UdpSocket();
        var packet = LoadParameters.Packet(ssrc, 0, keyFrame: true, payload);
        socket.SendTo(packet, SocketFlags.None, target); // opens the consumers (key frame)
        packet[RtpHeader.FixedLength] = 0x41;
        var clock = Stopwatch.StartNew();
        long sent = 1;
        ushort sequence = 1;
        var end = TimeSpan.FromSeconds(seconds);
        while (clock.Elapsed < end)
        {
            var due = rate == 0 ? sent + 64 : (long)(clock.Elapsed.TotalSeconds * rate);
            while (sent < due)
            {
                RtpHeader.WriteSequenceNumber(packet, sequence++);
                socket.SendTo(packet, SocketFlags.None, target);
                sent++;
            }

            if (rate != 0)
            {
                Thread.Sleep(1);
            }
        }

        return (sent, ThreadCpuSeconds() - cpuStart);
    }

    /// <summary>Drains the sink; Cpu() is valid once the thread ended.</summary>
    private static (Thread Thread, Func<long> Count, Func<double> Cpu) StartDrain(Socket sink)
    {
        long count = 0;
        double cpu = 0;
        var thread = new Thread(() =>
        {
            var buffer = new byte[2048];
            var cpuStart = ThreadCpuSeconds();
            try
            {
                while (true)
                {
                    sink.Receive(buffer);
                    count++;
                }
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }

            cpu = ThreadCpuSeconds() - cpuStart;
        })
        { IsBackground = true, Name = "sink-drain" };
        thread.Start();
        return (thread, () => Volatile.Read(ref count), () => cpu);
    }

    private static Socket UdpSocket()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 4 << 20, SendBufferSize = 4 << 20 };
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    internal static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    internal static int[] ArgList(string[] args, string name, int[] fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length
            ? [.. args[i + 1].Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture))]
            : fallback;
    }

    private const int ClockThreadCpuTimeId = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clockId, out TimeSpec time);

    /// <summary>CPU time consumed by the calling thread (Linux CLOCK_THREAD_CPUTIME_ID).</summary>
    internal static double ThreadCpuSeconds() =>
        ClockGetTime(ClockThreadCpuTimeId, out var time) == 0 ? time.Seconds + (time.Nanoseconds / 1e9) : double.NaN;

    /// <param name="InputPerSecond">Packets sent to the relay per second.</param>
    /// <param name="OutputPerSecond">Packets the relay forwarded per second.</param>
    /// <param name="CpuMicrosPerPacket">CPU of the relay's own thread (the worker for the router).</param>
    /// <param name="ProcessCpuMicrosPerPacket">CPU of every thread but the sender and the sink: includes socket engine threads.</param>
    /// <param name="AllocatedBytesPerPacket">Bytes allocated on the relay's thread per forwarded packet.</param>
    /// <param name="SinkReceived">Packets the sink received (it may lose some under flood).</param>
    private sealed record LoadResult(double InputPerSecond, double OutputPerSecond, double CpuMicrosPerPacket, double ProcessCpuMicrosPerPacket,
        double AllocatedBytesPerPacket, long SinkReceived);
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Broadcast.Ingest.Dtls;
using Broadcast.Ingest.Routing;
using Org.BouncyCastle.Tls;
using Xunit.Abstractions;

namespace Broadcast.Ingest.Tests.Dtls;

/// <summary>Component test: the session fed by a real worker from a UDP socket on loopback, as a WebRTC transport will.</summary>
public sealed class DtlsUdpLoopbackTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Handshakes_over_UDP_fed_from_a_worker_complete_while_the_worker_keeps_serving_other_work()
    {
        using var worker = new Worker(0);
        for (var round = 1; round <= 3; round++) // the first pays for JIT compilation
        {
            var (elapsed, server, slowestTurn) = await HandshakeAsync(worker);
            Assert.True(slowestTurn < TimeSpan.FromSeconds(1), $"the worker was held for {slowestTurn.TotalMilliseconds} ms");
            output.WriteLine($"round {round}: client connect to keys on both sides {elapsed.TotalMilliseconds:F1} ms, "
                + $"server handshake {server.TotalMilliseconds:F1} ms, slowest worker turn {slowestTurn.TotalMilliseconds:F2} ms");
        }
    }

    private static async Task<(TimeSpan Elapsed, TimeSpan Server, TimeSpan SlowestTurn)> HandshakeAsync(Worker worker)
    {
        using var serverSocket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        serverSocket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var receiver = new SessionReceiver(serverSocket);
        using var session = new DtlsServerSession(DtlsLoopback.SharedServerCertificate, receiver);
        receiver.Session = session;
        var registration = await worker.InvokeAsync(() => worker.AddReceiver(serverSocket, receiver));
        using var clientSocket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        clientSocket.Connect(serverSocket.LocalEndPoint!);
        var client = new TestDtlsClient();
        session.SetRemoteFingerprint(client.Certificate.Fingerprint);

        var started = Stopwatch.GetTimestamp();
        var connecting = Task.Factory.StartNew(() => new DtlsClientProtocol().Connect(client, new UdpClientTransport(clientSocket)),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        // How long work posted to the worker waits for it, measured on the worker itself.
        var slowestTurn = TimeSpan.Zero;
        while (!connecting.IsCompleted)
        {
            var posted = Stopwatch.GetTimestamp();
            worker.Post(() =>
            {
                var turn = Stopwatch.GetElapsedTime(posted);
                slowestTurn = turn > slowestTurn ? turn : slowestTurn;
            });
            await Task.Delay(1);
        }

        var transport = await connecting.WaitAsync(DtlsLoopback.Patience);
        var keys = await receiver.Connected.Task.WaitAsync(DtlsLoopback.Patience);
        var elapsed = Stopwatch.GetElapsedTime(started);
        Assert.Equal(client.Keys!.ClientWriteKey.ToArray(), keys.ClientWriteKey.ToArray());
        Assert.Equal(client.Keys.ServerWriteSalt.ToArray(), keys.ServerWriteSalt.ToArray());

        transport.Close();
        await receiver.Closed.Task.WaitAsync(DtlsLoopback.Patience);
        await worker.InvokeAsync(registration.Dispose);
        return (elapsed, session.HandshakeDuration!.Value, slowestTurn);
    }

    // What a WebRTC transport does: feed DTLS from the worker, send to the tuple it came from.
    private sealed class SessionReceiver(Socket socket) : IDatagramReceiver, IDtlsSessionListener
    {
        private volatile EndPoint? _remote;

        public DtlsServerSession? Session { get; set; }

        public TaskCompletionSource<SrtpKeyingMaterial> Connected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnDatagram(Span<byte> datagram, SocketAddress source)
        {
            _remote ??= new IPEndPoint(IPAddress.Any, 0).Create(source);
            Session!.Feed(datagram);
        }

        public void SendDtlsDatagram(ReadOnlySpan<byte> datagram) => socket.SendTo(datagram, SocketFlags.None, _remote!);

        public void OnDtlsConnected(DtlsServerSession session, SrtpKeyingMaterial srtp) => Connected.TrySetResult(srtp);

        public void OnDtlsFailed(DtlsServerSession session, DtlsFailure failure, string detail) =>
            Connected.TrySetException(new InvalidOperationException($"{failure}: {detail}"));

        public void OnDtlsClosed(DtlsServerSession session) => Closed.TrySetResult();
    }
}

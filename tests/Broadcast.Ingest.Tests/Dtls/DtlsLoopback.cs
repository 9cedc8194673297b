using System.Collections.Concurrent;
using Broadcast.Ingest.Dtls;
using Org.BouncyCastle.Tls;

namespace Broadcast.Ingest.Tests.Dtls;

/// <summary>
/// An in-memory datagram link between a <see cref="DtlsServerSession"/> and BouncyCastle's DTLS client. Every
/// datagram is recorded in both directions; filters can drop or merge them to play a lossy or odd network.
/// </summary>
internal sealed class DtlsLoopback : IDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly BlockingCollection<byte[]> _toClient = [];
    private readonly List<byte[]> _coalesced = [];

    public DtlsLoopback(DtlsServerOptions? options = null, DtlsCertificate? serverCertificate = null, int clientMtu = 1200)
    {
        ServerCertificate = serverCertificate ?? SharedServerCertificate;
        Listener = new RecordingListener(this);
        Session = new DtlsServerSession(ServerCertificate, Listener, options);
        ClientMtu = clientMtu;
    }

    /// <summary>Generating a key pair per test is cheap, but one is enough.</summary>
    public static DtlsCertificate SharedServerCertificate { get; } = DtlsCertificate.Generate();

    public DtlsCertificate ServerCertificate { get; }

    public DtlsServerSession Session { get; }

    public RecordingListener Listener { get; }

    public int ClientMtu { get; }

    /// <summary>Every datagram the server sent, including dropped ones.</summary>
    public ConcurrentQueue<byte[]> FromServer { get; } = new();

    /// <summary>Every datagram the client sent, including dropped ones.</summary>
    public ConcurrentQueue<byte[]> FromClient { get; } = new();

    /// <summary>Returns true to lose a server datagram on its way.</summary>
    public Func<byte[], bool>? DropFromServer { get; set; }

    /// <summary>Returns true to lose a client datagram on its way.</summary>
    public Func<byte[], bool>? DropFromClient { get; set; }

    /// <summary>Returns true to make the server's send throw, as a socket error would.</summary>
    public Func<bool>? FailSend { get; set; }

    /// <summary>Merge the first n client datagrams into one before the server sees them (several records per datagram).</summary>
    public int CoalesceFirstClientDatagrams { get; set; }

    /// <summary>Runs the client handshake on its own thread; the task ends with its transport or its exception.</summary>
    public Task<DtlsTransport> ConnectAsync(TestDtlsClient client) =>
        Task.Factory.StartNew(() => new DtlsClientProtocol().Connect(client, new ClientEnd(this)), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Connects with the server expecting the client's fingerprint; asserts both ends succeed.</summary>
    public async Task<DtlsTransport> ConnectVerifiedAsync(TestDtlsClient client)
    {
        Session.SetRemoteFingerprint(client.Certificate.Fingerprint);
        var transport = await ConnectAsync(client).WaitAsync(Patience);
        await Listener.Connected.WaitAsync(Patience);
        return transport;
    }

    public void Dispose()
    {
        Session.Dispose();
        _toClient.CompleteAdding();
    }

    private void FromClientSide(byte[] datagram)
    {
        FromClient.Enqueue(datagram);
        if (DropFromClient?.Invoke(datagram) == true)
        {
            return;
        }

        lock (_coalesced)
        {
            if (_coalesced.Count < CoalesceFirstClientDatagrams)
            {
                _coalesced.Add(datagram);
                if (_coalesced.Count < CoalesceFirstClientDatagrams)
                {
                    return;
                }

                datagram = [.. _coalesced.SelectMany(d => d)];
            }
        }

        Session.Feed(datagram);
    }

    private void FromServerSide(byte[] datagram)
    {
        FromServer.Enqueue(datagram);
        if (DropFromServer?.Invoke(datagram) != true && !_toClient.IsAddingCompleted)
        {
            _toClient.Add(datagram);
        }
    }

    /// <summary>The session's listener: forwards datagrams to the client and records the outcome.</summary>
    internal sealed class RecordingListener(DtlsLoopback link) : IDtlsSessionListener
    {
        private readonly TaskCompletionSource<SrtpKeyingMaterial> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<(DtlsFailure Failure, string Detail)> _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _connectedCount;
        private int _endCount;

        public Task<SrtpKeyingMaterial> Connected => _connected.Task;

        public Task<(DtlsFailure Failure, string Detail)> Failed => _failed.Task;

        public Task Closed => _closed.Task;

        /// <summary>Ends when the session has failed or closed.</summary>
        public Task Ended => Task.WhenAny(_failed.Task, _closed.Task);

        /// <summary>Connected reports (must be at most one).</summary>
        public int ConnectedCount => Volatile.Read(ref _connectedCount);

        /// <summary>Failed and closed reports together (must be at most one).</summary>
        public int EndCount => Volatile.Read(ref _endCount);

        public void SendDtlsDatagram(ReadOnlySpan<byte> datagram)
        {
            if (link.FailSend?.Invoke() == true)
            {
                throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.NoBufferSpaceAvailable);
            }

            link.FromServerSide(datagram.ToArray());
        }

        public void OnDtlsConnected(DtlsServerSession session, SrtpKeyingMaterial srtp)
        {
            Interlocked.Increment(ref _connectedCount);
            _connected.TrySetResult(srtp);
        }

        public void OnDtlsFailed(DtlsServerSession session, DtlsFailure failure, string detail)
        {
            Interlocked.Increment(ref _endCount);
            _failed.TrySetResult((failure, detail));
        }

        public void OnDtlsClosed(DtlsServerSession session)
        {
            Interlocked.Increment(ref _endCount);
            _closed.TrySetResult();
        }
    }

    // The client's side of the link; BouncyCastle's client blocks in Receive.
    private sealed class ClientEnd(DtlsLoopback link) : DatagramTransport
    {
        private volatile bool _closed;

        public int GetReceiveLimit() => 9216;

        public int GetSendLimit() => link.ClientMtu;

        public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

        public int Receive(Span<byte> buffer, int waitMillis)
        {
            if (_closed || link._toClient.IsCompleted)
            {
                throw new IOException("closed");
            }

            try
            {
                if (!link._toClient.TryTake(out var datagram, waitMillis <= 0 ? Timeout.Infinite : waitMillis))
                {
                    return -1;
                }

                datagram.AsSpan(0, Math.Min(datagram.Length, buffer.Length)).CopyTo(buffer);
                return Math.Min(datagram.Length, buffer.Length);
            }
            catch (ObjectDisposedException)
            {
                throw new IOException("closed");
            }
            catch (InvalidOperationException)
            {
                throw new IOException("closed");
            }
        }

        public void Send(byte[] buf, int off, int len) => Send(buf.AsSpan(off, len));

        public void Send(ReadOnlySpan<byte> buffer) => link.FromClientSide(buffer.ToArray());

        public void Close() => _closed = true;
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Broadcast.Ingest.Net;
using Broadcast.Ingest.Protocols.Demux;
using Broadcast.Ingest.Protocols.Stun;
using Broadcast.Ingest.Routing;

namespace Broadcast.Ingest.Transports;

/// <summary>
/// One UDP port for every WebRTC transport, so a firewall needs one rule (mediasoup's WebRtcServer). A datagram
/// from a known 5-tuple goes to its transport; a new tuple is routed by the ufrag in its STUN USERNAME. The socket is
/// read by one worker; datagrams for transports on other workers are copied into pooled buffers and posted there.
/// </summary>
public sealed class WebRtcServer : IDatagramReceiver, IAsyncDisposable
{
    private const int MaxUfragLength = 256;

    private readonly ConcurrentDictionary<string, WebRtcTransport> _byUfrag = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, WebRtcTransport>.AlternateLookup<ReadOnlySpan<char>> _ufragLookup;
    private readonly ConcurrentDictionary<TransportAddress, WebRtcTransport> _byTuple = new();
    private readonly ConcurrentQueue<ForwardedDatagram> _pool = new();
    private readonly Worker _reader;
    private SocketRegistration? _registration;

    private WebRtcServer(Socket socket, Worker reader, string advertisedIp)
    {
        Socket = socket;
        _reader = reader;
        AdvertisedIp = advertisedIp;
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        _ufragLookup = _byUfrag.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Binds <paramref name="port"/> on the listen address and starts reading it on the first worker.</summary>
    public static async Task<WebRtcServer> StartAsync(MediaServer media, int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)
        {
            ReceiveBufferSize = media.Options.SocketBufferBytes * 4,
            SendBufferSize = media.Options.SocketBufferBytes * 4,
        };
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Parse(media.Options.ListenIp), port));
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var server = new WebRtcServer(socket, media.Workers.Workers[0], media.Options.AdvertisedIp);
        await server._reader.InvokeAsync(() => server._registration = server._reader.AddReceiver(socket, server)).ConfigureAwait(false);
        return server;
    }

    internal Socket Socket { get; }

    // One send batch per worker: each worker queues its transports' RTP to this socket and flushes it once per turn.
    private readonly DatagramBatch?[] _batches = new DatagramBatch?[256];

    /// <summary>The calling worker's batch for this socket, or null when the worker cannot batch. Call on <paramref name="worker"/>.</summary>
    internal DatagramBatch? BatchFor(Worker worker)
    {
        if (!worker.BatchesSends || worker.Index >= _batches.Length)
        {
            return null;
        }

        return _batches[worker.Index] ??= new DatagramBatch(Socket, worker.ScheduleFlush);
    }
    public int Port { get; }
    public string AdvertisedIp { get; }
    public int Transports => _byUfrag.Count;
    public long DroppedUnknownTuple { get; private set; }
    public long Forwarded => Interlocked.Read(ref _forwarded);

    private long _forwarded;

    internal void Register(WebRtcTransport transport) => _byUfrag[transport.LocalUsernameFragment] = transport;

    internal void Unregister(WebRtcTransport transport)
    {
        // Every ufrag the transport had (ICE restarts add one).
        foreach (var (ufrag, owner) in _byUfrag)
        {
            if (owner == transport)
            {
                _byUfrag.TryRemove(new KeyValuePair<string, WebRtcTransport>(ufrag, owner));
            }
        }

        foreach (var (tuple, owner) in _byTuple)
        {
            if (owner == transport)
            {
                _byTuple.TryRemove(new KeyValuePair<TransportAddress, WebRtcTransport>(tuple, owner));
            }
        }
    }

    internal void AddTuple(TransportAddress tuple, WebRtcTransport transport) => _byTuple[tuple] = transport;

    internal void RemoveTuple(TransportAddress tuple, WebRtcTransport transport) =>
        _byTuple.TryRemove(new KeyValuePair<TransportAddress, WebRtcTransport>(tuple, transport));

    public void OnDatagram(Span<byte> datagram, SocketAddress source)
    {
        var tuple = TransportAddress.FromSocketAddress(source);
        if (!_byTuple.TryGetValue(tuple, out var transport) && !TryFindByUfrag(datagram, out transport))
        {
            DroppedUnknownTuple++;
            return;
        }

        if (transport.Worker == _reader)
        {
            transport.OnDatagram(datagram, source);
            return;
        }

        // Another worker owns the transport: hand it a copy (pooled: no allocation once warm).
        if (!_pool.TryDequeue(out var forwarded))
        {
            forwarded = new ForwardedDatagram(this);
        }

        forwarded.Set(transport, datagram, source);
        Interlocked.Increment(ref _forwarded);
        transport.Worker.Post(ForwardedDatagram.Deliver, forwarded);
    }

    private bool TryFindByUfrag(ReadOnlySpan<byte> datagram, out WebRtcTransport transport)
    {
        transport = null!;
        if (RtpPacketClassifier.Classify(datagram) != PacketKind.Stun)
        {
            return false;
        }

        Span<char> ufrag = stackalloc char[MaxUfragLength];
        return StunUsername.TryGetLocalUfrag(datagram, ufrag, out var length) && _ufragLookup.TryGetValue(ufrag[..length], out transport!);
    }

    /// <summary>Stops reading on the worker (waiting at most <see cref="Worker.DefaultAnswerTimeout"/>), then closes the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _reader.InvokeAsync(() => _registration?.Dispose(), Worker.DefaultAnswerTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WorkerClosedException or WorkerTimeoutException)
        {
            // the loop stopped, or is stuck and reads nothing more that matters: the socket closes all the same
        }

        Socket.Dispose();
    }

    private sealed class ForwardedDatagram(WebRtcServer server)
    {
        public static readonly SendOrPostCallback Deliver = static state => ((ForwardedDatagram)state!).Run();

        private byte[] _buffer = new byte[2048];
        private readonly SocketAddress _source = new(AddressFamily.InterNetworkV6);
        private WebRtcTransport? _transport;
        private int _length;

        public void Set(WebRtcTransport transport, ReadOnlySpan<byte> datagram, SocketAddress source)
        {
            if (_buffer.Length < datagram.Length)
            {
                _buffer = new byte[datagram.Length];
            }

            datagram.CopyTo(_buffer);
            _length = datagram.Length;
            source.Buffer.Span[..source.Size].CopyTo(_source.Buffer.Span);
            _source.Size = source.Size;
            _transport = transport;
        }

        private void Run()
        {
            var transport = _transport!;
            _transport = null;
            transport.OnDatagram(_buffer.AsSpan(0, _length), _source);
            server._pool.Enqueue(this);
        }
    }
}

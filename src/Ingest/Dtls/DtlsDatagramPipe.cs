using System.Buffers;
using System.Buffers.Binary;
using Org.BouncyCastle.Tls;

namespace Broadcast.Ingest.Dtls;

/// <summary>
/// The <see cref="DatagramTransport"/> BouncyCastle's blocking DTLS code runs on. The worker copies incoming datagrams
/// into a bounded queue (never waiting); the session thread's <see cref="Receive(Span{byte}, int)"/> waits on that
/// queue for as long as BouncyCastle asks (its retransmission timer); <see cref="Send(ReadOnlySpan{byte})"/> hands
/// datagrams to the owner. Once closed, receives throw so that no BouncyCastle loop spins on an empty queue.
/// <para>
/// Queued datagrams are first reduced to their complete records. That keeps junk out of the queue, and it drops the
/// one kind of junk BouncyCastle takes badly: a protected record too short for its nonce and tag is a fatal
/// decode_error there, not a corrupt record to ignore, so one forged 15-byte datagram would end a live session.
/// A datagram with nothing left is counted as malformed.
/// </para>
/// </summary>
internal sealed class DtlsDatagramPipe : DatagramTransport
{
    // A monitor, not System.Threading.Lock: receives wait on it with Monitor.Wait.
    private readonly object _lock = new();
    private readonly Queue<(byte[] Buffer, int Length)> _queue = new();
    private readonly int _capacity;
    private readonly int _mtu;
    private readonly int _maxReceive;
    private readonly IDtlsSessionListener _listener;
    private volatile int _minimumProtectedRecord = AeadTagLength;
    private bool _closed;
    private long _malformed;
    private long _dropped;
    private long _received;
    private long _sent;
    private long _sendFailures;

    public DtlsDatagramPipe(DtlsServerOptions options, IDtlsSessionListener listener)
    {
        _capacity = options.QueueCapacity;
        _mtu = options.Mtu;
        _maxReceive = options.MaxReceiveDatagram;
        _listener = listener;
    }

    private const int RecordHeaderLength = 13;
    private const int AeadTagLength = 16;

    /// <summary>Datagrams refused because the queue was full, too long or arrived after close.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Datagrams without one well-formed record.</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>
    /// Shortest valid record of epoch 1 and later, in bytes: explicit nonce plus tag of the negotiated AEAD suite
    /// (24 for AES-GCM, 16 for ChaCha20-Poly1305). Set by the session once the cipher suite is chosen.
    /// </summary>
    public int MinimumProtectedRecord
    {
        get => _minimumProtectedRecord;
        set => _minimumProtectedRecord = value;
    }

    /// <summary>Datagrams queued for the session.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Datagrams handed to the listener to send.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Sends whose listener threw; they count as lost (the flight timer resends).</summary>
    public long SendFailures => Interlocked.Read(ref _sendFailures);

    public bool HasPending
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count > 0;
            }
        }
    }

    public bool IsClosed
    {
        get
        {
            lock (_lock)
            {
                return _closed;
            }
        }
    }

    /// <summary>Copies <paramref name="datagram"/> into the queue; false (and counted) when it cannot be taken.</summary>
    public bool TryEnqueue(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length == 0 || datagram.Length > _maxReceive)
        {
            Interlocked.Increment(ref _dropped);
            return false;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(datagram.Length);
        datagram.CopyTo(buffer);
        var length = KeepWellFormedRecords(buffer.AsSpan(0, datagram.Length), _minimumProtectedRecord);
        if (length == 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Interlocked.Increment(ref _malformed);
            return false;
        }

        lock (_lock)
        {
            if (!_closed && _queue.Count < _capacity)
            {
                _queue.Enqueue((buffer, length));
                _received++;
                Monitor.Pulse(_lock);
                return true;
            }
        }

        ArrayPool<byte>.Shared.Return(buffer);
        Interlocked.Increment(ref _dropped);
        return false;
    }

    /// <summary>
    /// Moves the datagram's complete records (RFC 6347 §4.1: type, version, epoch, sequence, 16-bit length) to its
    /// front, leaving out protected ones shorter than <paramref name="minimumProtected"/> and anything after the first
    /// record that does not fit; returns the bytes kept.
    /// </summary>
    internal static int KeepWellFormedRecords(Span<byte> datagram, int minimumProtected)
    {
        int read = 0, kept = 0;
        while (datagram.Length - read >= RecordHeaderLength)
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(datagram[(read + 11)..]);
            var total = RecordHeaderLength + length;
            if (datagram.Length - read < total)
            {
                break;
            }

            var epoch = BinaryPrimitives.ReadUInt16BigEndian(datagram[(read + 3)..]);
            if (epoch == 0 || length >= minimumProtected)
            {
                datagram.Slice(read, total).CopyTo(datagram[kept..]);
                kept += total;
            }

            read += total;
        }

        return kept;
    }

    public int GetReceiveLimit() => _maxReceive;

    public int GetSendLimit() => _mtu;

    public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

    /// <summary>One datagram, or -1 when <paramref name="waitMillis"/> (0: no limit) passes without one.</summary>
    /// <exception cref="DtlsPipeClosedException">The pipe is closed.</exception>
    public int Receive(Span<byte> buffer, int waitMillis)
    {
        byte[] datagram;
        int length;
        lock (_lock)
        {
            var deadline = waitMillis > 0 ? Environment.TickCount64 + waitMillis : long.MaxValue;
            while (_queue.Count == 0)
            {
                if (_closed)
                {
                    throw new DtlsPipeClosedException();
                }

                var remaining = deadline - Environment.TickCount64;
                if (remaining <= 0)
                {
                    return -1;
                }

                Monitor.Wait(_lock, deadline == long.MaxValue ? Timeout.Infinite : (int)Math.Min(remaining, int.MaxValue));
            }

            (datagram, length) = _queue.Dequeue();
        }

        // The receive limit is at least the longest datagram we queue, so nothing is cut here.
        var copied = Math.Min(length, buffer.Length);
        datagram.AsSpan(0, copied).CopyTo(buffer);
        ArrayPool<byte>.Shared.Return(datagram);
        return copied;
    }

    public void Send(byte[] buf, int off, int len) => Send(buf.AsSpan(off, len));

    public void Send(ReadOnlySpan<byte> buffer)
    {
        if (IsClosed)
        {
            return;
        }

        Interlocked.Increment(ref _sent);
        try
        {
            _listener.SendDtlsDatagram(buffer);
        }
#pragma warning disable CA1031 // A failed UDP send is a lost datagram, not a handshake error.
        catch (Exception)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _sendFailures);
        }
    }

    /// <summary>Called by BouncyCastle after its close_notify, and by the session: wakes any waiting receive.</summary>
    public void Close()
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            while (_queue.TryDequeue(out var item))
            {
                ArrayPool<byte>.Shared.Return(item.Buffer);
            }

            Monitor.PulseAll(_lock);
        }
    }
}

/// <summary>Thrown into BouncyCastle's receive loop when the session closed, so that it unwinds at once.</summary>
internal sealed class DtlsPipeClosedException : IOException
{
    public DtlsPipeClosedException()
        : base("The DTLS session is closed.")
    {
    }
}

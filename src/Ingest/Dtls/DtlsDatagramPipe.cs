using System.Buffers;
using Org.BouncyCastle.Tls;

namespace Broadcast.Ingest.Dtls;

/// <summary>
/// The <see cref="DatagramTransport"/> BouncyCastle's blocking DTLS code runs on. The worker copies incoming datagrams
/// into a bounded queue (never waiting); the session thread's <see cref="Receive(Span{byte}, int)"/> waits on that
/// queue for as long as BouncyCastle asks (its retransmission timer); <see cref="Send(ReadOnlySpan{byte})"/> hands
/// datagrams to the owner. Once closed, receives throw so that no BouncyCastle loop spins on an empty queue.
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
    private bool _closed;
    private long _dropped;
    private long _received;
    private long _sent;

    public DtlsDatagramPipe(DtlsServerOptions options, IDtlsSessionListener listener)
    {
        _capacity = options.QueueCapacity;
        _mtu = options.Mtu;
        _maxReceive = options.MaxReceiveDatagram;
        _listener = listener;
    }

    /// <summary>Datagrams refused because the queue was full, too long or arrived after close.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Datagrams queued for the session.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Datagrams handed to the listener to send.</summary>
    public long Sent => Interlocked.Read(ref _sent);

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
        lock (_lock)
        {
            if (!_closed && _queue.Count < _capacity)
            {
                _queue.Enqueue((buffer, datagram.Length));
                _received++;
                Monitor.Pulse(_lock);
                return true;
            }
        }

        ArrayPool<byte>.Shared.Return(buffer);
        Interlocked.Increment(ref _dropped);
        return false;
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
        _listener.SendDtlsDatagram(buffer);
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

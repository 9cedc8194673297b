using System.Buffers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Broadcast.Ingest.Net;

namespace Broadcast.Ingest.Routing;

// The worker's socket side: registration, the epoll pump, and the portable async fallback.
public sealed partial class Worker
{
    private const ulong WakeToken = 0;
    // Packets read from one ready socket before the loop looks at others: keeps one busy publisher from starving the rest.
    private const int MaxDatagramsPerWakeup = 64;
    private const int ReceiveBufferLength = 9216;

    private readonly Dictionary<ulong, SocketRegistration> _receivers = [];
    private readonly Dictionary<ulong, ByteStreamRegistration> _streams = [];
    // Bytes read from one ready stream before the loop looks at others.
    private const int MaxStreamReadsPerWakeup = 16;
    private readonly byte[] _receiveBuffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferLength, pinned: true);
    private ulong _nextToken;

    private readonly List<DatagramBatch> _batchesToFlush = [];

    /// <summary>True when sends may be batched (<see cref="DatagramBatch"/>): the loop runs on epoll and flushes each turn.</summary>
    public bool BatchesSends => _epoll >= 0;

    /// <summary>A batch got its first datagram of this turn: flushed when the turn ends. On the worker.</summary>
    internal void ScheduleFlush(DatagramBatch batch) => _batchesToFlush.Add(batch);

    /// <summary>Sends every batch queued this turn.</summary>
    private void FlushSends()
    {
        for (var i = 0; i < _batchesToFlush.Count; i++)
        {
            _batchesToFlush[i].Flush();
        }

        _batchesToFlush.Clear();
    }

    /// <summary>Datagrams dropped because a socket reported an error while reading.</summary>
    public long ReceiveErrors { get; private set; }

    /// <summary>Starts delivering <paramref name="socket"/>'s datagrams to <paramref name="receiver"/> on this worker. Call on the worker.</summary>
    public SocketRegistration AddReceiver(Socket socket, IDatagramReceiver receiver)
    {
        var registration = new SocketRegistration(this, ++_nextToken, socket, receiver);
        _receivers.Add(registration.Token, registration);
        if (_epoll >= 0)
        {
            socket.Blocking = false;
            LinuxEpoll.Add(_epoll, registration.Fd, registration.Token);
        }
        else
        {
            _ = ReceiveLoopAsync(registration);
        }

        return registration;
    }

    /// <summary>
    /// Reads a byte stream (a child process's stdout pipe) on this worker's loop, without a thread or a thread-pool
    /// hand-off per read: the receiver's callbacks run on the worker. Null when the loop does not run on epoll (the
    /// caller then reads the stream itself). Call on the worker; the descriptor is made non-blocking and must stay
    /// open until <see cref="IByteStreamReceiver.OnEnd"/> has been called (end of stream, error, or the worker's stop).
    /// </summary>
    public ByteStreamRegistration? AddByteStream(SafeHandle handle, IByteStreamReceiver receiver)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentNullException.ThrowIfNull(receiver);
        if (_epoll < 0 || _stopping)
        {
            return null;
        }

        var registration = new ByteStreamRegistration(++_nextToken, (int)handle.DangerousGetHandle(), receiver);
        LinuxEpoll.SetNonBlocking(registration.Fd);
        _streams.Add(registration.Token, registration);
        LinuxEpoll.Add(_epoll, registration.Fd, registration.Token);
        return registration;
    }

    /// <summary>Stops reading a stream before its end (its writer never came): the receiver's OnEnd gets null. Call on the worker.</summary>
    public void EndByteStream(ByteStreamRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        EndStream(registration, null);
    }

    private void PumpStream(ByteStreamRegistration registration)
    {
        for (var i = 0; i < MaxStreamReadsPerWakeup; i++)
        {
            var buffer = registration.Receiver.GetBuffer();
            var count = LinuxEpoll.Read(registration.Fd, buffer, out var errno);
            if (count > 0)
            {
                try
                {
                    registration.Receiver.OnBytes((int)count);
                }
#pragma warning disable CA1031 // The receiver refused its bytes: its stream ends with that reason, the loop goes on.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    EndStream(registration, ex);
                    return;
                }

                continue;
            }

            if (count == 0)
            {
                EndStream(registration, null);
                return;
            }

            if (errno == LinuxEpoll.Eagain)
            {
                return;
            }

            if (errno != LinuxEpoll.Eintr)
            {
                EndStream(registration, new IOException($"Reading the stream failed: errno {errno}."));
                return;
            }
        }
    }

    private void EndStream(ByteStreamRegistration registration, Exception? error)
    {
        if (_streams.Remove(registration.Token))
        {
            LinuxEpoll.Remove(_epoll, registration.Fd);
            registration.Receiver.OnEnd(error);
        }
    }

    // The loop stops: every stream still read here ends (its reader learns why).
    private void EndAllStreams()
    {
        foreach (var registration in _streams.Values.ToList())
        {
            EndStream(registration, new WorkerClosedException(Index));
        }
    }

    internal void RemoveReceiver(SocketRegistration registration)
    {
        if (_receivers.Remove(registration.Token) && _epoll >= 0)
        {
            LinuxEpoll.Remove(_epoll, registration.Fd);
        }
    }

    private void Pump(SocketRegistration registration)
    {
        for (var i = 0; i < MaxDatagramsPerWakeup && !registration.IsRemoved; i++)
        {
            var source = registration.Source;
            source.Size = source.Buffer.Length;
            var length = LinuxEpoll.ReceiveFrom(registration.Fd, _receiveBuffer, source.Buffer.Span, out var addressLength, out var errno);
            if (length < 0)
            {
                if (errno == LinuxEpoll.Eagain)
                {
                    return;
                }

                if (errno != LinuxEpoll.Eintr)
                {
                    ReceiveErrors++; // e.g. ECONNREFUSED from an earlier send's ICMP: keep reading
                }

                continue;
            }

            source.Size = addressLength;
            registration.Receiver.OnDatagram(_receiveBuffer.AsSpan(0, length), source);
        }
    }

    // Portable path: one pending async receive per socket; continuations resume on this worker.
    private async Task ReceiveLoopAsync(SocketRegistration registration)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferLength);
        try
        {
            while (!registration.IsRemoved)
            {
                int length;
                try
                {
                    length = await registration.Socket.ReceiveFromAsync(buffer.AsMemory(), SocketFlags.None, registration.Source)
                        .ConfigureAwait(true);
                }
                catch (SocketException ex) when (!registration.IsRemoved && ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
                {
                    ReceiveErrors++;
                    continue;
                }

                if (!registration.IsRemoved)
                {
                    try
                    {
                        registration.Receiver.OnDatagram(buffer.AsSpan(0, length), registration.Source);
                    }
#pragma warning disable CA1031 // As in the epoll loop: one packet's failure must not end the socket's receive loop.
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        UnhandledException?.Invoke(ex);
                    }
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // the socket closed
        }
        catch (SocketException) when (registration.IsRemoved)
        {
            // closed while receiving
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>Takes the bytes of a stream read on a worker's loop (<see cref="Worker.AddByteStream"/>); every call is on the worker.</summary>
public interface IByteStreamReceiver
{
    /// <summary>Where the next read goes (not empty).</summary>
    Span<byte> GetBuffer();

    /// <summary><paramref name="count"/> bytes were read into the last buffer. Throwing ends the stream with that exception.</summary>
    void OnBytes(int count);

    /// <summary>The stream ended: null at its end, else why (a read error, the receiver's own exception, the worker's stop).</summary>
    void OnEnd(Exception? error);
}

/// <summary>A byte stream read by a worker's loop.</summary>
public sealed class ByteStreamRegistration
{
    internal ByteStreamRegistration(ulong token, int fd, IByteStreamReceiver receiver)
    {
        Token = token;
        Fd = fd;
        Receiver = receiver;
    }

    internal ulong Token { get; }
    internal int Fd { get; }
    internal IByteStreamReceiver Receiver { get; }
}

/// <summary>A socket registered with a worker; dispose it (on the worker) before closing the socket.</summary>
public sealed class SocketRegistration : IDisposable
{
    private readonly Worker _worker;

    internal SocketRegistration(Worker worker, ulong token, Socket socket, IDatagramReceiver receiver)
    {
        _worker = worker;
        Token = token;
        Socket = socket;
        Receiver = receiver;
        Fd = (int)socket.SafeHandle.DangerousGetHandle();
        Source = new System.Net.SocketAddress(socket.AddressFamily);
    }

    internal ulong Token { get; }
    internal Socket Socket { get; }
    internal IDatagramReceiver Receiver { get; }
    internal int Fd { get; }

    /// <summary>Reused for every datagram: the receive path allocates nothing.</summary>
    internal System.Net.SocketAddress Source { get; }

    public bool IsRemoved { get; private set; }

    public void Dispose()
    {
        if (IsRemoved)
        {
            return;
        }

        IsRemoved = true;
        _worker.RemoveReceiver(this);
    }
}

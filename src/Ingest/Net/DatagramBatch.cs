using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Broadcast.Ingest.Net;

/// <summary>
/// Datagrams a media worker sends from one socket, queued during one turn of its loop and handed to the kernel with a
/// single sendmmsg(2) at the turn's end (or when the batch is full). A packet forwarded to 500 viewers of the shared
/// WebRTC port costs one system call per 64 viewers rather than one each, which is most of a send's cost. Linux x64
/// only (where the worker runs on epoll); owned and used by one worker thread; pinned memory, allocated once. The
/// socket is referenced for each call, so a batch flushed after its socket closed drops its datagrams (counted)
/// rather than send them through a descriptor the system has handed to someone else.
/// </summary>
internal sealed unsafe partial class DatagramBatch
{
    public const int Capacity = 64;
    public const int SlotLength = 1536;
    private const int AddressLength = 28; // sockaddr_in6, the largest address a UDP socket here sends to
    private const int MsgDontwait = 0x40;

    private readonly Socket _socket;
    private readonly byte[] _data = GC.AllocateUninitializedArray<byte>(Capacity * SlotLength, pinned: true);
    private readonly byte[] _addresses = GC.AllocateArray<byte>(Capacity * AddressLength, pinned: true);
    private readonly Iovec[] _iovecs = GC.AllocateArray<Iovec>(Capacity, pinned: true);
    private readonly MmsgHeader[] _headers = GC.AllocateArray<MmsgHeader>(Capacity, pinned: true);
    private readonly Action<DatagramBatch> _schedule;
    private int _count;

    /// <param name="socket">The socket the datagrams leave from.</param>
    /// <param name="schedule">Called when the first datagram of a turn is queued: the worker flushes the batch at the turn's end.</param>
    public DatagramBatch(Socket socket, Action<DatagramBatch> schedule)
    {
        _socket = socket;
        _schedule = schedule;
        // Pinned arrays live on the pinned object heap: their addresses never change.
        var data = (byte*)Marshal.UnsafeAddrOfPinnedArrayElement(_data, 0);
        var addresses = (byte*)Marshal.UnsafeAddrOfPinnedArrayElement(_addresses, 0);
        var iovecs = (Iovec*)Marshal.UnsafeAddrOfPinnedArrayElement(_iovecs, 0);
        for (var i = 0; i < Capacity; i++)
        {
            _iovecs[i].Base = data + (i * SlotLength);
            _headers[i].Header.Name = addresses + (i * AddressLength);
            _headers[i].Header.Iov = iovecs + i;
            _headers[i].Header.IovLength = 1;
        }
    }

    /// <summary>Datagrams the kernel refused when the batch was sent (a full buffer, an ICMP error): lost, counted here.</summary>
    public long Failed { get; private set; }

    /// <summary>Datagrams handed to the kernel.</summary>
    public long Sent { get; private set; }

    /// <summary>sendmmsg calls made.</summary>
    public long Calls { get; private set; }

    /// <summary>The slot the next datagram is written into (up to <see cref="SlotLength"/> bytes); commit it with <see cref="Commit"/>.</summary>
    public Span<byte> NextSlot()
    {
        if (_count == Capacity)
        {
            Flush();
        }

        return _data.AsSpan(_count * SlotLength, SlotLength);
    }

    /// <summary>Queues the datagram written into the slot <see cref="NextSlot"/> returned, for <paramref name="remote"/>.</summary>
    public void Commit(int length, SocketAddress remote)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, SlotLength);
        var address = remote.Buffer.Span[..Math.Min(remote.Size, AddressLength)];
        address.CopyTo(_addresses.AsSpan(_count * AddressLength, AddressLength));
        _iovecs[_count].Length = (nuint)length;
        _headers[_count].Header.NameLength = (uint)address.Length;
        if (_count++ == 0)
        {
            _schedule(this);
        }
    }

    /// <summary>Sends what is queued: one sendmmsg, more only if the kernel took part of it. Never blocks or throws.</summary>
    public void Flush()
    {
        var handle = _socket.SafeHandle;
        var referenced = false;
        try
        {
            handle.DangerousAddRef(ref referenced);
            var fd = (int)handle.DangerousGetHandle();
            var headers = (MmsgHeader*)Marshal.UnsafeAddrOfPinnedArrayElement(_headers, 0);
            var offset = 0;
            while (offset < _count)
            {
                var sent = sendmmsg(fd, headers + offset, (uint)(_count - offset), MsgDontwait);
                Calls++;
                if (sent <= 0)
                {
                    // The first datagram was refused (EAGAIN: the socket buffer is full; or an error): drop it, go on.
                    Failed++;
                    offset++;
                    continue;
                }

                Sent += sent;
                offset += sent;
            }
        }
        catch (ObjectDisposedException)
        {
            Failed += _count; // the socket closed: its owner is going away
        }
        finally
        {
            if (referenced)
            {
                handle.DangerousRelease();
            }

            _count = 0;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Iovec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MessageHeader
    {
        public byte* Name;
        public uint NameLength;
        public Iovec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MmsgHeader
    {
        public MessageHeader Header;
        public uint Length;
    }

#pragma warning disable SA1300, IDE1006 // libc names
    [LibraryImport("libc", SetLastError = true)]
    private static partial int sendmmsg(int fd, MmsgHeader* messages, uint count, int flags);
#pragma warning restore SA1300, IDE1006
}

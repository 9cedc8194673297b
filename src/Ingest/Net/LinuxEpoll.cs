using System.Runtime.InteropServices;

namespace Broadcast.Ingest.Net;

/// <summary>
/// The few Linux calls a worker's event loop needs: epoll for readiness, an eventfd to wake the loop, and a
/// non-blocking recvfrom that reports EAGAIN as a return value rather than an exception.
/// </summary>
internal static unsafe partial class LinuxEpoll
{
    public const int EpollIn = 0x001;
    public const int Eagain = 11;
    public const int Eintr = 4;
    private const int EpollCloexec = 0x80000;
    private const int EpollCtlAdd = 1;
    private const int EpollCtlDel = 2;
    private const int EfdNonblock = 0x800;
    private const int EfdCloexec = 0x80000;
    private const int MsgDontwait = 0x40;

    /// <summary>epoll_event is packed on x86-64 (12 bytes); elsewhere we use the portable socket path.</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64
        && Environment.GetEnvironmentVariable("BROADCAST_DISABLE_EPOLL") != "1";

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    public static int Create()
    {
        var fd = epoll_create1(EpollCloexec);
        return fd >= 0 ? fd : throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public static int CreateEventFd()
    {
        var fd = eventfd(0, EfdNonblock | EfdCloexec);
        return fd >= 0 ? fd : throw new InvalidOperationException($"eventfd failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public static void Add(int epoll, int fd, ulong data)
    {
        var ev = new EpollEvent { Events = EpollIn, Data = data };
        if (epoll_ctl(epoll, EpollCtlAdd, fd, &ev) != 0)
        {
            throw new InvalidOperationException($"epoll_ctl(ADD) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public static void Remove(int epoll, int fd)
    {
        var ev = default(EpollEvent);
        _ = epoll_ctl(epoll, EpollCtlDel, fd, &ev);
    }

    /// <summary>Waits for readiness; returns the number of events, 0 on timeout or EINTR.</summary>
    public static int Wait(int epoll, Span<EpollEvent> events, int timeoutMilliseconds)
    {
        fixed (EpollEvent* p = events)
        {
            var n = epoll_wait(epoll, p, events.Length, timeoutMilliseconds);
            return n >= 0 ? n : 0;
        }
    }

    public static void Signal(int eventFd)
    {
        ulong one = 1;
        _ = write(eventFd, &one, sizeof(ulong));
    }

    public static void Drain(int eventFd)
    {
        ulong value;
        _ = read(eventFd, &value, sizeof(ulong));
    }

    /// <summary>recvfrom with MSG_DONTWAIT: the datagram length, or -1 with <paramref name="errno"/> (EAGAIN when empty).</summary>
    public static int ReceiveFrom(int fd, Span<byte> buffer, Span<byte> address, out int addressLength, out int errno)
    {
        fixed (byte* b = buffer)
        fixed (byte* a = address)
        {
            var length = address.Length;
            var n = recvfrom(fd, b, buffer.Length, MsgDontwait, a, &length);
            addressLength = length;
            errno = n < 0 ? Marshal.GetLastPInvokeError() : 0;
            return (int)n;
        }
    }

    public static void Close(int fd) => _ = close(fd);

    /// <summary>read(2) without exceptions: the count, 0 at the end of the stream, -1 with <paramref name="errno"/>.</summary>
    public static nint Read(int fd, Span<byte> buffer, out int errno)
    {
        fixed (byte* p = buffer)
        {
            var count = read(fd, p, buffer.Length);
            errno = count < 0 ? Marshal.GetLastPInvokeError() : 0;
            return count;
        }
    }

    /// <summary>Puts a descriptor (a pipe) in non-blocking mode, so the loop reads it until EAGAIN.</summary>
    public static void SetNonBlocking(int fd)
    {
        var flags = fcntl(fd, FGetFl, 0);
        if (flags < 0 || fcntl(fd, FSetFl, flags | ONonblock) < 0)
        {
            throw new InvalidOperationException($"fcntl(O_NONBLOCK) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private const int FGetFl = 3;
    private const int FSetFl = 4;
    private const int ONonblock = 0x800;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int command, int argument);

#pragma warning disable SA1300, IDE1006 // libc names
    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epfd, int op, int fd, EpollEvent* ev);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_wait(int epfd, EpollEvent* events, int maxevents, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int eventfd(uint initval, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, void* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, void* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recvfrom(int fd, byte* buffer, nint length, int flags, byte* address, int* addressLength);

    [LibraryImport("libc")]
    private static partial int close(int fd);
#pragma warning restore SA1300, IDE1006
}

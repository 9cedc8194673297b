using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Broadcast.Ingest.Net;

/// <summary>Named pipes (FIFOs) for a child process's extra outputs: made with mkfifo, read without blocking.</summary>
public static partial class Fifo
{
    private const int ORdonly = 0, ONonblock = 0x800, OCloexec = 0x80000, EExist = 17;

    /// <summary>Whether FIFOs can be used here (Linux).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>Makes a FIFO at <paramref name="path"/> (owner read/write); one already there is kept.</summary>
    /// <exception cref="IOException">mkfifo failed.</exception>
    public static void Create(string path)
    {
        if (mkfifo(path, 0x180) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != EExist)
        {
            throw new IOException($"mkfifo '{path}' failed: errno {errno}.");
        }
    }

    /// <summary>
    /// Opens the FIFO's read end without waiting for a writer (O_NONBLOCK): the writer's open then succeeds at once, and
    /// the end of its output shows as a readable end of stream.
    /// </summary>
    /// <exception cref="IOException">open failed.</exception>
    public static SafeFileHandle OpenForReading(string path)
    {
        var fd = open(path, ORdonly | ONonblock | OCloexec);
        return fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : throw new IOException($"open '{path}' failed: errno {Marshal.GetLastPInvokeError()}.");
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkfifo(string path, uint mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);
}

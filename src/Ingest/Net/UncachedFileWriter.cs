using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Broadcast.Ingest.Net;

/// <summary>
/// Writes whole files past the page cache (O_DIRECT) where Linux and the filesystem allow it, for media that is kept
/// (recorded segments) but not read back soon: copying it into fresh page-cache pages was most of what a copied
/// channel cost the appliance, and a recording would push useful pages out of the cache. The block-aligned body is
/// written directly from an aligned buffer this writer keeps; the tail (less than a block) is an ordinary write. Where
/// O_DIRECT is refused (tmpfs, other systems) every file is written the ordinary way. Not thread-safe: one writer per
/// writing task.
/// </summary>
public sealed partial class UncachedFileWriter
{
    private const int Block = 4096;
    private const int FGetfl = 3, FSetfl = 4;
    private byte[] _buffer = [];
    private int _offset;
    private bool _directRefused = !OperatingSystem.IsLinux() || DirectFlag == 0;

    /// <summary>Whether the last files were written past the page cache (false once the filesystem refused).</summary>
    public bool WritesDirectly => !_directRefused;

    // O_DIRECT differs between architectures (asm-generic 0x4000; arm and arm64 0x10000).
    private static int DirectFlag => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 or Architecture.X86 => 0x4000,
        Architecture.Arm64 or Architecture.Arm => 0x10000,
        _ => 0,
    };

    /// <summary>Creates (or replaces) <paramref name="path"/> with <paramref name="bytes"/>.</summary>
    /// <exception cref="IOException">The file could not be written.</exception>
    public void Write(string path, ReadOnlySpan<byte> bytes)
    {
        using var handle = File.OpenHandle(path, FileMode.Create, FileAccess.Write, FileShare.None);
        var body = bytes.Length & ~(Block - 1);
        var written = 0;
        if (body > 0 && !_directRefused && SetDirect(handle, on: true))
        {
            var aligned = Aligned(body);
            bytes[..body].CopyTo(aligned);
            try
            {
                RandomAccess.Write(handle, aligned, 0);
                written = body;
            }
            catch (IOException)
            {
                _directRefused = true; // EINVAL: this filesystem takes no direct writes; the whole file goes the ordinary way
            }

            SetDirect(handle, on: false);
        }

        RandomAccess.Write(handle, bytes[written..], written);
    }

    private bool SetDirect(SafeFileHandle handle, bool on)
    {
        var fd = (int)handle.DangerousGetHandle();
        var flags = fcntl(fd, FGetfl, 0);
        if (flags < 0 || fcntl(fd, FSetfl, on ? flags | DirectFlag : flags & ~DirectFlag) != 0)
        {
            _directRefused = true;
            return false;
        }

        return true;
    }

    // A block-aligned span of the kept buffer (pinned, so its address never changes), grown as files grow.
    private Span<byte> Aligned(int length)
    {
        if (_buffer.Length - _offset < length)
        {
            _buffer = GC.AllocateUninitializedArray<byte>(Math.Max(length, 1 << 20) + Block, pinned: true);
            var address = Marshal.UnsafeAddrOfPinnedArrayElement(_buffer, 0);
            _offset = (int)((Block - (address % Block)) % Block);
        }

        return _buffer.AsSpan(_offset, length);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int command, int argument);
}

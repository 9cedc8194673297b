using System.Buffers.Binary;
using System.Globalization;

namespace Broadcast.Transcode;

/// <summary>What FFmpeg costs the machine, read from /proc when its status is asked for.</summary>
/// <param name="CpuPercent">CPU time as a percentage of one core, averaged since the previous reading (or since FFmpeg started).</param>
/// <param name="RssBytes">Resident memory.</param>
public readonly record struct FfmpegResourceUse(double? CpuPercent, long? RssBytes);

/// <summary>One reading of a process's CPU time and resident memory.</summary>
internal readonly record struct ProcessUsageSample(TimeSpan CpuTime, long? RssBytes);

/// <summary>
/// A process's CPU time (utime + stime of /proc/&lt;pid&gt;/stat) and resident memory (VmRSS of /proc/&lt;pid&gt;/status),
/// on Linux. Parsing is pure and span-based; reading tolerates a process that has just gone.
/// </summary>
internal static class ProcessUsage
{
    private const ulong AtClockTick = 17; // AT_CLKTCK of the ELF auxiliary vector

    /// <summary>The clock ticks per second /proc counts CPU time in (sysconf(_SC_CLK_TCK)): the kernel's USER_HZ, 100.</summary>
    public static long ClockTicksPerSecond { get; } = ReadClockTicksPerSecond();

    /// <summary>The process's usage now; null off Linux or when the process is gone.</summary>
    public static ProcessUsageSample? Read(int processId)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var folder = "/proc/" + processId.ToString(CultureInfo.InvariantCulture);
        if (ReadOrNull(folder + "/stat") is not { } stat || !TryParseCpuTicks(stat, out var ticks))
        {
            return null;
        }

        // An exited process that was not reaped yet has CPU time but no memory: VmRSS is missing then.
        long? rss = ReadOrNull(folder + "/status") is { } status && TryParseRssBytes(status, out var bytes) ? bytes : null;
        return new ProcessUsageSample(TimeSpan.FromSeconds((double)ticks / ClockTicksPerSecond), rss);
    }

    /// <summary>
    /// utime + stime, in clock ticks, from a /proc/&lt;pid&gt;/stat line such as
    /// <c>4242 (ffmpeg) S 1 4242 ... 180 25 ...</c>: fields 14 and 15, counted after the command name, which is in
    /// parentheses and may itself hold spaces and parentheses.
    /// </summary>
    public static bool TryParseCpuTicks(ReadOnlySpan<byte> stat, out long ticks)
    {
        ticks = 0;
        var nameEnd = stat.LastIndexOf((byte)')');
        if (nameEnd < 0)
        {
            return false;
        }

        // After the name: state is field 3, so utime (14) is the 12th field and stime (15) the 13th.
        var rest = stat[(nameEnd + 1)..];
        long utime = 0;
        for (var field = 1; field <= 13; field++)
        {
            rest = rest.TrimStart((byte)' ');
            var end = rest.IndexOf((byte)' ');
            var value = end < 0 ? rest : rest[..end];
            if (field >= 12)
            {
                if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                {
                    return false;
                }

                if (field == 12)
                {
                    utime = number;
                }
                else
                {
                    ticks = utime + number;
                    return true;
                }
            }

            if (end < 0)
            {
                return false;
            }

            rest = rest[end..];
        }

        return false;
    }

    /// <summary>VmRSS from /proc/&lt;pid&gt;/status (a line such as <c>VmRSS:	   12345 kB</c>), in bytes.</summary>
    public static bool TryParseRssBytes(ReadOnlySpan<byte> status, out long bytes)
    {
        bytes = 0;
        while (!status.IsEmpty)
        {
            var end = status.IndexOf((byte)'\n');
            var line = end < 0 ? status : status[..end];
            status = end < 0 ? [] : status[(end + 1)..];
            if (!line.StartsWith("VmRSS:"u8))
            {
                continue;
            }

            var value = line["VmRSS:"u8.Length..].Trim(" \t"u8);
            if (!value.EndsWith("kB"u8)
                || !long.TryParse(value[..^2].TrimEnd((byte)' '), NumberStyles.None, CultureInfo.InvariantCulture, out var kilobytes))
            {
                return false;
            }

            bytes = kilobytes * 1024;
            return true;
        }

        return false;
    }

    /// <summary>AT_CLKTCK from an auxiliary vector (pairs of native words: type, value), as the C library reads it.</summary>
    public static bool TryParseClockTicks(ReadOnlySpan<byte> auxv, int wordSize, out long ticksPerSecond)
    {
        ticksPerSecond = 0;
        for (var at = 0; at + 2 * wordSize <= auxv.Length; at += 2 * wordSize)
        {
            var type = Word(auxv[at..], wordSize);
            if (type == 0)
            {
                break; // AT_NULL ends the vector
            }

            if (type == AtClockTick)
            {
                ticksPerSecond = (long)Word(auxv[(at + wordSize)..], wordSize);
                return ticksPerSecond > 0;
            }
        }

        return false;
    }

    private static ulong Word(ReadOnlySpan<byte> bytes, int wordSize) => (wordSize, BitConverter.IsLittleEndian) switch
    {
        (8, true) => BinaryPrimitives.ReadUInt64LittleEndian(bytes),
        (8, false) => BinaryPrimitives.ReadUInt64BigEndian(bytes),
        (_, true) => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
        _ => BinaryPrimitives.ReadUInt32BigEndian(bytes),
    };

    private static long ReadClockTicksPerSecond() =>
        OperatingSystem.IsLinux() && ReadOrNull("/proc/self/auxv") is { } auxv && TryParseClockTicks(auxv, IntPtr.Size, out var ticks)
            ? ticks
            : 100; // USER_HZ on every architecture .NET runs on

    private static byte[]? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone (the process exited) or not ours to read.
            return null;
        }
    }
}

using System.Globalization;
using System.Runtime.InteropServices;

namespace Broadcast.Benchmarks;

/// <summary>
/// What the cost tool reads of one process from <c>/proc/&lt;pid&gt;/stat</c> (proc(5)):
/// <code>
/// pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
///  1    2     3    4    5     6       7      8     9     10     11      12     13     14    15    16     17
/// priority nice num_threads itrealvalue starttime vsize rss …
///   18      19      20         21          22       23   24
/// </code>
/// comm may hold spaces and parentheses, so fields are counted from the last ')'.
/// </summary>
/// <param name="Pid">The process id.</param>
/// <param name="ParentPid">Its parent's id.</param>
/// <param name="CpuTicks">utime + stime of all its threads, in clock ticks (not its reaped children's cutime/cstime).</param>
/// <param name="StartTime">Ticks after boot when it started: with the pid, names one process even if the pid is reused.</param>
/// <param name="RssPages">Resident set size in pages.</param>
internal readonly partial record struct ProcessStat(int Pid, int ParentPid, long CpuTicks, long StartTime, long RssPages)
{
    // Indexes of the fields after "(comm) ": state is 0, so field n of proc(5) is n - 3.
    private const int ParentPidField = 1;
    private const int UserTimeField = 11;
    private const int SystemTimeField = 12;
    private const int StartTimeField = 19;
    private const int RssField = 21;

    /// <summary>Clock ticks per second of utime, stime and starttime (sysconf(_SC_CLK_TCK), as `getconf CLK_TCK`).</summary>
    public static long ClockTicksPerSecond { get; } = SysConf(SysConfClockTicks);

    public static bool TryParse(string line, out ProcessStat stat)
    {
        stat = default;
        var open = line.IndexOf(" (", StringComparison.Ordinal);
        var close = line.LastIndexOf(") ", StringComparison.Ordinal);
        if (open <= 0 || close < open || !int.TryParse(line.AsSpan(0, open), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return false;
        }

        var fields = line[(close + 2)..].Split(' ');
        if (fields.Length <= RssField
            || !int.TryParse(fields[ParentPidField], NumberStyles.None, CultureInfo.InvariantCulture, out var parent)
            || !long.TryParse(fields[UserTimeField], NumberStyles.None, CultureInfo.InvariantCulture, out var user)
            || !long.TryParse(fields[SystemTimeField], NumberStyles.None, CultureInfo.InvariantCulture, out var system)
            || !long.TryParse(fields[StartTimeField], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            || !long.TryParse(fields[RssField], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var rss))
        {
            return false;
        }

        stat = new ProcessStat(pid, parent, user + system, start, rss);
        return true;
    }

    /// <summary>Every process in /proc now (those that exit while it reads are left out).</summary>
    public static IReadOnlyList<ProcessStat> ReadAll()
    {
        var all = new List<ProcessStat>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && TryRead(pid, out var stat))
            {
                all.Add(stat);
            }
        }

        return all;
    }

    public static bool TryRead(int pid, out ProcessStat stat)
    {
        try
        {
            return TryParse(File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat"), out stat);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stat = default; // exited while we looked
            return false;
        }
    }

    /// <summary>The processes below <paramref name="root"/> (children, their children, …) in <paramref name="all"/>.</summary>
    public static IReadOnlyList<ProcessStat> Descendants(int root, IReadOnlyList<ProcessStat> all)
    {
        var found = new List<ProcessStat>();
        var parents = new Queue<int>([root]);
        while (parents.TryDequeue(out var parent))
        {
            foreach (var stat in all)
            {
                if (stat.ParentPid == parent)
                {
                    found.Add(stat);
                    parents.Enqueue(stat.Pid);
                }
            }
        }

        return found;
    }

    private const int SysConfClockTicks = 2; // _SC_CLK_TCK in glibc

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long SysConf(int name);
}

using System.Diagnostics;
using System.Globalization;

namespace Broadcast.Benchmarks;

/// <summary>The processes of one server's run at one instant, by role.</summary>
/// <param name="Server">The server's own processes (the appliance; nginx's master and worker).</param>
/// <param name="Helpers">Processes the server started to do its work (the appliance's FFmpegs); counted in its cost.</param>
/// <param name="Senders">The FFmpegs feeding it; reported, not counted.</param>
internal sealed record CostSample(IReadOnlyList<ProcessStat> Server, IReadOnlyList<ProcessStat> Helpers, IReadOnlyList<ProcessStat> Senders);

/// <summary>What N channels cost one server over the measured window.</summary>
/// <param name="Server">"Broadcast" or "nginx-rtmp".</param>
/// <param name="Channels">Live channels, each fed by a sender of its own.</param>
/// <param name="ServerCores">The server's own CPU, in cores (1 is one core busy all the time).</param>
/// <param name="HelperCores">CPU of the processes it started.</param>
/// <param name="SenderCores">CPU of the senders feeding it.</param>
/// <param name="ServerRssBytes">The server's resident memory at the window's end.</param>
/// <param name="HelperRssBytes">Resident memory of the processes it started, summed.</param>
/// <param name="SegmentsMade">HLS segments its channels finished in the window.</param>
/// <param name="SegmentsExpected">Segments of 2 s that N live channels make in the window.</param>
/// <param name="LoadAverage">The machine's one-minute load average as the window began: others' work shows here.</param>
internal sealed record ChannelCost(string Server, int Channels, double ServerCores, double HelperCores, double SenderCores,
    long ServerRssBytes, long HelperRssBytes, long SegmentsMade, long SegmentsExpected, double LoadAverage)
{
    public double TotalCores => ServerCores + HelperCores;

    public double CoresPerChannel => TotalCores / Channels;

    /// <summary>
    /// Warms up, then measures CPU between two samples the window's length apart; fails when a sender died in
    /// between (its channel would have cost nothing).
    /// </summary>
    public static async Task<ChannelCost> MeasureAsync(string server, int channels, ChannelCostOptions options, Func<CostSample> sample,
        Func<long> segments, IReadOnlyList<OwnedProcess> senders, CancellationToken cancel)
    {
        Console.WriteLine($"{server}, {channels} channels: all live; {options.WarmupSeconds} s warm-up, {options.Seconds} s measured");
        await Task.Delay(TimeSpan.FromSeconds(options.WarmupSeconds), cancel);
        var loadAverage = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        var segmentsBefore = segments();
        var start = sample();
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(options.Seconds), cancel);
        var end = sample();
        var window = clock.Elapsed.TotalSeconds;
        var segmentsMade = segments() - segmentsBefore;
        foreach (var sender in senders)
        {
            if (sender.HasExited)
            {
                throw new InvalidOperationException($"A sender to {server} stopped during the window:{Environment.NewLine}{sender.Tail()}");
            }
        }

        return new ChannelCost(server, channels, Cores(start.Server, end.Server, window), Cores(start.Helpers, end.Helpers, window),
            Cores(start.Senders, end.Senders, window), RssBytes(end.Server), RssBytes(end.Helpers), segmentsMade,
            channels * (long)(window / 2), loadAverage);
    }

    /// <summary>
    /// The highest segment number among <paramref name="folder"/>'s <c>&lt;prefix&gt;…N&lt;extension&gt;</c> files (N
    /// after the last '_' or '-'; parts, N.P, do not count), or -1: both servers number segments upwards, and nginx
    /// deletes old ones, so a count of files would not do.
    /// </summary>
    public static long HighestSegment(string folder, string prefix, string extension)
    {
        var highest = -1L;
        foreach (var file in Directory.Exists(folder) ? Directory.EnumerateFiles(folder, prefix + "*" + extension) : [])
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (long.TryParse(name.AsSpan(name.LastIndexOfAny(['_', '-']) + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                highest = Math.Max(highest, number);
            }
        }

        return highest;
    }

    private static double Cores(IReadOnlyList<ProcessStat> start, IReadOnlyList<ProcessStat> end, double seconds)
    {
        long ticks = 0;
        foreach (var process in end)
        {
            // A process new in the window (an FFmpeg restarted) spent all its CPU in it. One that ended in the window
            // takes its CPU along: the segment count shows whether anything restarted.
            var before = start.FirstOrDefault(s => s.Pid == process.Pid && s.StartTime == process.StartTime);
            ticks += process.CpuTicks - (before == default ? 0 : before.CpuTicks);
        }

        return ticks / (double)ProcessStat.ClockTicksPerSecond / seconds;
    }

    private static long RssBytes(IReadOnlyList<ProcessStat> processes) => processes.Sum(p => p.RssPages) * Environment.SystemPageSize;
}

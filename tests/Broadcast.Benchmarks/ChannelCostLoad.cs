using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Broadcast.Benchmarks;

/// <summary>
/// What one copy-mode channel costs, beside nginx-rtmp in the same run. For each N: the built appliance (a process of
/// its own) with N plain RTP channels, each fed by an FFmpeg copying one pre-encoded file (720p30 H.264 at 2.5 Mbit/s,
/// AAC), so the appliance's FFmpegs copy both into HLS; then nginx-rtmp making HLS of N RTMP pushes of the same file.
/// Once every playlist lists segments and a warm-up has passed, CPU is read from /proc over the window: the appliance
/// alone and the FFmpegs it started, nginx's master and worker, and the senders (reported, not counted).
/// The appliance's channels make its default Low-Latency HLS of fragmented MP4, or classic MPEG-TS HLS (--format mpegts).
/// Usage: load-channels [--channels 8,32] [--seconds 60] [--warmup 10] [--format fmp4|mpegts]
/// </summary>
internal static class ChannelCostLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        ChannelCostOptions options;
        try
        {
            options = ChannelCostOptions.Parse(args);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            Console.Error.WriteLine($"{ex.Message} Usage: load-channels [--channels 8,32] [--seconds 60] [--warmup 10] [--format fmp4|mpegts]");
            return 2;
        }

        // The benchmarks reference the Api project, so `dotnet run -c Release` here has just built it there.
        var appliance = Path.Combine(RepositoryRoot(), "src", "Api", "bin", "Release", "net10.0", "Broadcast.Api.dll");
        if (!File.Exists(appliance))
        {
            Console.Error.WriteLine($"The appliance is not built at {appliance}: dotnet build src/Api -c Release");
            return 1;
        }

        if (!NginxRtmpChannels.IsInstalled)
        {
            Console.Error.WriteLine($"nginx with the RTMP module is missing ({NginxRtmpChannels.NginxPath}, {NginxRtmpChannels.RtmpModulePath}), "
                + "the baseline of this tool. Install it with: sudo apt-get install -y nginx libnginx-mod-rtmp (as root: . scripts/deps.sh && ensure_nginx_rtmp)");
            return 1;
        }

        using var stop = new CancellationTokenSource();
        // Ctrl+C and SIGTERM end the run through the token, so every process the tool started is killed on the way out.
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        var folder = Directory.CreateTempSubdirectory("broadcast-channel-source-").FullName;
        var results = new List<(ChannelCost Broadcast, ChannelCost Nginx)>();
        try
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Channel cost: 720p30 H.264 2.5 Mbit/s + AAC 128 kbit/s copied into 2 s HLS segments (Broadcast: {options.Format}); {options.Seconds} s measured after {options.WarmupSeconds} s warm-up; {Environment.ProcessorCount} cores"));
            var source = await LoopedSource.MakeAsync(folder, stop.Token);
            foreach (var channels in options.Channels)
            {
                var broadcast = await ApplianceChannels.MeasureAsync(appliance, source, channels, options, stop.Token);
                var nginx = await NginxRtmpChannels.MeasureAsync(source, channels, options, stop.Token);
                results.Add((broadcast, nginx));
            }

            return 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.Error.WriteLine("Stopped.");
            return 130;
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException)
        {
            Console.Error.WriteLine(ex.Message);
            return 1;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
            Print(results);
        }

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    /// <summary>A TCP port free on loopback now (the OS picks it; the server binds it a moment later).</summary>
    internal static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Print(List<(ChannelCost Broadcast, ChannelCost Nginx)> results)
    {
        if (results.Count == 0)
        {
            return;
        }

        Console.WriteLine();
        Console.WriteLine($"{"server",-11} {"channels",8} {"total",8} {"/channel",9} {"server",8} {"FFmpegs",8} {"senders",8} {"server RSS",11} {"FFmpeg RSS",11} {"segments",11} {"load",5}");
        Console.WriteLine($"{"",-11} {"",8} {"% core",8} {"% core",9} {"% core",8} {"% core",8} {"% core",8} {"MiB",11} {"MiB",11} {"made/due",11} {"avg",5}");
        foreach (var (broadcast, nginx) in results)
        {
            Row(broadcast);
            Row(nginx);
        }

        Console.WriteLine();
        foreach (var (broadcast, nginx) in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{broadcast.Channels} channels: a Broadcast channel (appliance + its FFmpeg) costs {broadcast.CoresPerChannel / nginx.CoresPerChannel:F2}× an nginx-rtmp channel"));
            Warn(broadcast);
            Warn(nginx);
        }
    }

    // A channel that stalled costs little: its figure would flatter the server.
    private static void Warn(ChannelCost c)
    {
        if (c.SegmentsMade < c.SegmentsExpected * 9 / 10)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  warning: {c.Server} made {c.SegmentsMade} of {c.SegmentsExpected} segments: its channels did not all stay live, so its cost is not a live channel's"));
        }
    }

    private static void Row(ChannelCost c) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{c.Server,-11} {c.Channels,8} {c.TotalCores * 100,8:F1} {c.CoresPerChannel * 100,9:F2} {c.ServerCores * 100,8:F1} {c.HelperCores * 100,8:F1} {c.SenderCores * 100,8:F1} {c.ServerRssBytes / 1048576.0,11:F0} {c.HelperRssBytes / 1048576.0,11:F0} {$"{c.SegmentsMade}/{c.SegmentsExpected}",11} {c.LoadAverage,5:F1}"));

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Broadcast.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No Broadcast.sln above {AppContext.BaseDirectory}.");
    }
}

/// <summary>The cost tool's parameters.</summary>
/// <param name="Channels">Channel counts to measure, one run of each server per count.</param>
/// <param name="Seconds">Length of the measured window.</param>
/// <param name="WarmupSeconds">Wait between every channel being live and the window.</param>
/// <param name="Format">The appliance's HLS format (Hls:Format): fmp4, its default, or mpegts.</param>
internal sealed record ChannelCostOptions(int[] Channels, int Seconds, int WarmupSeconds, string Format)
{
    public static ChannelCostOptions Parse(string[] args)
    {
        var format = args.SkipWhile(a => a != "--format").Skip(1).FirstOrDefault() ?? "fmp4";
        var options = new ChannelCostOptions(LoadTool.ArgList(args, "--channels", [8, 32]), LoadTool.Arg(args, "--seconds", 60),
            LoadTool.Arg(args, "--warmup", 10), format);
        // A window shorter than two segments could not tell a live channel from a stalled one.
        return options.Channels.All(n => n > 0) && options.Seconds >= 4 && options.WarmupSeconds >= 0 && format is "fmp4" or "mpegts"
            ? options
            : throw new ArgumentException("--channels takes positive counts (8,32), --seconds at least 4, --warmup 0 or more, --format fmp4 or mpegts.");
    }
}

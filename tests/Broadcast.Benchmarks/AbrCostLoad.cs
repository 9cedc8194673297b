using System.Globalization;

namespace Broadcast.Benchmarks;

/// <summary>
/// What each rung of an adaptive ladder costs on this machine, so an admin can size a server: one FFmpeg at a time reads
/// the looped 720p30 H.264 source in real time and writes fragmented MP4 as the appliance's channels do (to /dev/null),
/// and its CPU is read from /proc over the window. An encoded rung's cost is its run less the decode-only run (one
/// decode feeds every rung of a channel); the last row runs a whole ladder in one FFmpeg to check the sum.
/// Usage: abr-cost [--seconds 20]
/// </summary>
internal static class AbrCostLoad
{
    private const string Fmp4 = "-f mp4 -movflags +empty_moov+default_base_moof+frag_keyframe+skip_trailer+delay_moov -frag_duration 1 -flush_packets 1";

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = LoadTool.Arg(args, "--seconds", 20);
        var folder = Directory.CreateTempSubdirectory("broadcast-abr-cost-").FullName;
        try
        {
            var source = await LoopedSource.MakeAsync(folder, CancellationToken.None);
            Console.WriteLine($"Source: 1280x720 30 fps H.264 2.5 Mbit/s, looped in real time; {seconds} s measured per row after 3 s; {Environment.ProcessorCount} cores");
            Console.WriteLine($"{"row",-34} {"% of a core",12} {"rung (less decode)",19}");
            var copy = await MeasureAsync(source, $"-map 0:v:0 -c:v copy {Fmp4} -y /dev/null", seconds);
            Print("copy (the source rung)", copy, null);
            var decode = await MeasureAsync(source, "-map 0:v:0 -f null -", seconds);
            Print("decode only (once per channel)", decode, null);
            var ladder = new List<double>();
            foreach (var (height, kbps, preset) in new[] { (720, 2800, "veryfast"), (480, 1400, "veryfast"), (360, 800, "veryfast"), (240, 400, "veryfast"), (720, 2800, "ultrafast"), (360, 800, "ultrafast") })
            {
                var run = await MeasureAsync(source, $"-map 0:v:0 {Rung(height, kbps, preset)} {Fmp4} -y /dev/null", seconds);
                Print($"{height}p30 x264 {preset} {kbps}k", run, run - decode);
                if (preset == "veryfast" && height < 720)
                {
                    ladder.Add(run - decode);
                }
            }

            var whole = await MeasureAsync(source,
                $"-map 0:v:0 -c:v copy {Fmp4} -y /dev/null -map 0:v:0 {Rung(480, 1400, "veryfast")} {Fmp4} -y /dev/null " +
                $"-map 0:v:0 {Rung(360, 800, "veryfast")} {Fmp4} -y /dev/null -map 0:v:0 {Rung(240, 400, "veryfast")} {Fmp4} -y /dev/null", seconds);
            Print("ladder: copy + 480p + 360p + 240p", whole, null);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"sum of its parts (copy + decode + rungs): {copy + decode + ladder.Sum():F1} % against {whole:F1} % measured"));
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // As the appliance encodes a rung (FfmpegHlsArguments).
    private static string Rung(int height, int kbps, string preset) => string.Create(CultureInfo.InvariantCulture,
        $"-vf scale=-2:{height} -c:v libx264 -preset {preset} -tune zerolatency -pix_fmt yuv420p -b:v {kbps}k -maxrate {kbps}k -bufsize {kbps * 2}k -fps_mode passthrough -enc_time_base -1 -force_key_frames source -g 9999 -sc_threshold 0");

    private static void Print(string row, double percent, double? rung) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{row,-34} {percent,12:F1} {(rung is { } r ? r.ToString("F1", CultureInfo.InvariantCulture) : "–"),19}"));

    // % of one core FFmpeg used over the window.
    private static async Task<double> MeasureAsync(string source, string output, int seconds)
    {
        var arguments = new List<string> { "-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-stream_loop", "-1", "-i", source };
        arguments.AddRange(output.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        using var ffmpeg = OwnedProcess.Start("ffmpeg", arguments);
        await Task.Delay(TimeSpan.FromSeconds(3));
        if (!ProcessStat.TryRead(ffmpeg.Id, out var before))
        {
            throw new InvalidOperationException($"FFmpeg stopped: {ffmpeg.Tail()}");
        }

        await Task.Delay(TimeSpan.FromSeconds(seconds));
        if (!ProcessStat.TryRead(ffmpeg.Id, out var after))
        {
            throw new InvalidOperationException($"FFmpeg stopped: {ffmpeg.Tail()}");
        }

        return 100.0 * (after.CpuTicks - before.CpuTicks) / ProcessStat.ClockTicksPerSecond / seconds;
    }
}

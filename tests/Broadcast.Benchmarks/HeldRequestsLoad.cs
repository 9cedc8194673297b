using System.Diagnostics;
using System.Globalization;
using Broadcast.Api.Hls;
using Broadcast.Transcode;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Broadcast.Benchmarks;

/// <summary>
/// How many blocked LL-HLS playlist requests one server process holds, and what each costs. A child process serves a
/// live channel (a real FFmpeg writing fragmented MP4 into our packager, the real <see cref="LiveHls"/> on Kestrel,
/// loopback); this process opens N requests that block on the next segment (<c>_HLS_msn</c> = last + 2), reads the
/// server's memory while they are held, then checks that every one is answered with that part once it exists.
/// Usage: held-requests [--requests 1000,5000]
/// </summary>
internal static class HeldRequestsLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.FirstOrDefault() == "--serve")
        {
            return await ServeAsync();
        }

        var counts = LoadTool.ArgList(args, "--requests", [1000, 5000]);
        using var server = StartServer(out var port);
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
            Timeout = TimeSpan.FromSeconds(60),
        };
        await WaitForPartsAsync(client);
        Console.WriteLine($"{"held",8} {"server RSS +MiB",16} {"KiB/request",12} {"managed +MiB",13} {"answered",9} {"with the part",14} {"last answer after part",23}");
        foreach (var count in counts)
        {
            var before = await MemoryAsync(client, server.Id);
            var (msn, _) = LastPosition(await client.GetStringAsync("hls/index.m3u8"));
            var target = msn + 2;
            var requests = Enumerable.Range(0, count)
                .Select(_ => client.GetAsync($"hls/index.m3u8?_HLS_msn={target}&_HLS_part=0"))
                .ToList();
            // Held means the server counted them in and none is answered yet.
            while (int.Parse(await client.GetStringAsync("stats/held"), CultureInfo.InvariantCulture) < count && !requests.Any(r => r.IsCompleted))
            {
                await Task.Delay(50);
            }

            var during = await MemoryAsync(client, server.Id);
            var clock = Stopwatch.StartNew();
            var responses = await Task.WhenAll(requests);
            var spread = clock.Elapsed;
            var withPart = 0;
            foreach (var response in responses)
            {
                if (response.IsSuccessStatusCode && LastPosition(await response.Content.ReadAsStringAsync()).Msn >= target)
                {
                    withPart++;
                }

                response.Dispose();
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{count,8} {(during.Rss - before.Rss) / 1048576.0,16:F1} {(during.Rss - before.Rss) / 1024.0 / count,12:F1} {(during.Managed - before.Managed) / 1048576.0,13:F1} {responses.Count(r => r.IsSuccessStatusCode),9} {withPart,14} {spread.TotalMilliseconds,20:F0} ms*"));
        }

        Console.WriteLine("* from the moment all were held to the last answer: includes waiting for the part (up to a segment).");
        server.Kill(entireProcessTree: true);
        return 0;
    }

    private static Process StartServer(out int port)
    {
        var self = Environment.ProcessPath!;
        var startInfo = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            startInfo.ArgumentList.Add(typeof(HeldRequestsLoad).Assembly.Location);
        }

        startInfo.ArgumentList.Add("held-requests");
        startInfo.ArgumentList.Add("--serve");
        var process = Process.Start(startInfo)!;
        port = int.Parse(process.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
        return process;
    }

    // The server: one LL-HLS channel fed by FFmpeg (a test picture, 720p30 H.264 ultrafast, 1 s GOP) in real time.
    private static async Task<int> ServeAsync()
    {
        var options = new HlsOptions { Root = Path.Combine(Path.GetTempPath(), "held-requests-" + Environment.ProcessId), SegmentSeconds = 2, PartSeconds = 0.25 };
        var live = new LowLatencyChannel("load", Path.Combine(options.Root, "load"), options, TimeProvider.System, NullLogger.Instance);
        var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg",
            "-hide_banner -loglevel error -re -f lavfi -i testsrc2=size=1280x720:rate=30 -c:v libx264 -preset ultrafast -tune zerolatency -g 30 " +
            "-f mp4 -movflags +empty_moov+default_base_moof+frag_keyframe+skip_trailer+delay_moov -frag_duration 1 -flush_packets 1 pipe:1")
        { RedirectStandardOutput = true, UseShellExecute = false })!;
        _ = live.ReadAsync(ffmpeg.StandardOutput.BaseStream);

        var held = 0;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxConcurrentConnections = null);
        var app = builder.Build();
        app.MapGet("/hls/{file}", async (string file, HttpContext http) =>
        {
            Interlocked.Increment(ref held);
            try
            {
                return await LiveHls.TryServeAsync(live, file, http, null, false) ?? Results.NotFound();
            }
            finally
            {
                Interlocked.Decrement(ref held);
            }
        });
        app.MapGet("/stats/held", () => Volatile.Read(ref held).ToString(CultureInfo.InvariantCulture));
        app.MapGet("/stats/managed", () => GC.GetTotalMemory(forceFullCollection: true).ToString(CultureInfo.InvariantCulture));
        await app.StartAsync();
        var address = app.Urls.First();
        Console.WriteLine(new Uri(address).Port);
        await app.WaitForShutdownAsync(CancellationToken.None);
        ffmpeg.Kill();
        return 0;
    }

    private static async Task WaitForPartsAsync(HttpClient client)
    {
        for (var i = 0; i < 200; i++)
        {
            var response = await client.GetAsync("hls/index.m3u8");
            if (response.IsSuccessStatusCode && LastPosition(await response.Content.ReadAsStringAsync()).Msn >= 1)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("The server's channel did not start.");
    }

    // The segment being built (media sequence plus complete segments) and the parts it has so far.
    private static (long Msn, int Part) LastPosition(string playlist)
    {
        var lines = playlist.Split('\n');
        var sequence = lines.FirstOrDefault(l => l.StartsWith("#EXT-X-MEDIA-SEQUENCE:", StringComparison.Ordinal));
        if (sequence is null)
        {
            return (-1, -1);
        }

        var lastUri = Array.FindLastIndex(lines, l => l.Length > 0 && l[0] != '#');
        var parts = lines.Skip(lastUri + 1).Count(l => l.StartsWith("#EXT-X-PART:", StringComparison.Ordinal));
        return (long.Parse(sequence.Split(':')[1], CultureInfo.InvariantCulture) + lines.Count(l => l.StartsWith("#EXTINF:", StringComparison.Ordinal)), parts);
    }

    private static async Task<(long Rss, long Managed)> MemoryAsync(HttpClient client, int processId)
    {
        var managed = long.Parse(await client.GetStringAsync("stats/managed"), CultureInfo.InvariantCulture);
        var status = await File.ReadAllLinesAsync($"/proc/{processId}/status");
        var rss = long.Parse(status.First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        return (rss, managed);
    }
}

using System.Globalization;

namespace Broadcast.Benchmarks;

/// <summary>
/// The baseline: nginx with Debian's RTMP module (nginx and libnginx-mod-rtmp), in the foreground with a configuration
/// of its own in a temporary folder, turning N RTMP pushes of the same file into HLS (copied, 2 s fragments).
/// Disposing kills the senders and nginx's processes and deletes the folder.
/// </summary>
internal sealed class NginxRtmpChannels : IDisposable
{
    public const string NginxPath = "/usr/sbin/nginx";
    public const string RtmpModulePath = "/usr/lib/nginx/modules/ngx_rtmp_module.so";

    private readonly string _folder;
    private readonly string _hlsPath;
    private readonly OwnedProcess _nginx;
    private readonly List<OwnedProcess> _senders = [];

    private NginxRtmpChannels(string folder, string hlsPath, OwnedProcess nginx)
    {
        _folder = folder;
        _hlsPath = hlsPath;
        _nginx = nginx;
    }

    public static bool IsInstalled => File.Exists(NginxPath) && File.Exists(RtmpModulePath);

    public static async Task<ChannelCost> MeasureAsync(string source, int channels, ChannelCostOptions options, CancellationToken cancel)
    {
        var port = ChannelCostLoad.FreeTcpPort();
        using var run = Start(port);
        for (var i = 1; i <= channels; i++)
        {
            var url = string.Create(CultureInfo.InvariantCulture, $"rtmp://127.0.0.1:{port}/live/{Stream(i)}");
            run._senders.Add(OwnedProcess.Start("ffmpeg", LoopedSource.RtmpSender(source, url)));
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60 + channels);
        while (!Enumerable.Range(1, channels).All(i => File.Exists(Path.Combine(run._hlsPath, Stream(i) + ".m3u8"))))
        {
            if (run._nginx.HasExited || DateTime.UtcNow > deadline)
            {
                var errorLog = Path.Combine(run._folder, "error.log");
                throw new InvalidOperationException($"Gave up waiting for nginx-rtmp's playlists in {run._hlsPath}. nginx said:{Environment.NewLine}"
                    + (File.Exists(errorLog) ? File.ReadAllText(errorLog) : "") + run._nginx.Tail());
            }

            await Task.Delay(500, cancel);
        }

        return await ChannelCost.MeasureAsync("nginx-rtmp", channels, options, run.Sample,
            () => Enumerable.Range(1, channels).Sum(i => ChannelCost.HighestSegment(run._hlsPath, Stream(i) + "-", ".ts")), run._senders, cancel);
    }

    public void Dispose()
    {
        foreach (var sender in _senders)
        {
            sender.Dispose();
        }

        _nginx.Dispose(); // the master and, below it, its worker
        Directory.Delete(_folder, recursive: true);
    }

    private static NginxRtmpChannels Start(int port)
    {
        var folder = Directory.CreateTempSubdirectory("broadcast-nginx-rtmp-").FullName;
        var hlsPath = Directory.CreateDirectory(Path.Combine(folder, "hls")).FullName;
        var configuration = Path.Combine(folder, "nginx.conf");
        File.WriteAllText(configuration, Configuration(folder, hlsPath, port));
        try
        {
            // -e: the error log from the start, before the configuration is read (not the package's /var/log/nginx).
            return new NginxRtmpChannels(folder, hlsPath, OwnedProcess.Start(NginxPath,
                ["-p", folder + "/", "-c", configuration, "-e", Path.Combine(folder, "error.log"), "-g", "daemon off;"]));
        }
        catch
        {
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// One master and one worker: nginx-rtmp keeps a live stream in the memory of the worker that took the push, so
    /// it is deployed with one. Run as root, nginx would switch its worker to nobody, who may not write our folder.
    /// </summary>
    private static string Configuration(string folder, string hlsPath, int port) => string.Create(CultureInfo.InvariantCulture, $$"""
        load_module {{RtmpModulePath}};
        {{(Environment.UserName == "root" ? "user root;" : "")}}
        master_process on;
        worker_processes 1;
        pid {{Path.Combine(folder, "nginx.pid")}};
        error_log {{Path.Combine(folder, "error.log")}} warn;
        events { worker_connections 1024; }
        rtmp {
            server {
                listen 127.0.0.1:{{port}};
                application live {
                    live on;
                    record off;
                    hls on;
                    hls_path {{hlsPath}};
                    hls_fragment 2s;
                    hls_playlist_length 12s;
                }
            }
        }
        """);

    private static string Stream(int channel) => string.Create(CultureInfo.InvariantCulture, $"ch{channel}");

    private CostSample Sample()
    {
        var all = ProcessStat.ReadAll();
        var senders = new HashSet<int>(_senders.Select(s => s.Id));
        return new CostSample(
            [.. all.Where(p => p.Pid == _nginx.Id), .. ProcessStat.Descendants(_nginx.Id, all)],
            [],
            [.. all.Where(p => senders.Contains(p.Pid))]);
    }
}

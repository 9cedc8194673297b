using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Broadcast.Transcode;

namespace Broadcast.Benchmarks;

/// <summary>
/// The built appliance in a process of its own, on loopback, with embedded state and its HLS folders in a temporary
/// folder, holding N plain RTP channels (H.264 and AAC, both copied into HLS), each fed by a sender of its own.
/// Disposing kills the senders, the appliance and its FFmpegs, and deletes the folder.
/// </summary>
internal sealed class ApplianceChannels : IDisposable
{
    private readonly string _folder;
    private readonly string _hlsRoot;
    private readonly string _workRoot;
    private readonly OwnedProcess _appliance;
    private readonly HttpClient _http;
    private readonly List<OwnedProcess> _senders = [];
    private readonly List<string> _channels = [];

    private ApplianceChannels(string folder, string hlsRoot, string workRoot, OwnedProcess appliance, HttpClient http)
    {
        _folder = folder;
        _hlsRoot = hlsRoot;
        _workRoot = workRoot;
        _appliance = appliance;
        _http = http;
    }

    public static async Task<ChannelCost> MeasureAsync(string applianceDll, string source, int channels, ChannelCostOptions options,
        CancellationToken cancel)
    {
        using var run = Start(applianceDll, options.Format);
        await run.WaitUntilAsync(run.AnswersAsync, "the appliance to answer /healthz", TimeSpan.FromSeconds(60), cancel);
        for (var i = 1; i <= channels; i++)
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"ch{i}");
            var ports = await run.CreateChannelAsync(id, cancel);
            run._channels.Add(id);
            run._senders.Add(OwnedProcess.Start("ffmpeg", LoopedSource.RtpSender(source, ports)));
        }

        // FFmpeg starts per channel and its first segment needs a key frame: a few seconds each, more on a busy machine.
        await run.WaitUntilAsync(run.AllPlaylistsListSegmentsAsync, $"every channel's playlist at /hls/<id>/index.m3u8 to list a segment",
            TimeSpan.FromSeconds(60 + channels), cancel);
        return await ChannelCost.MeasureAsync("Broadcast", channels, options, run.Sample,
            () => run._channels.Sum(id => options.Format == "fmp4"
                // Low-Latency HLS keeps its parts in memory and writes whole segments, index_<session>_<msn>.m4s, to the folder.
                ? ChannelCost.HighestSegment(Path.Combine(run._hlsRoot, id), "index_", ".m4s")
                : ChannelCost.HighestSegment(Path.Combine(run._hlsRoot, id), "seg_", ".ts")), run._senders, cancel);
    }

    public void Dispose()
    {
        foreach (var sender in _senders)
        {
            sender.Dispose();
        }

        // The tree kill takes the appliance's FFmpegs along (setsid execs, so they are its children); any that an
        // exiting appliance left behind still read SDP files in our work folder.
        _appliance.Dispose();
        foreach (var leftover in FfmpegProcessTable.Find(_workRoot))
        {
            try
            {
                using var process = Process.GetProcessById(leftover.ProcessId);
                process.Kill(entireProcessTree: true);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                // Exited in the meantime.
            }
        }

        _http.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static ApplianceChannels Start(string applianceDll, string format)
    {
        var folder = Directory.CreateTempSubdirectory("broadcast-channel-cost-").FullName;
        var hlsRoot = Directory.CreateDirectory(Path.Combine(folder, "hls")).FullName;
        var workRoot = Directory.CreateDirectory(Path.Combine(folder, "run")).FullName;
        var port = ChannelCostLoad.FreeTcpPort();
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"),
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Hls__Root"] = hlsRoot,
            ["Hls__WorkRoot"] = workRoot,
            ["Hls__Format"] = format,
            ["Media__ListenIp"] = "127.0.0.1",
            // H.264 as the default, and AAC, which the default list lacks: a copy-mode channel copies both into HLS.
            ["Media__MediaCodecs__0__mimeType"] = "video/H264",
            ["Media__MediaCodecs__0__clockRate"] = "90000",
            ["Media__MediaCodecs__0__parameters__packetization-mode"] = "1",
            ["Media__MediaCodecs__0__parameters__profile-level-id"] = "42e01f",
            ["Media__MediaCodecs__1__mimeType"] = "audio/MPEG4-GENERIC",
            ["Media__MediaCodecs__1__clockRate"] = "48000",
            ["Media__MediaCodecs__1__channels"] = "2",
            // The tool's own API calls and polls are not clients to throttle.
            ["Api__RateLimit__RequestsPerSecond"] = "0",
            // Embedded state, and admin routes open to loopback, whatever the calling shell has set.
            ["ConnectionStrings__Broadcast"] = null,
            ["JWT_SECRET"] = null,
            ["API_KEYS"] = null,
        };
        // The working folder is the content root: the key file and anything else it writes stay in the temporary folder.
        OwnedProcess appliance;
        try
        {
            appliance = OwnedProcess.Start("dotnet", [applianceDll], folder, environment);
        }
        catch
        {
            Directory.Delete(folder, recursive: true);
            throw;
        }

        var http = new HttpClient { BaseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/")) };
        return new ApplianceChannels(folder, hlsRoot, workRoot, appliance, http);
    }

    /// <summary>The REST calls of a plain RTP channel: a router, two comedia transports, a video and an audio producer.</summary>
    private async Task<PlainRtpPorts> CreateChannelAsync(string id, CancellationToken cancel)
    {
        await PostAsync("api/v1/mediasoup/router", new JsonObject { ["router_id"] = id }, cancel);
        var video = await PostAsync($"api/v1/mediasoup/router/{id}/rtp-transport", new JsonObject { ["rtcpMux"] = false, ["comedia"] = true }, cancel);
        var audio = await PostAsync($"api/v1/mediasoup/router/{id}/rtp-transport", new JsonObject { ["rtcpMux"] = false, ["comedia"] = true }, cancel);
        await PostAsync($"api/v1/mediasoup/transport/{video["id"]}/producer", new JsonObject
        {
            ["kind"] = "video",
            ["rtpParameters"] = new JsonObject
            {
                ["codecs"] = new JsonArray(new JsonObject
                {
                    ["mimeType"] = "video/H264", ["payloadType"] = LoopedSource.VideoPayloadType, ["clockRate"] = 90000,
                    ["parameters"] = new JsonObject { ["packetization-mode"] = 1, ["profile-level-id"] = "42e01f" },
                }),
                ["encodings"] = new JsonArray(new JsonObject { ["ssrc"] = LoopedSource.VideoSsrc }),
            },
        }, cancel);
        await PostAsync($"api/v1/mediasoup/transport/{audio["id"]}/producer", new JsonObject
        {
            ["kind"] = "audio",
            ["rtpParameters"] = new JsonObject
            {
                ["codecs"] = new JsonArray(new JsonObject
                {
                    // AAC-hbr as FFmpeg's RTP muxer sends it (RFC 3640): 13-bit sizes, 3-bit indexes.
                    ["mimeType"] = "audio/MPEG4-GENERIC", ["payloadType"] = LoopedSource.AudioPayloadType, ["clockRate"] = 48000, ["channels"] = 2,
                    ["parameters"] = new JsonObject
                    {
                        ["mode"] = "AAC-hbr", ["config"] = LoopedSource.AacConfig, ["sizelength"] = 13, ["indexlength"] = 3,
                        ["indexdeltalength"] = 3, ["streamtype"] = 5, ["profile-level-id"] = 1,
                    },
                }),
                ["encodings"] = new JsonArray(new JsonObject { ["ssrc"] = LoopedSource.AudioSsrc }),
            },
        }, cancel);
        return new PlainRtpPorts(Port(video, "tuple"), Port(video, "rtcpTuple"), Port(audio, "tuple"), Port(audio, "rtcpTuple"));
    }

    private async Task<bool> AnswersAsync(CancellationToken cancel)
    {
        using var response = await _http.GetAsync("healthz", cancel);
        return response.IsSuccessStatusCode;
    }

    /// <summary>Whether every playlist lists a whole segment (#EXTINF: parts alone are not one).</summary>
    private async Task<bool> AllPlaylistsListSegmentsAsync(CancellationToken cancel)
    {
        foreach (var id in _channels)
        {
            using var response = await _http.GetAsync($"hls/{id}/index.m3u8", cancel);
            if (!response.IsSuccessStatusCode || !(await response.Content.ReadAsStringAsync(cancel)).Contains("#EXTINF:", StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private CostSample Sample()
    {
        var all = ProcessStat.ReadAll();
        var senders = new HashSet<int>(_senders.Select(s => s.Id));
        return new CostSample(
            [.. all.Where(p => p.Pid == _appliance.Id)],
            ProcessStat.Descendants(_appliance.Id, all),
            [.. all.Where(p => senders.Contains(p.Pid))]);
    }

    /// <summary>Polls <paramref name="condition"/> twice a second; fails with the appliance's last lines when it exits or time runs out.</summary>
    private async Task WaitUntilAsync(Func<CancellationToken, Task<bool>> condition, string what, TimeSpan timeout, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await Holds(condition, cancel))
        {
            if (_appliance.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"Gave up waiting for {what}. The appliance's last lines:{Environment.NewLine}{_appliance.Tail()}");
            }

            await Task.Delay(500, cancel);
        }
    }

    private static async Task<bool> Holds(Func<CancellationToken, Task<bool>> condition, CancellationToken cancel)
    {
        try
        {
            return await condition(cancel);
        }
        catch (HttpRequestException)
        {
            return false; // not listening yet
        }
    }

    private async Task<JsonNode> PostAsync(string path, JsonNode body, CancellationToken cancel)
    {
        using var response = await _http.PostAsJsonAsync(path, body, cancel);
        var text = await response.Content.ReadAsStringAsync(cancel);
        return response.IsSuccessStatusCode
            ? JsonNode.Parse(text)!
            : throw new InvalidOperationException($"POST {path} → {(int)response.StatusCode}: {text}");
    }

    private static int Port(JsonNode transport, string tuple) => transport[tuple]!["localPort"]!.GetValue<int>();
}

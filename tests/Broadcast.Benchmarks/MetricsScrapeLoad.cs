using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Broadcast.Api;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;

namespace Broadcast.Benchmarks;

/// <summary>
/// What a Prometheus scrape of GET /metrics costs with N channels: the real appliance on Kestrel (loopback, embedded
/// state) with N channels of an H.264 producer each (packaged by the appliance's muxer, so no FFmpeg runs), scraped
/// one request at a time. Beside it, in the same run: GET /healthz on the same server (an HTTP round trip that also
/// visits every worker), and prometheus-net exporting a bare registry with as many series, filled in advance (the
/// library's own share). Usage: metrics-scrape [--channels 0,100] [--scrapes 200]
/// </summary>
internal static class MetricsScrapeLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var counts = LoadTool.ArgList(args, "--channels", [0, 100]);
        var scrapes = LoadTool.Arg(args, "--scrapes", 200);
        var root = Directory.CreateTempSubdirectory("broadcast-metrics-scrape-").FullName;
        try
        {
            Console.WriteLine($"{scrapes} scrapes each, one at a time, after 20 unmeasured; 2 cores");
            Console.WriteLine($"{"channels",9} {"what",-40} {"mean ms",8} {"p50 ms",7} {"p90 ms",7} {"bytes",9} {"series",7}");
            foreach (var count in counts)
            {
                await MeasureAsync(count, scrapes, root);
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }

        return 0;
    }

    private static async Task MeasureAsync(int channels, int scrapes, string root)
    {
        var folder = Directory.CreateDirectory(Path.Combine(root, channels.ToString(CultureInfo.InvariantCulture))).FullName;
        await using var app = BroadcastApp.Create(["--urls", "http://127.0.0.1:0"], config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Media:Workers"] = "2",
            ["Media:ListenIp"] = "127.0.0.1",
            ["Media:MinPort"] = "22000",
            ["Media:MaxPort"] = "22999",
            ["Hls:Root"] = Path.Combine(folder, "hls"),
            ["Hls:WorkRoot"] = Path.Combine(folder, "run"),
            ["State:KeyFile"] = Path.Combine(folder, "broadcast.key"),
            ["Jobs:CleanupCron"] = "0 0 1 1 *",
            ["Jobs:RetentionCron"] = "0 0 1 1 *",
            ["Api:LogLevel"] = "warn",
            ["Api:RateLimit:RequestsPerSecond"] = "0", // the tool makes its channels as fast as it can
        }));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = new HttpClient { BaseAddress = new Uri(address.TrimEnd('/') + "/") };
        for (var i = 0; i < channels; i++)
        {
            await AddChannelAsync(client, $"scrape-{i}");
        }

        var (metricsTimes, bytes, series) = await TimeAsync(scrapes, async () =>
        {
            var text = await client.GetStringAsync("metrics");
            return (text.Length, text.Split('\n').Count(l => l.Length > 0 && l[0] != '#'));
        });
        var (healthTimes, _, _) = await TimeAsync(scrapes, async () => ((await client.GetStringAsync("healthz")).Length, 0));
        var bare = BareRegistry(series);
        var (bareTimes, bareBytes, _) = await TimeAsync(scrapes, async () =>
        {
            using var stream = new MemoryStream();
            await bare.CollectAndExportAsTextAsync(stream);
            return ((int)stream.Length, 0);
        });
        Print(channels, "GET /metrics (Broadcast)", metricsTimes, bytes, series);
        Print(channels, "GET /healthz, same server", healthTimes, 0, 0);
        Print(channels, "prometheus-net, bare registry, same series", bareTimes, bareBytes, series);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{channels,9} /metrics costs {Mean(metricsTimes) / Mean(healthTimes):F1}× /healthz and {Mean(metricsTimes) / Mean(bareTimes):F1}× the bare export"));
        await app.StopAsync();
    }

    private static async Task AddChannelAsync(HttpClient client, string id)
    {
        await PostAsync(client, "api/v1/mediasoup/router", new JsonObject { ["router_id"] = id });
        var transport = await PostAsync(client, $"api/v1/mediasoup/router/{id}/rtp-transport", new JsonObject { ["comedia"] = true });
        await PostAsync(client, $"api/v1/mediasoup/transport/{transport["id"]}/producer", new JsonObject
        {
            ["kind"] = "video",
            ["rtpParameters"] = new JsonObject
            {
                ["codecs"] = new JsonArray(new JsonObject
                {
                    ["mimeType"] = "video/H264", ["payloadType"] = 96, ["clockRate"] = 90000,
                    ["parameters"] = new JsonObject { ["packetization-mode"] = 1, ["profile-level-id"] = "42e01f" },
                }),
                ["encodings"] = new JsonArray(new JsonObject { ["ssrc"] = 1111 }),
            },
        });
    }

    private static async Task<JsonNode> PostAsync(HttpClient client, string path, JsonNode body)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonNode>())!;
    }

    private static async Task<(double[] Milliseconds, int Bytes, int Series)> TimeAsync(int count, Func<Task<(int Bytes, int Series)>> scrape)
    {
        for (var i = 0; i < 20; i++)
        {
            await scrape();
        }

        var times = new double[count];
        (int Bytes, int Series) last = default;
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            last = await scrape();
            times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        Array.Sort(times);
        return (times, last.Bytes, last.Series);
    }

    // As many gauge series as the appliance exported, in collectors of 100 series each, with values set.
    private static CollectorRegistry BareRegistry(int series)
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        for (var made = 0; made < series; made += 100)
        {
            var gauge = factory.CreateGauge($"bare_series_{made}", "A gauge of the baseline.", new GaugeConfiguration { LabelNames = ["channel"] });
            for (var i = 0; i < Math.Min(100, series - made); i++)
            {
                gauge.WithLabels($"scrape-{i}").Set(i);
            }
        }

        return registry;
    }

    private static double Mean(double[] times) => times.Average();

    private static void Print(int channels, string what, double[] times, int bytes, int series) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{channels,9} {what,-40} {Mean(times),8:F2} {times[times.Length / 2],7:F2} {times[times.Length * 9 / 10],7:F2} {bytes,9:N0} {series,7}"));
}

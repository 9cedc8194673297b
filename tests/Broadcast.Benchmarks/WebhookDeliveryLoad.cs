using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Broadcast.Api;
using Broadcast.Ingest.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Broadcast.Benchmarks;

/// <summary>
/// How fast webhooks reach a receiver: the real appliance (embedded state: Hangfire in memory) with one endpoint, a
/// receiver on Kestrel (loopback) answering 204, and N channel events published as the appliance's parts publish them.
/// For each: from publishing to the receiver reading the request; and the whole batch's rate. Beside it, in the same
/// run: the same number of signed POSTs sent by a bare HttpClient, one at a time and 8 at a time (what HTTP itself costs
/// here). Usage: webhook-delivery [--events 1000]
/// </summary>
internal static class WebhookDeliveryLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var count = LoadTool.Arg(args, "--events", 1000);
        var receiver = await StartReceiverAsync();
        var received = (ConcurrentDictionary<string, long>)receiver.Services.GetRequiredService(typeof(ConcurrentDictionary<string, long>));
        var url = receiver.Urls.First().TrimEnd('/') + "/hook";
        var root = Directory.CreateTempSubdirectory("broadcast-webhook-load-").FullName;
        try
        {
            await using var app = BroadcastApp.Create(["--urls", "http://127.0.0.1:0"], config => config.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Media:Workers"] = "2",
                ["Media:ListenIp"] = "127.0.0.1",
                ["Media:MinPort"] = "23000",
                ["Media:MaxPort"] = "23999",
                ["Hls:Root"] = Path.Combine(root, "hls"),
                ["Hls:WorkRoot"] = Path.Combine(root, "run"),
                ["State:KeyFile"] = Path.Combine(root, "broadcast.key"),
                ["Jobs:CleanupCron"] = "0 0 1 1 *",
                ["Jobs:RetentionCron"] = "0 0 1 1 *",
                ["Api:LogLevel"] = "warn",
                ["Webhooks:Endpoints:0:Url"] = url,
                ["Webhooks:Endpoints:0:Secret"] = "a secret of the load tool",
            }));
            await app.StartAsync();
            var sink = app.Services.GetRequiredService<IChannelEventSink>();

            // Warm-up: JIT, connections, Hangfire's workers.
            await PublishAndWaitAsync(sink, received, "warm", 50);
            received.Clear();
            var (latencies, elapsed) = await PublishAndWaitAsync(sink, received, "load", count);
            Console.WriteLine($"{count} events, one receiver answering 204, 2 Hangfire workers, loopback; 2 cores");
            Console.WriteLine($"{"what",-48} {"total s",8} {"per s",8} {"p50 ms",8} {"p90 ms",8} {"max ms",8}");
            Print("appliance, all at once: event → receiver", elapsed, count, latencies);
            // One event at a time: the latency of a lone event, without a queue in front of it.
            var lone = new double[Math.Min(count, 200)];
            var loneClock = Stopwatch.StartNew();
            for (var i = 0; i < lone.Length; i++)
            {
                lone[i] = (await PublishAndWaitAsync(sink, received, $"lone{i}", 1)).Latencies[0];
            }

            Array.Sort(lone);
            Print("appliance, one at a time: event → receiver", loneClock.Elapsed, lone.Length, lone);

            using var client = new HttpClient();
            var body = "{\"type\":\"channel.created\"}"u8.ToArray();
            foreach (var parallel in new[] { 1, 8 })
            {
                var times = new ConcurrentBag<double>();
                var clock = Stopwatch.StartNew();
                await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (i, ct) =>
                {
                    var started = Stopwatch.GetTimestamp();
                    using var content = new ByteArrayContent(body);
                    content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                    using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
                    request.Headers.Add("X-Broadcast-Delivery", $"bare-{parallel}-{i}");
                    request.Headers.Add("X-Broadcast-Signature", Broadcast.Api.Webhooks.WebhookSignature.Create("a secret of the load tool",
                        DateTimeOffset.UtcNow.ToUnixTimeSeconds(), body));
                    using var response = await client.SendAsync(request, ct);
                    times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                });
                Print($"bare HttpClient, {parallel} at a time", clock.Elapsed, count, [.. times.Order()]);
            }

            await app.StopAsync();
        }
        finally
        {
            await receiver.StopAsync();
            await receiver.DisposeAsync();
            Directory.Delete(root, recursive: true);
        }

        return 0;
    }

    private static async Task<(double[] Latencies, TimeSpan Elapsed)> PublishAndWaitAsync(IChannelEventSink sink, ConcurrentDictionary<string, long> received,
        string prefix, int count)
    {
        var published = new long[count];
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            published[i] = Stopwatch.GetTimestamp();
            sink.Publish(new ChannelEvent(ChannelEventTypes.ChannelCreated, $"{prefix}-{i}", DateTimeOffset.UtcNow, new Dictionary<string, string?>()));
        }

        while (Enumerable.Range(0, count).Any(i => !received.ContainsKey($"{prefix}-{i}")))
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"Only {received.Count} of {count} webhooks arrived in 5 minutes.");
            }

            await Task.Delay(1);
        }

        var elapsed = clock.Elapsed;
        var latencies = new double[count];
        for (var i = 0; i < count; i++)
        {
            latencies[i] = Stopwatch.GetElapsedTime(published[i], received[$"{prefix}-{i}"]).TotalMilliseconds;
        }

        Array.Sort(latencies);
        return (latencies, elapsed);
    }

    private static async Task<WebApplication> StartReceiverAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(new ConcurrentDictionary<string, long>(StringComparer.Ordinal));
        var app = builder.Build();
        app.MapPost("/hook", async (HttpContext http, ConcurrentDictionary<string, long> received) =>
        {
            using var document = await System.Text.Json.JsonDocument.ParseAsync(http.Request.Body);
            if (document.RootElement.TryGetProperty("channelId", out var channel))
            {
                received.TryAdd(channel.GetString()!, Stopwatch.GetTimestamp());
            }

            return Results.NoContent();
        });
        await app.StartAsync();
        return app;
    }

    private static void Print(string what, TimeSpan elapsed, int count, double[] sorted) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what,-48} {elapsed.TotalSeconds,8:F2} {count / elapsed.TotalSeconds,8:F0} {sorted[sorted.Length / 2],8:F1} {sorted[sorted.Length * 9 / 10],8:F1} {sorted[^1],8:F1}"));
}

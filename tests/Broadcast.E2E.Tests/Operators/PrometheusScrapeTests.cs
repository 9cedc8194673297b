using System.Text.Json.Nodes;
using Broadcast.Testing;
using Xunit.Abstractions;

namespace Broadcast.E2E.Tests.Operators;

/// <summary>A real Prometheus scrapes the appliance's /metrics and answers queries with its per-channel series.</summary>
public sealed class PrometheusScrapeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private BroadcastHost _host = null!;

    public async Task InitializeAsync() => _host = await BroadcastHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Prometheus_scrapes_a_live_channel_and_a_query_returns_its_series()
    {
        var channel = await PlainRtpChannel.CreateAsync(_host, "e2e-prometheus", "video/H264");
        using var publisher = channel.StartPublisher("h264");
        // The embedded default: a loopback client (this Prometheus) is an admin, so /metrics on the appliance's listener answers it.
        using var prometheus = await PrometheusServer.StartAsync(_host.BaseAddress.Authority);

        await E2EWait.ForAsync(async () =>
        {
            var packets = await prometheus.QueryAsync("broadcast_channel_ingest_packets_total{channel=\"e2e-prometheus\"}");
            return packets.Count == 1 && packets[0].Value > 0;
        }, "Prometheus to hold the channel's ingest packets");

        var up = await prometheus.QueryAsync("up{job=\"broadcast\"}");
        Assert.Equal(1, Assert.Single(up).Value);
        // A rate over the samples Prometheus took: the publisher's packets arrive steadily.
        await E2EWait.ForAsync(async () =>
        {
            var rate = await prometheus.QueryAsync("rate(broadcast_channel_ingest_bytes_total{channel=\"e2e-prometheus\"}[5s])");
            return rate.Count == 1 && rate[0].Value > 10_000;
        }, "a positive ingest byte rate");
        var producers = await prometheus.QueryAsync("broadcast_channel_producers{channel=\"e2e-prometheus\"}");
        Assert.Equal(2, Assert.Single(producers).Value);
        var lag = await prometheus.QueryAsync("broadcast_worker_loop_lag_seconds");
        Assert.Equal(2, lag.Count); // one series per worker loop
        // The REST calls that made the channel, by route (scrapes themselves are not counted).
        var requests = await prometheus.QueryAsync("sum(http_requests_received_total{endpoint=\"/api/v1/mediasoup/router/{id}/rtp-transport\"})");
        Assert.Equal(2, Assert.Single(requests).Value);

        await E2EWait.ForAsync(async () =>
            (await prometheus.QueryAsync("broadcast_channel_hls_newest_segment_age_seconds{channel=\"e2e-prometheus\"}")).Count == 1,
            "Prometheus to hold the age of the channel's newest segment");

        // Every query of the sample Grafana dashboard runs, and those of a channel's panels have the channel's series.
        var dashboard = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Samples", "grafana-dashboard.json")))!;
        foreach (var panel in dashboard["panels"]!.AsArray())
        {
            foreach (var target in panel!["targets"]!.AsArray())
            {
                var query = target!["expr"]!.GetValue<string>().Replace("$job", "broadcast", StringComparison.Ordinal)
                    .Replace("$channel", "e2e-prometheus", StringComparison.Ordinal);
                var result = await prometheus.QueryAsync(query);
                if (query.Contains("channel=~", StringComparison.Ordinal) && !query.Contains("ffmpeg", StringComparison.Ordinal))
                {
                    Assert.True(result.Count > 0, $"the panel '{panel["title"]}' has no series: {query}");
                }
            }
        }

        var scrape = await prometheus.QueryAsync("scrape_duration_seconds{job=\"broadcast\"}");
        var samples = await prometheus.QueryAsync("scrape_samples_scraped{job=\"broadcast\"}");
        output.WriteLine($"one channel: scrape {Assert.Single(scrape).Value * 1000:F1} ms, {Assert.Single(samples).Value} samples");
    }
}

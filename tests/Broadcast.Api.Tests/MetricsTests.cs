using System.Globalization;
using System.Net;
using Broadcast.Api.Metrics;
using Broadcast.Api.Tests.Auth;
using Broadcast.Testing;

namespace Broadcast.Api.Tests;

/// <summary>GET /metrics in Prometheus' text format: per-channel series read from live routers, workers, HTTP and jobs.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task A_live_channel_has_its_ingest_worker_and_hls_series_and_they_go_when_it_ends()
    {
        await using var host = await BroadcastHost.StartAsync();
        using (var channel = await LivePlainRtpChannel.StartAsync(host, "metrics-live"))
        {
            var text = await ScrapeAsync(host.Client);

            Assert.InRange(Value(text, "broadcast_channel_ingest_packets_total", "metrics-live"), 1, double.MaxValue);
            Assert.InRange(Value(text, "broadcast_channel_ingest_bytes_total", "metrics-live"), 1000, double.MaxValue);
            Assert.Equal(2, Value(text, "broadcast_channel_producers", "metrics-live"));
            Assert.InRange(Value(text, "broadcast_channel_ingest_key_frames_total", "metrics-live"), 1, double.MaxValue);
            Assert.Equal(0, Value(text, "broadcast_channel_realtime_viewers", "metrics-live"));
            // The channel's own start-up check loaded its playlist: one HLS client.
            Assert.Equal(1, Value(text, "broadcast_channel_hls_viewers", "metrics-live"));
            // H.264 with Opus: FFmpeg runs for the channel (the Opus is transcoded).
            Assert.Equal(1, Value(text, "broadcast_channel_ffmpeg_running", "metrics-live"));
            Assert.Equal(0, Value(text, "broadcast_channel_ffmpeg_restarts_total", "metrics-live"));
            Assert.Equal(0, Value(text, "broadcast_channel_hls_appliance_muxer", "metrics-live"));
            Assert.Equal(1, Value(text, "broadcast_channels"));
            Assert.Contains("# TYPE broadcast_channel_ingest_packets_total counter", text, StringComparison.Ordinal);
            Assert.Matches(@"broadcast_worker_loop_lag_seconds\{worker=""0""\} [0-9.eE+-]+", text);
            Assert.Matches(@"broadcast_worker_items_total\{worker=""1""\} [1-9]", text);
            // HTTP metrics through prometheus-net, labelled with the route.
            Assert.Matches(@"http_requests_received_total\{code=""200"",method=""GET"",controller="""",action="""",endpoint=""/hls/\{channelId\}/\{\*\*file\}""\} [1-9]", text);
            // The process itself.
            Assert.InRange(Value(text, "process_cpu_seconds_total"), 0.01, double.MaxValue);
            Assert.InRange(Value(text, "process_resident_memory_bytes"), 10_000_000, double.MaxValue);

            // FFmpeg's progress arrives once a second while media flows; its CPU use needs half a second of its run.
            var ffmpeg = await Eventually.ValueAsync(() => ScrapeAsync(host.Client),
                t => t.Contains("broadcast_channel_ffmpeg_speed{channel=\"metrics-live\"}", StringComparison.Ordinal)
                    && t.Contains("broadcast_channel_ffmpeg_cpu_percent{channel=\"metrics-live\"}", StringComparison.Ordinal),
                t => "FFmpeg's series are not all in the scrape:\n" + string.Join('\n', t.Split('\n').Where(l => l.StartsWith("broadcast_channel_ffmpeg", StringComparison.Ordinal))));
            // FFmpeg's own figure (output time over wall time): its first reports can run far above 1000x when the
            // stream's first timestamps are ahead of its clock, so only its sign is ours to check.
            Assert.InRange(Value(ffmpeg, "broadcast_channel_ffmpeg_speed", "metrics-live"), 0, double.MaxValue);
            Assert.InRange(Value(ffmpeg, "broadcast_channel_ffmpeg_fps", "metrics-live"), 0, 1000);
            Assert.Equal(0, Value(ffmpeg, "broadcast_channel_ffmpeg_dropped_frames_total", "metrics-live"));
            Assert.InRange(Value(ffmpeg, "broadcast_channel_ffmpeg_cpu_percent", "metrics-live"), 0, Environment.ProcessorCount * 100.0);
            Assert.InRange(Value(ffmpeg, "broadcast_channel_ffmpeg_rss_bytes", "metrics-live"), 4 * 1024 * 1024, 2L * 1024 * 1024 * 1024);
            Assert.Contains("# TYPE broadcast_channel_ffmpeg_dropped_frames_total counter", ffmpeg, StringComparison.Ordinal);

            // Counters only grow while the channel lives.
            var later = await ScrapeAsync(host.Client);
            Assert.True(Value(later, "broadcast_channel_ingest_packets_total", "metrics-live") >= Value(text, "broadcast_channel_ingest_packets_total", "metrics-live"));
        }

        using (var deleted = await host.Client.DeleteAsync("api/v1/mediasoup/router/metrics-live"))
        {
            Assert.True(deleted.IsSuccessStatusCode);
        }

        var after = await ScrapeAsync(host.Client);
        Assert.DoesNotContain("channel=\"metrics-live\"", after, StringComparison.Ordinal);
        Assert.Equal(0, Value(after, "broadcast_channels"));
    }

    [Fact]
    public async Task Job_runs_are_counted_with_what_they_did()
    {
        await using var host = await BroadcastHost.StartAsync();

        await Jobs.JobApiTests.RunJobAsync(host.Client, "segment-retention");
        await Jobs.JobApiTests.RunJobAsync(host.Client, "cleanup");

        var text = await ScrapeAsync(host.Client);
        Assert.Equal(1, Value(text, "broadcast_job_runs_total", job: "segment-retention"));
        Assert.Equal(1, Value(text, "broadcast_job_runs_total", job: "cleanup"));
        Assert.Equal(0, Value(text, "broadcast_job_deleted_bytes_total", job: "segment-retention"));
        Assert.Matches(@"broadcast_job_last_run_duration_seconds\{job=""cleanup""\} [0-9.eE+-]+", text);
    }

    [Theory]
    [InlineData(Credential.None, HttpStatusCode.Unauthorized)]
    [InlineData(Credential.JwtWithoutAdminRole, HttpStatusCode.Forbidden)]
    [InlineData(Credential.AdminApiKey, HttpStatusCode.OK)]
    [InlineData(Credential.AdminJwt, HttpStatusCode.OK)]
    public async Task On_the_appliance_listener_metrics_are_for_admins(Credential credential, HttpStatusCode expected)
    {
        await using var host = await BroadcastHost.StartAsync(SecuredHost.Settings());

        using var response = await host.Client.SendAsync(HttpMethod.Get, "metrics", credential);

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.OK)
        {
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task On_a_port_of_their_own_metrics_need_no_credential_and_leave_the_appliance_listener()
    {
        // A port of this test process's range: no client's ephemeral port lands there.
        using var lease = TestPorts.Lease();
        var port = lease.MinPort;
        await using var host = await BroadcastHost.StartAsync(SecuredHost.Settings(("Metrics:Port", port.ToString(CultureInfo.InvariantCulture)),
            ("Metrics:Hostname", "127.0.0.1")));
        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        var text = await scraper.GetStringAsync("metrics");

        Assert.Contains("# TYPE broadcast_channels gauge", text, StringComparison.Ordinal);
        using var onTheApi = await host.Client.SendAsync(HttpMethod.Get, "metrics", Credential.AdminApiKey);
        Assert.Equal(HttpStatusCode.NotFound, onTheApi.StatusCode);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(65536)]
    public void A_port_out_of_range_is_refused(int port)
    {
        var result = new MetricsOptionsValidator().Validate(null, new MetricsOptions { Port = port });

        Assert.True(result.Failed);
        Assert.Contains("Metrics:Port", result.FailureMessage, StringComparison.Ordinal);
    }

    internal static async Task<string> ScrapeAsync(HttpClient client)
    {
        using var response = await client.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The value of a series with no label, one channel label or one job label; fails when absent.</summary>
    internal static double Value(string text, string name, string? channel = null, string? job = null)
    {
        var labels = channel is not null ? $"{{channel=\"{channel}\"}}" : job is not null ? $"{{job=\"{job}\"}}" : "";
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(name + labels + " ", StringComparison.Ordinal));
        Assert.True(line is not null, $"{name}{labels} is not in the scrape");
        return double.Parse(line[(name.Length + labels.Length + 1)..], CultureInfo.InvariantCulture);
    }
}

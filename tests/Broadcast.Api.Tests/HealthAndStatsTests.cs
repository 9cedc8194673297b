using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Broadcast.Testing;

namespace Broadcast.Api.Tests;

public sealed class HealthAndStatsTests(BroadcastHost host) : IClassFixture<BroadcastHost>
{
    private readonly HttpClient _client = host.Client;

    [Fact]
    public async Task Healthz_is_ok_while_the_workers_answer()
    {
        var health = await _client.GetAsync("healthz").ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("ok", health.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Stats_show_workers_routers_ports_memory_and_uptime()
    {
        var router = await _client.CreateRouterAsync();
        await _client.CreatePlainTransportAsync(router.Id(), """{ "rtcpMux": false }""");

        var stats = await _client.GetAsync("api/v1/stats").ExpectAsync(HttpStatusCode.OK);

        var workers = stats.GetProperty("workers").EnumerateArray().ToList();
        Assert.Equal([0, 1], workers.Select(w => w.GetProperty("index").GetInt32()));
        Assert.InRange(workers.Sum(w => w.GetProperty("routers").GetInt32()), 1, int.MaxValue);
        Assert.InRange(workers.Sum(w => w.GetProperty("executedItems").GetInt64()), 1, long.MaxValue);
        Assert.InRange(stats.GetProperty("routers").GetInt32(), 1, int.MaxValue);
        var ports = stats.GetProperty("ports");
        Assert.Equal(host.MinPort, ports.GetProperty("min").GetInt32());
        Assert.Equal(host.MaxPort, ports.GetProperty("max").GetInt32());
        Assert.InRange(ports.GetProperty("inUse").GetInt32(), 2, host.MaxPort - host.MinPort + 1);
        Assert.InRange(stats.GetProperty("memory").GetProperty("workingSetBytes").GetInt64(), 1, long.MaxValue);
        Assert.InRange(stats.GetProperty("memory").GetProperty("managedHeapBytes").GetInt64(), 1, long.MaxValue);
        Assert.InRange(stats.GetProperty("uptimeSeconds").GetDouble(), 0, 3600);
    }

    [Fact]
    public async Task A_channel_without_producers_has_an_idle_hls_pipeline()
    {
        var router = await _client.CreateRouterAsync();

        var status = await _client.GetFromJsonAsync<JsonElement>($"api/v1/channels/{router.Id()}/hls");

        Assert.Equal("idle", status.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("processId").ValueKind);
        Assert.Equal($"/hls/{router.Id()}/index.m3u8", status.GetProperty("playlistPath").GetString());
    }

    [Fact]
    public async Task The_hls_pipeline_of_an_unknown_channel_is_a_404_problem()
    {
        var problem = await _client.GetAsync("api/v1/channels/no-such-channel/hls").ExpectProblemAsync(HttpStatusCode.NotFound);

        Assert.Contains("no-such-channel", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}

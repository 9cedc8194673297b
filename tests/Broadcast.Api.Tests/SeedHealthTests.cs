using System.Net;
using System.Text.Json;
using Broadcast.Api.Channels;
using Broadcast.Api.Tests.Auth;
using Broadcast.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Broadcast.Api.Tests;

/// <summary>The seeds' routes: GET /health, GET /stats, GET /api/health/webrtc and GET /api/webrtc/channels/{id}/stats.</summary>
public sealed class SeedHealthTests
{
    [Fact]
    public async Task Health_is_ok_with_the_time_uptime_and_workers()
    {
        await using var host = await BroadcastHost.StartAsync();

        var health = await host.Client.GetAsync("health").ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal(2, health.GetProperty("workers").GetInt32());
        Assert.InRange(health.GetProperty("uptimeSeconds").GetDouble(), 0, 3600);
        Assert.InRange(DateTimeOffset.UtcNow - health.GetProperty("timestamp").GetDateTimeOffset(), TimeSpan.Zero, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Stats_and_webrtc_health_count_what_is_live_and_a_live_channel_has_rates_and_history()
    {
        // The test takes the readings itself: the appliance's own timer waits an hour.
        await using var host = await BroadcastHost.StartAsync(new Dictionary<string, string?> { ["Api:ActivityInterval"] = "01:00:00" });
        var activity = host.Services.GetRequiredService<ChannelActivity>();
        using var channel = await LivePlainRtpChannel.StartAsync(host, "seed-stats");

        var stats = await host.Client.GetAsync("stats").ExpectAsync(HttpStatusCode.OK);
        var media = stats.GetProperty("media");
        Assert.Equal(1, media.GetProperty("channels").GetInt32());
        Assert.Equal(4, media.GetProperty("transports").GetInt32()); // the publisher's two plain transports, and FFmpeg's two
        Assert.Equal(2, media.GetProperty("producers").GetInt32());
        Assert.Equal(2, media.GetProperty("consumers").GetInt32()); // the HLS pipeline's, one per track
        Assert.Equal(0, media.GetProperty("realTimeViewers").GetInt32());
        var workers = stats.GetProperty("workers").EnumerateArray().ToList();
        Assert.Equal(2, workers.Count);
        Assert.All(workers, w => Assert.Equal(JsonValueKind.Number, w.GetProperty("lagMs").ValueKind));

        // Two readings with packets between them: a point with the rates of that interval.
        await activity.SampleAsync(CancellationToken.None);
        var before = await VideoPacketsAsync(host, channel.Id);
        await Eventually.TrueAsync(async () => await VideoPacketsAsync(host, channel.Id) > before + 100, TimeSpan.FromSeconds(60));
        await activity.SampleAsync(CancellationToken.None);

        var live = await host.Client.GetAsync($"api/webrtc/channels/{channel.Id}/stats").ExpectAsync(HttpStatusCode.OK);
        Assert.True(live.GetProperty("success").GetBoolean());
        var data = live.GetProperty("data");
        Assert.Equal(channel.Id, data.GetProperty("channelId").GetString());
        Assert.Equal(["audio", "video"], data.GetProperty("producers").EnumerateArray().Select(p => p.GetProperty("kind").GetString()).Order());
        Assert.InRange(data.GetProperty("bandwidth").GetProperty("inKbps").GetDouble(), 1, 100_000);
        Assert.InRange(data.GetProperty("framesPerSecond").GetDouble(), 0.1, 1000);
        var point = Assert.Single(data.GetProperty("history").EnumerateArray());
        Assert.Equal(data.GetProperty("bandwidth").GetProperty("inKbps").GetDouble(), point.GetProperty("ingestKbps").GetDouble());

        var webrtc = await host.Client.GetAsync("api/health/webrtc").ExpectAsync(HttpStatusCode.OK);
        Assert.True(webrtc.GetProperty("success").GetBoolean());
        var health = webrtc.GetProperty("data");
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.Equal(2, health.GetProperty("workers").GetProperty("healthy").GetInt32());
        Assert.Equal(1, health.GetProperty("liveChannels").GetInt32());
        Assert.Equal(2, health.GetProperty("producers").GetInt32());
        Assert.InRange(health.GetProperty("bandwidth").GetProperty("inKbps").GetDouble(), 1, 100_000);
    }

    [Fact]
    public async Task A_channel_that_is_not_live_is_a_404_problem()
    {
        await using var host = await BroadcastHost.StartAsync();

        var problem = await host.Client.GetAsync("api/webrtc/channels/nowhere/stats").ExpectProblemAsync(HttpStatusCode.NotFound);

        Assert.Contains("nowhere", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("health", Credential.None, HttpStatusCode.OK)]
    [InlineData("api/health/webrtc", Credential.None, HttpStatusCode.OK)]
    [InlineData("stats", Credential.None, HttpStatusCode.Unauthorized)]
    [InlineData("stats", Credential.AdminApiKey, HttpStatusCode.OK)]
    [InlineData("api/webrtc/channels/x/stats", Credential.None, HttpStatusCode.Unauthorized)]
    [InlineData("api/webrtc/channels/x/stats", Credential.AdminJwt, HttpStatusCode.NotFound)]
    public async Task Health_is_public_and_stats_are_for_admins(string path, Credential credential, HttpStatusCode expected)
    {
        await using var host = await BroadcastHost.StartAsync(SecuredHost.Settings());

        using var response = await host.Client.SendAsync(HttpMethod.Get, path, credential);

        Assert.Equal(expected, response.StatusCode);
    }

    private static async Task<long> VideoPacketsAsync(BroadcastHost host, string channelId)
    {
        var live = await host.Client.GetAsync($"api/webrtc/channels/{channelId}/stats").ExpectAsync(HttpStatusCode.OK);
        return live.GetProperty("data").GetProperty("producers").EnumerateArray().Single(p => p.GetProperty("kind").GetString() == "video")
            .GetProperty("packets").GetInt64();
    }
}

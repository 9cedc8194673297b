using System.Net;
using System.Text.Json;
using Broadcast.Api.Channels;
using Broadcast.Api.State;
using Broadcast.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Broadcast.Api.Tests;

/// <summary>
/// Persistent publisher channels (WebRTC, plain RTP) on the embedded default store: defined before their publisher
/// comes, with a publish token shown once and stored hashed, and their HLS profile applied to the router they get.
/// </summary>
public sealed class PublisherChannelApiTests(BroadcastHost host) : IClassFixture<BroadcastHost>
{
    private const string Channels = "api/v1/channels";
    private readonly HttpClient _client = host.Client;

    private IChannelStore Store => host.Services.GetRequiredService<IChannelStore>();

    [Fact]
    public async Task A_publisher_channel_returns_its_token_once_and_stores_only_its_hash()
    {
        var created = await _client.PostJsonAsync(Channels, """{ "channel_id": "pub-token" }""").ExpectAsync(HttpStatusCode.Created);
        var token = created.GetProperty("publishToken").GetString()!;

        var read = await _client.GetAsync($"{Channels}/pub-token").ExpectAsync(HttpStatusCode.OK);
        var list = await _client.GetAsync(Channels).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("webrtc", created.GetProperty("source").GetString());
        Assert.True(token.Length >= 43, token);
        Assert.False(read.TryGetProperty("publishToken", out _));
        Assert.DoesNotContain(token, list.GetRawText(), StringComparison.Ordinal);
        Assert.True(read.GetProperty("settings").GetProperty("hasPublishToken").GetBoolean());
        var stored = await Store.FindAsync("pub-token");
        Assert.Equal(PublishToken.Hash(token), stored!.PublishTokenHash);
        Assert.True(PublishToken.Matches(token, stored.PublishTokenHash!));
    }

    [Fact]
    public async Task An_admin_chosen_token_is_kept_and_rotating_replaces_it()
    {
        var created = await _client.PostJsonAsync(Channels, """{ "channel_id": "pub-chosen", "source": "rtp", "publishToken": "obs-studio-stage-token" }""")
            .ExpectAsync(HttpStatusCode.Created);

        var rotated = await _client.PostJsonAsync($"{Channels}/pub-chosen/publish-token", "").ExpectAsync(HttpStatusCode.OK);
        var chosen = await _client.PostJsonAsync($"{Channels}/pub-chosen/publish-token", """{ "publishToken": "the-next-stage-token" }""")
            .ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("obs-studio-stage-token", created.GetProperty("publishToken").GetString());
        Assert.Equal("rtp", created.GetProperty("source").GetString());
        Assert.Equal("pub-chosen", rotated.GetProperty("channelId").GetString());
        Assert.NotEqual("obs-studio-stage-token", rotated.GetProperty("publishToken").GetString());
        Assert.Equal("the-next-stage-token", chosen.GetProperty("publishToken").GetString());
        var stored = await Store.FindAsync("pub-chosen");
        Assert.Equal(PublishToken.Hash("the-next-stage-token"), stored!.PublishTokenHash);
        Assert.True(stored.UpdatedAt >= stored.CreatedAt);
    }

    [Fact]
    public async Task Rotating_is_refused_for_camera_channels_ad_hoc_routers_short_tokens_and_unknown_channels()
    {
        await _client.PostJsonAsync(Channels, """{ "channel_id": "cam-no-token", "rtsp": { "url": "rtsp://127.0.0.1:1/x" } }""").ExpectAsync(HttpStatusCode.Created);
        await _client.CreateRouterAsync("adhoc-no-token");
        await _client.PostJsonAsync(Channels, """{ "channel_id": "pub-short" }""").ExpectAsync(HttpStatusCode.Created);

        await _client.PostJsonAsync($"{Channels}/cam-no-token/publish-token", "").ExpectProblemAsync(HttpStatusCode.Conflict);
        await _client.PostJsonAsync($"{Channels}/adhoc-no-token/publish-token", "").ExpectProblemAsync(HttpStatusCode.Conflict);
        await _client.PostJsonAsync($"{Channels}/nobody/publish-token", "").ExpectProblemAsync(HttpStatusCode.NotFound);
        var detail = await _client.PostJsonAsync($"{Channels}/pub-short/publish-token", """{ "publishToken": "hunter2" }""").ExpectFieldProblemAsync("publishToken");
        Assert.DoesNotContain("hunter2", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_publisher_channel_waits_without_a_router_and_its_router_gets_the_channels_hls_profile()
    {
        var created = await _client.PostJsonAsync(Channels, """
            { "channel_id": "pub-profile", "hls": { "segmentSeconds": 4, "playlistSize": 3, "signedUrls": true },
              "retention": { "maxAgeSeconds": 3600, "maxBytes": 1000000 }, "idleTimeoutSeconds": 120 }
            """).ExpectAsync(HttpStatusCode.Created);
        await _client.GetAsync($"{ApiCalls.Mediasoup}/router/pub-profile").ExpectProblemAsync(HttpStatusCode.NotFound);

        // Plain RTP publishers create the router through the mediasoup API; WHIP and signaling through the same service.
        await _client.CreateRouterAsync("pub-profile");

        var running = await _client.GetAsync($"{Channels}/pub-profile").ExpectAsync(HttpStatusCode.OK);
        var hls = await _client.GetAsync($"{Channels}/pub-profile/hls").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("waiting", created.GetProperty("state").GetString());
        Assert.Equal("idle", running.GetProperty("state").GetString());
        Assert.True(running.GetProperty("persistent").GetBoolean());
        var settings = running.GetProperty("settings");
        Assert.True(settings.GetProperty("hls").GetProperty("signedUrls").GetBoolean());
        Assert.Equal(3600, settings.GetProperty("retention").GetProperty("maxAgeSeconds").GetInt64());
        Assert.Equal(1000000, settings.GetProperty("retention").GetProperty("maxBytes").GetInt64());
        Assert.Equal(120, settings.GetProperty("idleTimeoutSeconds").GetInt32());
        Assert.Equal(4, hls.GetProperty("segmentSeconds").GetDouble());
        Assert.Equal(3, hls.GetProperty("playlistSize").GetInt32());
    }

    [Fact]
    public async Task Publishers_of_one_channel_arriving_at_once_share_one_router()
    {
        await _client.PostJsonAsync(Channels, """{ "channel_id": "pub-race", "hls": { "playlistSize": 4 } }""").ExpectAsync(HttpStatusCode.Created);
        var channels = host.Services.GetRequiredService<ChannelService>();

        var routers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => channels.EnsureRouterAsync("pub-race"))));

        Assert.Single(routers.Distinct());
        var hls = await _client.GetAsync($"{Channels}/pub-race/hls").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(4, hls.GetProperty("playlistSize").GetInt32());
    }

    [Fact]
    public async Task Ad_hoc_routers_are_listed_as_channels_that_do_not_persist()
    {
        await _client.CreateRouterAsync("adhoc-listed");
        await _client.PostJsonAsync(Channels, """{ "channel_id": "pub-listed-defined" }""").ExpectAsync(HttpStatusCode.Created);

        var list = (await _client.GetAsync(Channels).ExpectAsync(HttpStatusCode.OK)).EnumerateArray().ToList();

        var adhoc = list.Single(c => c.Id() == "adhoc-listed");
        Assert.False(adhoc.GetProperty("persistent").GetBoolean());
        Assert.Equal(JsonValueKind.Null, adhoc.GetProperty("settings").ValueKind);
        Assert.Equal("publisher", adhoc.GetProperty("source").GetString());
        var defined = list.Single(c => c.Id() == "pub-listed-defined");
        Assert.True(defined.GetProperty("persistent").GetBoolean());
        Assert.Equal("waiting", defined.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Defining_a_channel_with_the_id_of_a_running_router_is_a_conflict()
    {
        await _client.CreateRouterAsync("adhoc-taken");

        await _client.PostJsonAsync(Channels, """{ "channel_id": "adhoc-taken" }""").ExpectProblemAsync(HttpStatusCode.Conflict);
        await _client.PostJsonAsync(Channels, """{ "channel_id": "adhoc-taken", "rtsp": { "url": "rtsp://127.0.0.1:1/x" } }""")
            .ExpectProblemAsync(HttpStatusCode.Conflict);
        Assert.Null(await Store.FindAsync("adhoc-taken"));
    }

    [Fact]
    public async Task Deleting_a_waiting_channel_removes_its_definition()
    {
        await _client.PostJsonAsync(Channels, """{ "channel_id": "pub-delete" }""").ExpectAsync(HttpStatusCode.Created);

        await _client.DeleteAsync($"{Channels}/pub-delete").ExpectAsync(HttpStatusCode.NoContent);

        Assert.Null(await Store.FindAsync("pub-delete"));
        await _client.GetAsync($"{Channels}/pub-delete").ExpectProblemAsync(HttpStatusCode.NotFound);
        await _client.DeleteAsync($"{Channels}/pub-delete").ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_camera_channel_takes_no_publishers()
    {
        await _client.PostJsonAsync(Channels, """{ "channel_id": "cam-no-publishers", "rtsp": { "url": "rtsp://127.0.0.1:1/x" } }""")
            .ExpectAsync(HttpStatusCode.Created);
        var channels = host.Services.GetRequiredService<ChannelService>();

        await Assert.ThrowsAsync<Broadcast.Ingest.Routing.ConflictException>(() => channels.EnsureRouterAsync("cam-no-publishers"));
    }
}

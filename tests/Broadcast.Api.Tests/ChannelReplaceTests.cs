using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Broadcast.Api.State;
using Broadcast.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Broadcast.Api.Tests;

/// <summary>PUT /api/v1/channels/{id}: a channel's settings replaced, its camera session restarted, tokens and passwords kept unless given.</summary>
public sealed class ChannelReplaceTests(BroadcastHost host) : IClassFixture<BroadcastHost>
{
    private const string Channels = "api/v1/channels";
    private readonly HttpClient _client = host.Client;

    [Fact]
    public async Task A_camera_gets_its_new_address_at_once_and_keeps_its_password_when_none_is_given()
    {
        var (first, second) = (ClosedPort(), ClosedPort());
        await _client.PostJsonAsync(Channels, $$"""{ "channel_id": "put-cam", "rtsp": { "url": "rtsp://127.0.0.1:{{first}}/a", "username": "admin", "password": "hunter2-of-the-put-test" } }""")
            .ExpectAsync(HttpStatusCode.Created);

        using var response = await _client.PutAsync($"{Channels}/put-cam", Json($$"""{ "rtsp": { "url": "rtsp://127.0.0.1:{{second}}/b", "username": "admin", "transport": "udp" } }"""));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        var channel = JsonDocument.Parse(text).RootElement;
        Assert.Equal($"rtsp://127.0.0.1:{second}/b", channel.GetProperty("rtsp").GetProperty("url").GetString());
        Assert.Equal("udp", channel.GetProperty("settings").GetProperty("rtsp").GetProperty("transport").GetString());
        Assert.True(channel.GetProperty("settings").GetProperty("rtsp").GetProperty("hasCredentials").GetBoolean());
        var stored = (await host.Services.GetRequiredService<IChannelStore>().FindAsync("put-cam"))!;
        Assert.Equal("hunter2-of-the-put-test", stored.Rtsp!.Password);
        // The session now dials the new address.
        var live = await _client.GetAsync($"{Channels}/put-cam").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal($"rtsp://127.0.0.1:{second}/b", live.GetProperty("rtsp").GetProperty("url").GetString());
        Assert.False(channel.TryGetProperty("publishToken", out _));
    }

    [Fact]
    public async Task A_publisher_channel_keeps_its_token_unless_one_is_given_and_a_camera_turned_publisher_gets_one()
    {
        var created = await _client.PostJsonAsync(Channels, """{ "channel_id": "put-pub", "source": "webrtc" }""").ExpectAsync(HttpStatusCode.Created);
        var store = host.Services.GetRequiredService<IChannelStore>();
        var hash = (await store.FindAsync("put-pub"))!.PublishTokenHash;

        var kept = await _client.PutAsync($"{Channels}/put-pub", Json("""{ "source": "webrtc", "hls": { "format": "mpegts" } }""")).ExpectAsync(HttpStatusCode.OK);
        Assert.False(kept.TryGetProperty("publishToken", out _));
        Assert.Equal("mpegts", kept.GetProperty("settings").GetProperty("hls").GetProperty("format").GetString());
        Assert.Equal(hash, (await store.FindAsync("put-pub"))!.PublishTokenHash);
        Assert.Equal(created.GetProperty("createdAt").GetDateTimeOffset(), kept.GetProperty("createdAt").GetDateTimeOffset());

        var given = await _client.PutAsync($"{Channels}/put-pub", Json("""{ "source": "rtp", "publishToken": "a-new-token-of-the-put-test" }""")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("a-new-token-of-the-put-test", given.GetProperty("publishToken").GetString());
        Assert.Equal("rtp", given.GetProperty("source").GetString());

        var port = ClosedPort();
        await _client.PostJsonAsync(Channels, $$"""{ "channel_id": "put-turn", "rtsp": { "url": "rtsp://127.0.0.1:{{port}}/a" } }""").ExpectAsync(HttpStatusCode.Created);
        var turned = await _client.PutAsync($"{Channels}/put-turn", Json("""{ "source": "webrtc" }""")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(turned.GetProperty("publishToken").GetString()!.Length >= 16);
        Assert.Equal("waiting", turned.GetProperty("state").GetString()); // the camera's router closed with its session
    }

    [Fact]
    public async Task A_publisher_channel_with_a_live_router_turned_into_a_camera_gets_the_camera_session()
    {
        await _client.PostJsonAsync(Channels, """{ "channel_id": "put-live-pub", "source": "rtp", "publishToken": "token-of-the-put-live-test" }""")
            .ExpectAsync(HttpStatusCode.Created);
        using (var transport = new HttpRequestMessage(HttpMethod.Post, "api/v1/mediasoup/router/put-live-pub/rtp-transport")
        {
            Content = Json("""{ "comedia": true }"""),
            Headers = { { "X-Publish-Token", "token-of-the-put-live-test" } },
        })
        {
            using var created = await _client.SendAsync(transport);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode); // the publisher's router now runs
        }

        var port = ClosedPort();
        var camera = await _client.PutAsync($"{Channels}/put-live-pub", Json($$"""{ "rtsp": { "url": "rtsp://127.0.0.1:{{port}}/a" } }""")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("rtsp", camera.GetProperty("source").GetString());
        Assert.Contains(camera.GetProperty("state").GetString(), new[] { "connecting", "unreachable", "backing-off" });
        Assert.Equal($"rtsp://127.0.0.1:{port}/a", camera.GetProperty("rtsp").GetProperty("url").GetString());
    }

    [Fact]
    public async Task Misuse_is_a_problem_naming_what_is_wrong()
    {
        await _client.PostJsonAsync(Channels, """{ "channel_id": "put-misuse", "source": "webrtc" }""").ExpectAsync(HttpStatusCode.Created);
        await _client.CreateRouterAsync("put-adhoc");

        await _client.PutAsync($"{Channels}/put-nowhere", Json("""{ "source": "webrtc" }""")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await _client.PutAsync($"{Channels}/put-adhoc", Json("""{ "source": "webrtc" }""")).ExpectProblemAsync(HttpStatusCode.Conflict);
        await _client.PutAsync($"{Channels}/put-misuse", Json("""{ "channel_id": "other", "source": "webrtc" }""")).ExpectFieldProblemAsync("channel_id");
        await _client.PutAsync($"{Channels}/put-misuse", Json("""{ "source": "satellite" }""")).ExpectFieldProblemAsync("source");
        await _client.PutAsync($"{Channels}/put-misuse", Json("""{ "source": """)).ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}

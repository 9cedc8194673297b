using System.Net;
using System.Net.Sockets;
using Broadcast.Testing;

namespace Broadcast.Api.Tests;

/// <summary>Camera channels over the real host. A camera that is not there exercises the API without media (the end-to-end tests have cameras).</summary>
public sealed class ChannelApiTests(BroadcastHost host) : IClassFixture<BroadcastHost>
{
    private const string Channels = "api/v1/channels";
    private readonly HttpClient _client = host.Client;

    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static string Body(string id, string url, string extra = "") =>
        $$"""{ "channel_id": "{{id}}", "rtsp": { "url": "{{url}}"{{extra}} } }""";

    [Fact]
    public async Task Creating_a_camera_channel_returns_201_with_its_location_and_never_shows_the_password()
    {
        var port = ClosedPort();
        using var response = await _client.PostJsonAsync(Channels,
            Body("cam-create", $"rtsp://admin:hunter2@127.0.0.1:{port}/stream1", """, "transport": "udp" """));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/api/v1/channels/cam-create", response.Headers.Location?.OriginalString);
        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        var channel = await response.ReadJsonAsync();
        Assert.Equal("rtsp", channel.GetProperty("source").GetString());
        var rtsp = channel.GetProperty("rtsp");
        Assert.Equal($"rtsp://127.0.0.1:{port}/stream1", rtsp.GetProperty("url").GetString());
        Assert.Equal("udp", rtsp.GetProperty("transport").GetString());
        Assert.True(rtsp.GetProperty("hasCredentials").GetBoolean());
        Assert.Contains(channel.GetProperty("state").GetString(), new[] { "connecting", "unreachable" });
    }

    [Fact]
    public async Task A_camera_that_is_not_there_is_reported_unreachable_with_the_next_attempt_time()
    {
        await _client.PostJsonAsync(Channels, Body("cam-unreachable", $"rtsp://127.0.0.1:{ClosedPort()}/live")).ExpectAsync(HttpStatusCode.Created);

        var channel = default(System.Text.Json.JsonElement);
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            channel = await _client.GetAsync($"{Channels}/cam-unreachable").ExpectAsync(HttpStatusCode.OK);
            return channel.GetProperty("state").GetString() == "unreachable";
        }));

        var rtsp = channel.GetProperty("rtsp");
        Assert.True(rtsp.GetProperty("nextAttemptAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddSeconds(-1));
        Assert.Contains("refused", rtsp.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Empty(channel.GetProperty("tracks").EnumerateArray());
    }

    [Fact]
    public async Task A_camera_channel_router_takes_camera_codecs_and_its_own_hls_settings()
    {
        await _client.PostJsonAsync(Channels, $$"""
            { "channel_id": "cam-codecs", "rtsp": { "url": "rtsp://127.0.0.1:{{ClosedPort()}}/x" }, "hls": { "segmentSeconds": 4, "playlistSize": 3, "format": "mpegts" } }
            """).ExpectAsync(HttpStatusCode.Created);

        var router = await _client.GetAsync($"{ApiCalls.Mediasoup}/router/cam-codecs").ExpectAsync(HttpStatusCode.OK);
        var hls = await _client.GetAsync($"{Channels}/cam-codecs/hls").ExpectAsync(HttpStatusCode.OK);

        var codecs = router.GetProperty("rtpCapabilities").GetProperty("codecs").EnumerateArray().Select(c => c.GetProperty("mimeType").GetString()).ToList();
        Assert.Contains("video/H265", codecs);
        Assert.Contains("audio/MPEG4-GENERIC", codecs);
        Assert.Contains("audio/PCMA", codecs);
        Assert.Equal(4, hls.GetProperty("segmentSeconds").GetDouble());
        Assert.Equal(3, hls.GetProperty("playlistSize").GetInt32());
        Assert.Equal("mpegts", hls.GetProperty("format").GetString());
        var settings = await _client.GetAsync($"{Channels}/cam-codecs").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("mpegts", settings.GetProperty("settings").GetProperty("hls").GetProperty("format").GetString());
    }

    [Fact]
    public async Task A_channel_keeps_its_own_bitrate_ladder()
    {
        await _client.PostJsonAsync(Channels, """
            { "channel_id": "ladder", "source": "webrtc",
              "hls": { "renditions": [ { "name": "src", "copy": true }, { "name": "480p", "height": 480, "videoKbps": 1400 } ] } }
            """).ExpectAsync(HttpStatusCode.Created);

        var channel = await _client.GetAsync($"{Channels}/ladder").ExpectAsync(HttpStatusCode.OK);

        var ladder = channel.GetProperty("settings").GetProperty("hls").GetProperty("renditions").EnumerateArray().ToList();
        Assert.Equal(["src", "480p"], ladder.Select(r => r.GetProperty("name").GetString()));
        Assert.True(ladder[0].GetProperty("copy").GetBoolean());
        Assert.Equal((480, 1400), (ladder[1].GetProperty("height").GetInt32(), ladder[1].GetProperty("videoKbps").GetInt32()));
    }

    [Fact]
    public async Task Every_router_is_listed_as_a_channel_whatever_created_it()
    {
        await _client.CreateRouterAsync("pub-listed");
        await _client.PostJsonAsync(Channels, Body("cam-listed", $"rtsp://127.0.0.1:{ClosedPort()}/x")).ExpectAsync(HttpStatusCode.Created);

        var list = await _client.GetAsync(Channels).ExpectAsync(HttpStatusCode.OK);

        var publisher = list.EnumerateArray().Single(c => c.Id() == "pub-listed");
        Assert.Equal(("publisher", "idle"), (publisher.GetProperty("source").GetString(), publisher.GetProperty("state").GetString()));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, publisher.GetProperty("rtsp").ValueKind);
        Assert.Equal("rtsp", list.EnumerateArray().Single(c => c.Id() == "cam-listed").GetProperty("source").GetString());
    }

    [Fact]
    public async Task Deleting_a_channel_ends_it_and_its_router()
    {
        await _client.PostJsonAsync(Channels, Body("cam-delete", $"rtsp://127.0.0.1:{ClosedPort()}/x")).ExpectAsync(HttpStatusCode.Created);

        await _client.DeleteAsync($"{Channels}/cam-delete").ExpectAsync(HttpStatusCode.NoContent);

        await _client.GetAsync($"{Channels}/cam-delete").ExpectProblemAsync(HttpStatusCode.NotFound);
        await _client.GetAsync($"{ApiCalls.Mediasoup}/router/cam-delete").ExpectProblemAsync(HttpStatusCode.NotFound);
        await _client.DeleteAsync($"{Channels}/cam-delete").ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_duplicate_channel_id_is_a_conflict()
    {
        await _client.PostJsonAsync(Channels, Body("cam-twice", $"rtsp://127.0.0.1:{ClosedPort()}/x")).ExpectAsync(HttpStatusCode.Created);

        await _client.PostJsonAsync(Channels, Body("cam-twice", $"rtsp://127.0.0.1:{ClosedPort()}/x")).ExpectProblemAsync(HttpStatusCode.Conflict);
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { """{ "channel_id": "c1", "source": "rtsp" }""", "rtsp" },
        { """{ "source": "sctp" }""", "source" },
        { """{ "source": "webrtc", "rtsp": { "url": "rtsp://admin:hunter2@cam/x" } }""", "rtsp" },
        { """{ "source": "webrtc", "publishToken": "hunter2" }""", "publishToken" },
        { """{ "source": "rtp", "publishToken": "hunter2 hunter2 hunter2" }""", "publishToken" },
        { """{ "rtsp": { "url": "rtsp://cam/x" }, "publishToken": "hunter2-hunter2-hunter2" }""", "publishToken" },
        { """{ "retention": { "maxAgeSeconds": 0 } }""", "retention.maxAgeSeconds" },
        { """{ "retention": { "maxBytes": -1 } }""", "retention.maxBytes" },
        { """{ "idleTimeoutSeconds": 0 }""", "idleTimeoutSeconds" },
        { """{ "hls": { "signedUrls": "yes" } }""", "hls.signedUrls" },
        { """{ "rtsp": { } }""", "rtsp.url" },
        { """{ "rtsp": { "url": "http://admin:hunter2@cam/x" } }""", "rtsp.url" },
        { """{ "rtsp": { "url": "rtsp://cam/x", "transport": "sctp" } }""", "rtsp.transport" },
        { """{ "rtsp": { "url": "rtsp://cam/x", "password": "hunter2" } }""", "rtsp.username" },
        { """{ "rtsp": { "url": "rtsp://cam/x", "password": 5 } }""", "rtsp.password" },
        { """{ "rtsp": { "url": "rtsp://cam/x" }, "hls": { "segmentSeconds": 0.1 } }""", "hls.segmentSeconds" },
        { """{ "rtsp": { "url": "rtsp://cam/x" }, "hls": { "playlistSize": 0 } }""", "hls.playlistSize" },
        { """{ "rtsp": { "url": "rtsp://cam/x" }, "hls": { "format": "webm" } }""", "hls.format" },
        { """{ "rtsp": { "url": "rtsp://cam/x" }, "hls": { "renditions": [ { "name": "index", "copy": true } ] } }""", "hls.renditions" },
        { """{ "rtsp": { "url": "rtsp://cam/x" }, "hls": { "renditions": [ { "name": "720p", "height": 721, "videoKbps": 2800 } ] } }""", "hls.renditions" },
        { """{ "rtsp": { "url": "rtsp://cam/x" }, "hls": { "format": "mpegts", "renditions": [ { "name": "src", "copy": true } ] } }""", "hls.renditions" },
        { """{ "channel_id": "a b", "rtsp": { "url": "rtsp://cam/x" } }""", "channel_id" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_bad_body_is_a_400_naming_the_field_without_echoing_a_password(string body, string field)
    {
        var detail = await _client.PostJsonAsync(Channels, body).ExpectFieldProblemAsync(field);

        Assert.DoesNotContain("hunter2", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_channel_is_a_404_problem()
    {
        await _client.GetAsync($"{Channels}/no-such-channel").ExpectProblemAsync(HttpStatusCode.NotFound);
    }
}

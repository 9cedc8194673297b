using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Broadcast.Testing;

namespace Broadcast.Api.Tests;

public sealed class SignalingTests(BroadcastHost host) : IClassFixture<BroadcastHost>
{
    [Fact]
    public async Task Requests_are_answered_with_their_request_id_and_failures_come_back_as_error_messages()
    {
        using var socket = await ConnectAsync();

        var capabilities = await RequestAsync(socket, """{ "requestId": 1, "type": "getRouterRtpCapabilities", "data": { "channelId": "ws-cam" } }""");
        Assert.Equal(1, capabilities.GetProperty("requestId").GetInt32());
        Assert.Equal("routerCapabilities", capabilities.GetProperty("type").GetString());
        Assert.Equal("video/H264", capabilities.GetProperty("data").GetProperty("codecs")[0].GetProperty("mimeType").GetString());

        var created = await RequestAsync(socket, """{ "requestId": 2, "type": "createProducerTransport", "data": { "channelId": "ws-cam" } }""");
        Assert.Equal("producerTransportCreated", created.GetProperty("type").GetString());
        Assert.True(created.GetProperty("data").GetProperty("iceParameters").GetProperty("iceLite").GetBoolean());

        var unknown = await RequestAsync(socket, """{ "requestId": 3, "type": "dance", "data": {} }""");
        Assert.Equal("error", unknown.GetProperty("type").GetString());
        Assert.Equal(3, unknown.GetProperty("requestId").GetInt32());
        Assert.Equal(400, unknown.GetProperty("error").GetProperty("status").GetInt32());

        var missing = await RequestAsync(socket, """{ "requestId": 4, "type": "produce", "data": { "kind": "video" } }""");
        Assert.Equal("error", missing.GetProperty("type").GetString());
        Assert.Contains("transportId", missing.GetProperty("error").GetProperty("detail").GetString(), StringComparison.Ordinal);

        var foreign = await RequestAsync(socket, """{ "requestId": 5, "type": "connectProducerTransport", "data": { "transportId": "not-mine", "dtlsParameters": {} } }""");
        Assert.Equal(404, foreign.GetProperty("error").GetProperty("status").GetInt32());

        var garbage = await RequestAsync(socket, "this is not json");
        Assert.Equal("error", garbage.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Closing_the_socket_closes_the_transports_it_created()
    {
        string transportId;
        using (var socket = await ConnectAsync())
        {
            var created = await RequestAsync(socket, """{ "requestId": 1, "type": "createProducerTransport", "data": { "channelId": "ws-close" } }""");
            transportId = created.GetProperty("data").GetProperty("id").GetString()!;
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }

        Assert.True(await Eventually.TrueAsync(async () =>
        {
            using var response = await host.Client.GetAsync($"{ApiCalls.Mediasoup}/transport/{transportId}");
            return response.StatusCode == System.Net.HttpStatusCode.NotFound;
        }), "The transport outlived its signaling connection.");
    }

    [Fact]
    public async Task A_viewer_creates_a_recv_transport_consumes_paused_resumes_and_is_told_of_producers_coming_and_going()
    {
        var router = await host.Client.CreateRouterAsync("ws-view");
        var plain = await host.Client.CreatePlainTransportAsync("ws-view", """{ "comedia": true }""");
        var video = await host.Client.CreateProducerAsync(plain.Id(), ProducerBodies.H264WithRtx(5150));
        var capabilities = router.GetProperty("rtpCapabilities").GetRawText();
        using var socket = await ConnectAsync();
        var inbox = new Inbox(socket);

        var created = await inbox.RequestAsync("""{ "requestId": 1, "type": "create-transport", "data": { "channelId": "ws-view", "direction": "recv" } }""");
        Assert.Equal("transport-created", created.GetProperty("type").GetString());
        Assert.Equal("recv", created.GetProperty("data").GetProperty("direction").GetString());
        var transportId = created.GetProperty("data").GetProperty("id").GetString()!;

        var producers = await inbox.RequestAsync("""{ "requestId": 2, "type": "get-producers", "data": { "channelId": "ws-view" } }""");
        Assert.Equal(video.Id(), Assert.Single(producers.GetProperty("data").GetProperty("producers").EnumerateArray()).GetProperty("id").GetString());

        var consumed = await inbox.RequestAsync($$"""{ "requestId": 3, "type": "consume", "data": { "transportId": "{{transportId}}", "kind": "video", "rtpCapabilities": {{capabilities}} } }""");
        Assert.Equal("consumed", consumed.GetProperty("type").GetString());
        var consumer = consumed.GetProperty("data");
        var consumerId = consumer.GetProperty("id").GetString()!;
        Assert.Equal(video.Id(), consumer.GetProperty("producerId").GetString());
        Assert.Equal("0", consumer.GetProperty("rtpParameters").GetProperty("mid").GetString());
        Assert.True((await host.Client.GetAsync($"{ApiCalls.Mediasoup}/consumer/{consumerId}").ExpectAsync(System.Net.HttpStatusCode.OK))
            .GetProperty("paused").GetBoolean());

        var resumed = await inbox.RequestAsync($$"""{ "requestId": 4, "type": "resume-consumer", "data": { "consumerId": "{{consumerId}}" } }""");
        Assert.Equal("consumer-resumed", resumed.GetProperty("type").GetString());
        Assert.False((await host.Client.GetAsync($"{ApiCalls.Mediasoup}/consumer/{consumerId}").ExpectAsync(System.Net.HttpStatusCode.OK))
            .GetProperty("paused").GetBoolean());

        var audioTransport = await host.Client.CreatePlainTransportAsync("ws-view", """{ "comedia": true }""");
        var audio = await host.Client.CreateProducerAsync(audioTransport.Id(), ProducerBodies.Opus(6160));
        var added = await inbox.PushedAsync("new-producer");
        Assert.Equal((audio.Id(), "audio"), (added.GetProperty("producerId").GetString(), added.GetProperty("kind").GetString()));

        using (await host.Client.DeleteAsync($"{ApiCalls.Mediasoup}/producer/{video.Id()}")) { }
        var consumerClosed = await inbox.PushedAsync("consumer-closed");
        Assert.Equal(consumerId, consumerClosed.GetProperty("consumerId").GetString());
        var producerClosed = await inbox.PushedAsync("producer-closed");
        Assert.Equal(video.Id(), producerClosed.GetProperty("producerId").GetString());
    }

    [Fact]
    public async Task Viewer_requests_that_do_not_fit_are_errors_with_the_REST_status()
    {
        await host.Client.CreateRouterAsync("ws-misuse");
        using var socket = await ConnectAsync();
        var inbox = new Inbox(socket);

        var noDirection = await inbox.RequestAsync("""{ "requestId": 1, "type": "create-transport", "data": { "channelId": "ws-misuse" } }""");
        Assert.Equal(400, noDirection.GetProperty("error").GetProperty("status").GetInt32());
        var send = await inbox.RequestAsync("""{ "requestId": 2, "type": "create-transport", "data": { "channelId": "ws-misuse", "direction": "send" } }""");
        var sendId = send.GetProperty("data").GetProperty("id").GetString();
        var consumeOnSend = await inbox.RequestAsync($$"""{ "requestId": 3, "type": "consume", "data": { "transportId": "{{sendId}}", "kind": "video", "rtpCapabilities": { "codecs": [] } } }""");
        Assert.Equal(409, consumeOnSend.GetProperty("error").GetProperty("status").GetInt32());
        var unknown = await inbox.RequestAsync("""{ "requestId": 4, "type": "resume-consumer", "data": { "consumerId": "nope" } }""");
        Assert.Equal(404, unknown.GetProperty("error").GetProperty("status").GetInt32());
        var unknownChannel = await inbox.RequestAsync("""{ "requestId": 5, "type": "create-transport", "data": { "channelId": "ws-nobody", "direction": "recv" } }""");
        Assert.Equal(404, unknownChannel.GetProperty("error").GetProperty("status").GetInt32());
    }

    /// <summary>Reads replies by requestId and pushed events by type, keeping whatever arrives in between.</summary>
    private sealed class Inbox(ClientWebSocket socket)
    {
        private readonly List<JsonElement> _unread = [];

        public async Task<JsonElement> RequestAsync(string message)
        {
            var id = JsonDocument.Parse(message).RootElement.GetProperty("requestId").GetInt32();
            await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, CancellationToken.None);
            return await NextAsync(m => m.TryGetProperty("requestId", out var r) && r.ValueKind == JsonValueKind.Number && r.GetInt32() == id);
        }

        public async Task<JsonElement> PushedAsync(string type) =>
            (await NextAsync(m => m.GetProperty("type").GetString() == type && !m.TryGetProperty("requestId", out _))).GetProperty("data");

        private async Task<JsonElement> NextAsync(Func<JsonElement, bool> match)
        {
            using var timeout = new CancellationTokenSource(Eventually.DefaultTimeout);
            while (true)
            {
                var found = _unread.FindIndex(m => match(m));
                if (found >= 0)
                {
                    var message = _unread[found];
                    _unread.RemoveAt(found);
                    return message;
                }

                var buffer = new byte[64 * 1024];
                var result = await socket.ReceiveAsync(buffer, timeout.Token);
                _unread.Add(JsonDocument.Parse(buffer.AsMemory(0, result.Count)).RootElement.Clone());
            }
        }
    }

    private async Task<ClientWebSocket> ConnectAsync()
    {
        var socket = new ClientWebSocket();
        var uri = new UriBuilder(host.BaseAddress) { Scheme = "ws", Path = "/api/v1/signaling" }.Uri;
        await socket.ConnectAsync(uri, CancellationToken.None);
        return socket;
    }

    private static async Task<JsonElement> RequestAsync(ClientWebSocket socket, string message)
    {
        await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(Eventually.DefaultTimeout);
        var result = await socket.ReceiveAsync(buffer, timeout.Token);
        return JsonDocument.Parse(buffer.AsMemory(0, result.Count)).RootElement.Clone();
    }
}

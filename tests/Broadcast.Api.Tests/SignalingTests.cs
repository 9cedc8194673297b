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

using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Broadcast.Api.Channels;
using Broadcast.Api.Runtime;
using Broadcast.Api.Http;
using Broadcast.Api.Security;

namespace Broadcast.Api.Signaling;

/// <summary>
/// WebSocket signaling for browser publishers using mediasoup-client, with the seed's request/response pairs:
/// getRouterRtpCapabilities → routerCapabilities, createProducerTransport → producerTransportCreated,
/// connectProducerTransport → producerConnected, produce → produced. Every message is
/// <c>{ "requestId": n, "type": "...", "data": {...} }</c>; a failure answers <c>{ "requestId": n, "type": "error",
/// "error": { status, title, detail, field? } }</c> (the same content as the REST problem details). The channel's
/// router is created on first use (with a defined channel's HLS profile). Closing the socket closes the transports it created.
/// </summary>
/// <remarks>
/// Access: the requests that name a channel (getRouterRtpCapabilities, createProducerTransport) carry its publish
/// token as <c>data.token</c>; connectProducerTransport and produce act on transports the connection created, so they
/// need none. Not the URL: browsers cannot set headers on a WebSocket, and query strings end up in access logs. An
/// admin credential on the upgrade request (Authorization: Bearer JWT or X-Api-Key, for scripts; a loopback client in
/// the open default) replaces the token. A refusal is an error reply with status 401 or 403. In the open default an
/// upgrade from a browser page of another origin than the appliance's or CORS_ORIGIN's is refused with 403.
/// </remarks>
public static class SignalingEndpoint
{
    public const string Path = "/api/v1/signaling";
    private const int MaxMessageBytes = 256 * 1024;

    public static IEndpointRouteBuilder MapSignaling(this IEndpointRouteBuilder app)
    {
        app.Map(Path, HandleAsync).WithName("Signaling").WithTags("Signaling")
            .WithSummary("WebSocket signaling for mediasoup-client publishers (see the README for the messages).");
        return app;
    }

    private static async Task HandleAsync(HttpContext context, ChannelService channels, WebRtcHost webRtc, BroadcastAccess access)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "WebSocket expected",
                detail: $"Connect to {Path} with a WebSocket.").ExecuteAsync(context);
            return;
        }

        if (access.CheckSignalingOrigin(context) is { } refusal)
        {
            await Results.Problem(statusCode: refusal.Status, title: refusal.Title, detail: refusal.Detail).ExecuteAsync(context);
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var session = new SignalingSession(channels, webRtc, (channelId, token) => access.CheckPublisherAsync(context, channelId, token));
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var message = await ReceiveAsync(socket, context.RequestAborted);
                if (message is null)
                {
                    break;
                }

                var reply = await session.HandleAsync(message);
                await socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(reply, ApiJson.Options), WebSocketMessageType.Text, true,
                    context.RequestAborted);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // the publisher went away
        }
        finally
        {
            await session.CloseAsync();
        }
    }

    private static async Task<JsonNode?> ReceiveAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(chunk, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
                return null;
            }

            buffer.Write(chunk, 0, result.Count);
            if (buffer.Length > MaxMessageBytes)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "message too big", cancellationToken);
                return null;
            }

            if (result.EndOfMessage)
            {
                try
                {
                    return JsonNode.Parse(buffer.ToArray()) ?? new JsonObject();
                }
                catch (JsonException)
                {
                    return new JsonObject { ["type"] = "malformed" };
                }
            }
        }
    }
}

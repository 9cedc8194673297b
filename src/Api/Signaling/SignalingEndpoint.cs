using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Broadcast.Api.Channels;
using Broadcast.Api.Runtime;
using Broadcast.Api.Http;
using Broadcast.Api.Security;
using Microsoft.AspNetCore.Authorization;

namespace Broadcast.Api.Signaling;

/// <summary>
/// WebSocket signaling for mediasoup-client publishers and viewers, with the seed's request/response pairs:
/// getRouterRtpCapabilities → routerCapabilities, createProducerTransport → producerTransportCreated,
/// connectProducerTransport → producerConnected, produce → produced; and the seed's viewer events:
/// create-transport {direction: send|recv} → transport-created, connect-transport → transport-connected,
/// consume {producerId | kind, rtpCapabilities} → consumed (paused), resume-consumer / pause-consumer →
/// consumer-resumed / consumer-paused, get-producers → producers; pushed without requestId to a connection with a
/// recv transport on the channel: new-producer, producer-closed, consumer-closed, channel-closed. Every message is
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
            .WithSummary("WebSocket signaling for mediasoup-client publishers and viewers (see the README for the messages).");
        return app;
    }

    private static async Task HandleAsync(HttpContext context, ChannelService channels, WebRtcHost webRtc, BroadcastAccess access,
        HlsViewerAccess viewers, IAuthorizationService authorization)
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
        // One writer: replies and pushed events leave in order through a bounded outbox. Events come from media workers,
        // which must never wait on a slow client: a client that lets the outbox fill up is disconnected rather than
        // left to miss events silently (it reconnects and asks get-producers again).
        var outbox = Channel.CreateBounded<JsonObject>(new BoundedChannelOptions(OutboxCapacity) { SingleReader = true });
        var droppedEvents = 0;
        var closing = 0; // set as the connection ends: events from consumers closing with it go nowhere, quietly
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var writer = WriteAsync(socket, outbox.Reader, stop.Token);
        var session = new SignalingSession(channels, webRtc,
            (channelId, token) => access.CheckPublisherAsync(context, channelId, token),
            channelId => CheckViewerAsync(context, viewers, authorization, channelId),
            message =>
            {
                if (Volatile.Read(ref closing) == 0 && !outbox.Writer.TryWrite(message) && Interlocked.Increment(ref droppedEvents) == 1)
                {
                    context.Abort();
                }
            });
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var message = await ReceiveAsync(socket, context.RequestAborted);
                if (message is null)
                {
                    break;
                }

                await outbox.Writer.WriteAsync(await session.HandleAsync(message), context.RequestAborted);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // the client went away
        }
        finally
        {
            Volatile.Write(ref closing, 1);
            await session.CloseAsync();
            outbox.Writer.TryComplete();
            await stop.CancelAsync();
            await writer;
            if (droppedEvents > 0)
            {
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SignalingEndpoint))
                    .LogWarning("Signaling connection closed: its client read too slowly ({Count} events could not be queued).", droppedEvents);
            }
        }
    }

    private const int OutboxCapacity = 256;

    private static async Task WriteAsync(WebSocket socket, ChannelReader<JsonObject> outbox, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in outbox.ReadAllAsync(cancellationToken))
            {
                await socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message, ApiJson.Options), WebSocketMessageType.Text, true,
                    cancellationToken);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // the client went away or the connection ended
        }
    }

    private static async Task<AccessRefusal?> CheckViewerAsync(HttpContext context, HlsViewerAccess viewers, IAuthorizationService authorization,
        string channelId) => (await viewers.CheckRealTimeViewerAsync(context, authorization, channelId)).Refusal;

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

using System.Text.Json;
using System.Text.Json.Nodes;
using Broadcast.Api.Channels;
using Broadcast.Api.Contracts;
using Broadcast.Api.Runtime;
using Broadcast.Api.Http;
using Broadcast.Api.Security;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Transports;

namespace Broadcast.Api.Signaling;

/// <summary>One signaling connection: answers requests in order and owns the transports it created.</summary>
/// <param name="channels">Gives a channel its router (with a defined channel's HLS profile).</param>
/// <param name="webRtc">Creates the WebRTC transports.</param>
/// <param name="checkPublisher">Null when the connection may publish to a channel with a token (data.token), else why not.</param>
internal sealed class SignalingSession(ChannelService channels, WebRtcHost webRtc, Func<string, string?, Task<AccessRefusal?>> checkPublisher)
{
    private readonly List<WebRtcTransport> _transports = [];

    public async Task<JsonObject> HandleAsync(JsonNode message)
    {
        var requestId = message["requestId"]?.DeepClone();
        try
        {
            var type = message["type"]?.GetValue<string>() ?? throw new InvalidFieldException("type", "type is required.");
            var data = message["data"] as JsonObject ?? [];
            var (replyType, payload) = type switch
            {
                "getRouterRtpCapabilities" => ("routerCapabilities", Serialize((await RouterAsync(data)).RtpCapabilities)),
                "createProducerTransport" => ("producerTransportCreated", await CreateTransportAsync(data)),
                "connectProducerTransport" => ("producerConnected", await ConnectAsync(data)),
                "produce" => ("produced", await ProduceAsync(data)),
                _ => throw new InvalidFieldException("type", $"Unknown request type '{type}'."),
            };
            return new JsonObject { ["requestId"] = requestId, ["type"] = replyType, ["data"] = payload };
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var problem = ApiExceptionHandler.Describe(ex is JsonException json ? ToFieldError(json) : ex);
            return new JsonObject
            {
                ["requestId"] = requestId,
                ["type"] = "error",
                ["error"] = JsonSerializer.SerializeToNode(problem, ApiJson.Options),
            };
        }
    }

    public async Task CloseAsync()
    {
        foreach (var transport in _transports)
        {
            await transport.CloseAsync();
        }
    }

    private async Task<Router> RouterAsync(JsonObject data)
    {
        var channelId = data["channelId"]?.GetValue<string>() ?? throw new InvalidFieldException("data.channelId", "channelId is required.");
        var token = data["token"] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
        if (await checkPublisher(channelId, token) is { } refusal)
        {
            throw new AccessRefusedException(refusal);
        }

        return await channels.EnsureRouterAsync(channelId);
    }

    private async Task<JsonNode?> CreateTransportAsync(JsonObject data)
    {
        var router = await RouterAsync(data);
        var transport = await webRtc.CreateTransportAsync(router, null);
        _transports.Add(transport);
        var description = await transport.Worker.InvokeAsync(() => WebRtcTransportResponse.From(transport));
        return new JsonObject
        {
            ["id"] = description.Id,
            ["iceParameters"] = Serialize(description.IceParameters),
            ["iceCandidates"] = Serialize(description.IceCandidates),
            ["dtlsParameters"] = Serialize(description.DtlsParameters),
        };
    }

    private async Task<JsonNode?> ConnectAsync(JsonObject data)
    {
        var transport = OwnTransport(data);
        var parameters = data["dtlsParameters"].Deserialize<DtlsParameters>(ApiJson.Options);
        await transport.ConnectAsync(parameters);
        return new JsonObject();
    }

    private async Task<JsonNode?> ProduceAsync(JsonObject data)
    {
        var transport = OwnTransport(data);
        var kind = data["kind"]?.GetValue<string>();
        var parameters = data["rtpParameters"].Deserialize<RtpParameters>(ApiJson.Options);
        var producer = await transport.ProduceAsync(null, kind, parameters, paused: false);
        return new JsonObject { ["id"] = producer.Id };
    }

    private WebRtcTransport OwnTransport(JsonObject data)
    {
        var id = data["transportId"]?.GetValue<string>() ?? throw new InvalidFieldException("data.transportId", "transportId is required.");
        return _transports.Find(t => t.Id == id) ?? throw new NotFoundException("transport", id);
    }

    private static JsonNode? Serialize<T>(T value) => JsonSerializer.SerializeToNode(value, ApiJson.Options);

    private static InvalidFieldException ToFieldError(JsonException exception)
    {
        var (field, message) = JsonBody.Describe(exception);
        return new InvalidFieldException($"data.{field.TrimStart('$', '.')}", message);
    }
}

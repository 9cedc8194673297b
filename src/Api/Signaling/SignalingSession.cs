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

/// <summary>
/// One signaling connection: answers requests in order, owns the transports and consumers it created, and pushes
/// channel events (new-producer, producer-closed, consumer-closed) to it once it watches a channel through a recv
/// transport.
/// </summary>
/// <param name="channels">Gives a channel its router (with a defined channel's HLS profile).</param>
/// <param name="webRtc">Creates the WebRTC transports.</param>
/// <param name="checkPublisher">Null when the connection may publish to a channel with a token (data.token), else why not.</param>
/// <param name="checkViewer">Null when the connection may watch a channel (its HLS rule), else why not.</param>
/// <param name="push">Queues a message that answers no request; never blocks (called on media workers).</param>
internal sealed class SignalingSession(ChannelService channels, WebRtcHost webRtc, Func<string, string?, Task<AccessRefusal?>> checkPublisher,
    Func<string, Task<AccessRefusal?>> checkViewer, Action<JsonObject> push)
{
    private readonly Dictionary<string, (WebRtcTransport Transport, bool Receives)> _transports = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Consumer> _consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (Router Router, ChannelWatcher Watcher)> _watched = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    public async Task<JsonObject> HandleAsync(JsonNode message)
    {
        var requestId = message["requestId"]?.DeepClone();
        try
        {
            var type = message["type"]?.GetValue<string>() ?? throw new InvalidFieldException("type", "type is required.");
            var data = message["data"] as JsonObject ?? [];
            var (replyType, payload) = type switch
            {
                "getRouterRtpCapabilities" => ("routerCapabilities", Serialize((await AnyRouterAsync(data)).RtpCapabilities)),
                "createProducerTransport" => ("producerTransportCreated", await CreateTransportAsync(data, receives: false)),
                "connectProducerTransport" => ("producerConnected", await ConnectAsync(data)),
                "produce" => ("produced", await ProduceAsync(data)),
                "create-transport" => ("transport-created", await CreateTransportAsync(data, receives: ReadDirection(data))),
                "connect-transport" => ("transport-connected", await ConnectAsync(data)),
                "consume" => ("consumed", await ConsumeAsync(data)),
                "resume-consumer" => ("consumer-resumed", await SetPausedAsync(data, paused: false)),
                "pause-consumer" => ("consumer-paused", await SetPausedAsync(data, paused: true)),
                "get-producers" => ("producers", await ProducersAsync(data)),
                _ => throw new InvalidFieldException("type", $"Unknown request type '{type}'."),
            };
            return new JsonObject { ["requestId"] = requestId, ["type"] = replyType, ["data"] = payload };
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return Error(requestId, ex);
        }
    }

    /// <summary>The error message for a failed request: the REST problem details' content.</summary>
    public static JsonObject Error(JsonNode? requestId, Exception exception)
    {
        var problem = ApiExceptionHandler.Describe(exception is JsonException json ? ToFieldError(json) : exception);
        return new JsonObject
        {
            ["requestId"] = requestId,
            ["type"] = "error",
            ["error"] = JsonSerializer.SerializeToNode(problem, ApiJson.Options),
        };
    }

    public async Task CloseAsync()
    {
        List<WebRtcTransport> transports;
        List<(Router Router, ChannelWatcher Watcher)> watched;
        lock (_gate)
        {
            transports = [.. _transports.Values.Select(t => t.Transport)];
            watched = [.. _watched.Values];
            _transports.Clear();
            _watched.Clear();
        }

        foreach (var (router, watcher) in watched)
        {
            watcher.Stop();
            try
            {
                await router.Worker.InvokeAsync(() => router.RemoveObserver(watcher));
            }
            catch (ObjectDisposedException)
            {
                // the media plane stopped first
            }
        }

        foreach (var transport in transports)
        {
            await transport.CloseAsync();
        }
    }

    private static bool ReadDirection(JsonObject data) => data["direction"]?.GetValue<string>() switch
    {
        "recv" => true,
        "send" => false,
        _ => throw new InvalidFieldException("data.direction", "direction is \"send\" (publish) or \"recv\" (watch)."),
    };

    private static string ChannelId(JsonObject data) =>
        data["channelId"]?.GetValue<string>() ?? throw new InvalidFieldException("data.channelId", "channelId is required.");

    private async Task<Router> PublisherRouterAsync(JsonObject data)
    {
        var channelId = ChannelId(data);
        var token = data["token"] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
        if (await checkPublisher(channelId, token) is { } refusal)
        {
            throw new AccessRefusedException(refusal);
        }

        return await channels.EnsureRouterAsync(channelId);
    }

    /// <summary>The router for a connection that may watch the channel or, failing that, publish to it (device.load needs its capabilities either way).</summary>
    private async Task<Router> AnyRouterAsync(JsonObject data) =>
        await checkViewer(ChannelId(data)) is null ? await ViewerRouterAsync(data) : await PublisherRouterAsync(data);

    private async Task<Router> ViewerRouterAsync(JsonObject data)
    {
        var channelId = ChannelId(data);
        if (await checkViewer(channelId) is { } refusal)
        {
            throw new AccessRefusedException(refusal);
        }

        return await channels.ViewerRouterAsync(channelId);
    }

    private async Task<JsonNode?> CreateTransportAsync(JsonObject data, bool receives)
    {
        var router = receives ? await ViewerRouterAsync(data) : await PublisherRouterAsync(data);
        var transport = await webRtc.CreateTransportAsync(router, null);
        lock (_gate)
        {
            _transports[transport.Id] = (transport, receives);
        }

        if (receives)
        {
            await WatchAsync(router);
        }

        var description = await transport.Worker.InvokeAsync(() => WebRtcTransportResponse.From(transport));
        return new JsonObject
        {
            ["id"] = description.Id,
            ["iceParameters"] = Serialize(description.IceParameters),
            ["iceCandidates"] = Serialize(description.IceCandidates),
            ["dtlsParameters"] = Serialize(description.DtlsParameters),
            ["direction"] = receives ? "recv" : "send",
        };
    }

    /// <summary>Pushes the channel's producer events to this connection from now on (once per channel).</summary>
    private async Task WatchAsync(Router router)
    {
        var watcher = new ChannelWatcher(router.Id, push);
        lock (_gate)
        {
            // A channel whose router closed and came back is watched again through its new router.
            if (_watched.TryGetValue(router.Id, out var watched) && ReferenceEquals(watched.Router, router))
            {
                return;
            }

            watched.Watcher?.Stop();
            _watched[router.Id] = (router, watcher);
        }

        await router.Worker.InvokeAsync(() => router.AddObserver(watcher));
    }

    private async Task<JsonNode?> ConnectAsync(JsonObject data)
    {
        var (transport, _) = OwnTransport(data);
        var parameters = data["dtlsParameters"].Deserialize<DtlsParameters>(ApiJson.Options);
        await transport.ConnectAsync(parameters);
        return new JsonObject { ["transportId"] = transport.Id };
    }

    private async Task<JsonNode?> ProduceAsync(JsonObject data)
    {
        var (transport, receives) = OwnTransport(data);
        if (receives)
        {
            throw new ConflictException($"transport '{transport.Id}' was created to receive (direction \"recv\"): produce on a send transport.");
        }

        var kind = data["kind"]?.GetValue<string>();
        var parameters = data["rtpParameters"].Deserialize<RtpParameters>(ApiJson.Options);
        var producer = await transport.ProduceAsync(null, kind, parameters, paused: false);
        return new JsonObject { ["id"] = producer.Id };
    }

    private async Task<JsonNode?> ConsumeAsync(JsonObject data)
    {
        var (transport, receives) = OwnTransport(data);
        if (!receives)
        {
            throw new ConflictException($"transport '{transport.Id}' was created to send (direction \"send\"): consume on a recv transport.");
        }

        var capabilities = data["rtpCapabilities"].Deserialize<RtpCapabilities>(ApiJson.Options);
        var producerId = data["producerId"]?.GetValue<string>();
        if (producerId is null)
        {
            var kind = data["kind"]?.GetValue<string>()
                ?? throw new InvalidFieldException("data.producerId", "producerId (or kind, for the channel's producer of that kind) is required.");
            var router = transport.Router;
            producerId = await router.Worker.InvokeAsync(() => router.Producers.FirstOrDefault(p => p.Kind == kind)?.Id)
                ?? throw new NotFoundException($"{kind} producer of channel", router.Id);
        }

        var consumer = await transport.ConsumeAsync(new ConsumeOptions { ProducerId = producerId, RtpCapabilities = capabilities, Paused = true });
        lock (_gate)
        {
            _consumers[consumer.Id] = consumer;
        }

        return await transport.Worker.InvokeAsync(() =>
        {
            consumer.Closed += (closed, reason) =>
            {
                lock (_gate)
                {
                    _consumers.Remove(closed.Id);
                }

                if (reason == ConsumerCloseReason.ProducerClosed)
                {
                    PushConsumerClosed(closed);
                }
            };
            if (consumer.IsClosed && consumer.CloseReason == ConsumerCloseReason.ProducerClosed)
            {
                PushConsumerClosed(consumer); // its producer closed before anyone listened
            }

            return (JsonNode)new JsonObject
            {
                ["id"] = consumer.Id,
                ["producerId"] = consumer.ProducerId,
                ["kind"] = consumer.Kind,
                ["rtpParameters"] = Serialize(consumer.RtpParameters),
                ["type"] = consumer.Type,
                ["producerPaused"] = consumer.ProducerPaused,
            };
        });
    }

    private void PushConsumerClosed(Consumer consumer) => push(new JsonObject
    {
        ["type"] = "consumer-closed",
        ["data"] = new JsonObject { ["consumerId"] = consumer.Id, ["producerId"] = consumer.ProducerId, ["reason"] = "producer-closed" },
    });

    private async Task<JsonNode?> SetPausedAsync(JsonObject data, bool paused)
    {
        var id = data["consumerId"]?.GetValue<string>() ?? throw new InvalidFieldException("data.consumerId", "consumerId is required.");
        Consumer? consumer;
        lock (_gate)
        {
            consumer = _consumers.GetValueOrDefault(id);
        }

        if (consumer is null)
        {
            throw new NotFoundException("consumer", id);
        }

        await (paused ? consumer.PauseAsync() : consumer.ResumeAsync());
        return new JsonObject { ["consumerId"] = id };
    }

    private async Task<JsonNode?> ProducersAsync(JsonObject data)
    {
        var router = await ViewerRouterAsync(data);
        var producers = await router.Worker.InvokeAsync(() => router.Producers.Select(p => new JsonObject { ["id"] = p.Id, ["kind"] = p.Kind }).ToList());
        return new JsonObject { ["channelId"] = router.Id, ["producers"] = new JsonArray([.. producers]) };
    }

    private (WebRtcTransport Transport, bool Receives) OwnTransport(JsonObject data)
    {
        var id = data["transportId"]?.GetValue<string>() ?? throw new InvalidFieldException("data.transportId", "transportId is required.");
        lock (_gate)
        {
            return _transports.TryGetValue(id, out var owned) ? owned : throw new NotFoundException("transport", id);
        }
    }

    private static JsonNode? Serialize<T>(T value) => JsonSerializer.SerializeToNode(value, ApiJson.Options);

    private static InvalidFieldException ToFieldError(JsonException exception)
    {
        var (field, message) = JsonBody.Describe(exception);
        return new InvalidFieldException($"data.{field.TrimStart('$', '.')}", message);
    }

    /// <summary>Turns a channel's producer events into pushed messages; runs on the router's worker and only queues.</summary>
    private sealed class ChannelWatcher(string channelId, Action<JsonObject> push) : IRouterObserver
    {
        private volatile bool _stopped;

        public void Stop() => _stopped = true;

        public Task OnRouterClosingAsync(Router router) => Task.CompletedTask;

        public void OnProducerAdded(Producer producer) => Push("new-producer",
            new JsonObject { ["channelId"] = channelId, ["producerId"] = producer.Id, ["kind"] = producer.Kind });

        public void OnProducerClosed(Producer producer) => Push("producer-closed",
            new JsonObject { ["channelId"] = channelId, ["producerId"] = producer.Id, ["kind"] = producer.Kind });

        public void OnRouterClosed(Router router) => Push("channel-closed", new JsonObject { ["channelId"] = channelId });

        private void Push(string type, JsonObject data)
        {
            if (!_stopped)
            {
                push(new JsonObject { ["type"] = type, ["data"] = data });
            }
        }
    }
}

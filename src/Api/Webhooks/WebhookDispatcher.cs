using System.Text.Json;
using System.Threading.Channels;
using Broadcast.Api.Jobs;
using Broadcast.Ingest.Events;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Sources;
using Hangfire;
using Hangfire.States;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Webhooks;

/// <summary>
/// Receives channel events (cameras, FFmpeg restarts, channel definitions, and publishers arriving and leaving, which
/// it watches on every router itself) and turns each into one delivery per interested endpoint: recorded, then sent by
/// <see cref="WebhookDeliveryJob"/> through Hangfire, which retries with backoff. Publish only queues the event: it is
/// called on worker loops and RTSP session loops, which must not wait on a database.
/// </summary>
public sealed class WebhookDispatcher : IChannelEventSink, IHostedService, IDisposable
{
    private const int QueueCapacity = 10_000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly ILogger<WebhookDispatcher> _logger;
    private readonly Channel<ChannelEvent> _queue = Channel.CreateBounded<ChannelEvent>(
        new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private long _dropped;
    private WebhookOptions? _options;
    private bool _stopped;

    /// <remarks>Settings are read when it starts, not here: hosted services are made before the options are validated.</remarks>
    public WebhookDispatcher(IServiceProvider services, TimeProvider time, ILogger<WebhookDispatcher> logger)
    {
        _services = services;
        _time = time;
        _logger = logger;
    }

    /// <summary>Events dropped because the queue was full (the database or Hangfire far behind).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Publish(ChannelEvent channelEvent)
    {
        // Before the start has read the settings (cameras restored early) events wait in the queue; after the stop
        // (routers closing as the appliance shuts down) there is nobody left to send them.
        if (Volatile.Read(ref _options) is { Endpoints.Count: 0 } || Volatile.Read(ref _stopped))
        {
            return;
        }

        if (!_queue.Writer.TryWrite(channelEvent))
        {
            Interlocked.Increment(ref _dropped);
            _logger.LogWarning("Webhook queue full: {Type} of channel {Channel} dropped", channelEvent.Type, channelEvent.ChannelId);
        }
    }

    /// <summary>Watches every router for its publisher (the first producer arriving, the last one leaving).</summary>
    public void Watch(MediaServer media) => media.OnRouterCreated(router => router.AddObserver(new PublisherObserver(this, router)));

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _options, _services.GetRequiredService<IOptions<WebhookOptions>>().Value);
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _stopped, true);
        _queue.Writer.TryComplete();
        if (_loop is not null)
        {
            // What is queued is recorded and enqueued before the appliance stops, within the host's shutdown time.
            try
            {
                await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await _stopping.CancelAsync().ConfigureAwait(false); // out of time: what is left is dropped
            }
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task RunAsync(CancellationToken stopping)
    {
        await foreach (var channelEvent in _queue.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
        {
            try
            {
                await DispatchAsync(channelEvent, stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogWarning(e, "Webhook {Type} of channel {Channel} could not be queued for delivery", channelEvent.Type, channelEvent.ChannelId);
            }
        }
    }

    private async Task DispatchAsync(ChannelEvent channelEvent, CancellationToken cancellationToken)
    {
        var options = _options!;
        var host = _services.GetRequiredService<JobHost>();
        var store = _services.GetRequiredService<IWebhookDeliveryStore>();
        var jobs = _services.GetRequiredService<IBackgroundJobClient>();
        for (var i = 0; i < options.Endpoints.Count; i++)
        {
            var endpoint = options.Endpoints[i];
            if (!endpoint.Wants(channelEvent.Type))
            {
                continue;
            }

            var id = Guid.NewGuid().ToString("N");
            var payload = JsonSerializer.Serialize(new WebhookPayload(id, channelEvent.Type, channelEvent.ChannelId, channelEvent.At, host.Name,
                channelEvent.Details), Json);
            await store.AddAsync(new WebhookDelivery(id, WebhookOptionsValidator.NameOf(options, i), endpoint.Url, channelEvent.Type,
                channelEvent.ChannelId, payload, channelEvent.At, WebhookDeliveryStates.Pending, 0, null, null, null, null), cancellationToken)
                .ConfigureAwait(false);
            // Any appliance sharing the database may send it: the delivery row holds everything but the secret.
            jobs.Create<WebhookDeliveryJob>(job => job.DeliverAsync(id, CancellationToken.None), new EnqueuedState(JobHost.SharedQueue));
        }
    }

    private void PublishNow(string type, Router router, Producer producer) => Publish(new ChannelEvent(type, router.Id, _time.GetUtcNow(),
        new Dictionary<string, string?> { ["producerId"] = producer.Id, ["kind"] = producer.Kind, ["transport"] = producer.Transport.GetType().Name }));

    // On the router's worker. A camera's producers are the camera's: its state changes say more (camera.state-changed).
    private sealed class PublisherObserver(WebhookDispatcher dispatcher, Router router) : IRouterObserver
    {
        private bool IsCamera => dispatcher._services.GetRequiredService<RtspSourceRegistry>().Find(router.Id) is not null;

        public void OnProducerAdded(Producer producer)
        {
            if (router.Producers.Count == 1 && !IsCamera)
            {
                dispatcher.PublishNow(ChannelEventTypes.PublisherConnected, router, producer);
            }
        }

        public void OnProducerClosed(Producer producer)
        {
            if (router.Producers.Count == 0 && !IsCamera)
            {
                dispatcher.PublishNow(ChannelEventTypes.PublisherGone, router, producer);
            }
        }

        public Task OnRouterClosingAsync(Router closing) => Task.CompletedTask;

        public void OnRouterClosed(Router closed)
        {
        }
    }
}

/// <summary>The JSON body of a webhook.</summary>
/// <param name="Id">The delivery id (the same in every retry).</param>
/// <param name="Type">The event type.</param>
/// <param name="ChannelId">The channel.</param>
/// <param name="OccurredAt">When it happened.</param>
/// <param name="Appliance">The appliance that saw it.</param>
/// <param name="Data">The event's details.</param>
public sealed record WebhookPayload(string Id, string Type, string ChannelId, DateTimeOffset OccurredAt, string Appliance,
    IReadOnlyDictionary<string, string?> Data);

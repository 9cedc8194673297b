using System.Collections.Concurrent;
using Broadcast.Ingest.Net;
using Microsoft.Extensions.Options;

namespace Broadcast.Ingest.Routing;

/// <summary>
/// The media plane: worker loops, the routers assigned to them round-robin, and an index of every object by id for
/// the API. Ids are unique across routers, transports, producers and consumers; a duplicate is a conflict.
/// </summary>
public sealed class MediaServer : IRouterParent, IDisposable, IAsyncDisposable
{
    private static readonly object Reserved = new();

    private readonly ConcurrentDictionary<string, Router> _routers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, object> _objects = new(StringComparer.Ordinal);
    private readonly List<Action<Router>> _routerCreatedHandlers = [];

    public MediaServer(IOptions<MediaOptions> options, TimeProvider time)
    {
        Options = options.Value;
        Time = time;
        Workers = new WorkerPool(Options.EffectiveWorkers, time);
        RtpCapabilities = Ortc.GenerateRouterRtpCapabilities(Options.MediaCodecs);
        Ports = new PortAllocator(Options.MinPort, Options.MaxPort);
    }

    public MediaOptions Options { get; }
    public TimeProvider Time { get; }
    public WorkerPool Workers { get; }
    public PortAllocator Ports { get; }

    /// <summary>Routers created without codecs of their own get these capabilities (spec §1).</summary>
    public RtpCapabilities RtpCapabilities { get; }

    public ICollection<Router> Routers => _routers.Values;

    /// <summary>Registers a callback run (on the new router's worker) for every router created; the HLS pipeline hooks in here.</summary>
    public void OnRouterCreated(Action<Router> handler)
    {
        lock (_routerCreatedHandlers)
        {
            _routerCreatedHandlers.Add(handler);
        }
    }

    /// <summary>
    /// Creates a router on the next worker, with the configured codecs or, as mediasoup's createRouter({mediaCodecs})
    /// does, with <paramref name="mediaCodecs"/> of its own (a camera channel takes whatever its camera sends).
    /// </summary>
    public async Task<Router> CreateRouterAsync(string? id, IReadOnlyList<RtpCodecCapability>? mediaCodecs = null)
    {
        var capabilities = mediaCodecs is null ? RtpCapabilities : Ortc.GenerateRouterRtpCapabilities(mediaCodecs);
        var routerId = ((IRouterParent)this).ReserveId(id, "router");
        var worker = Workers.Next();
        var router = new Router(routerId, worker, capabilities, Time, this);
        _objects[routerId] = router;
        _routers[routerId] = router;
        Interlocked.Increment(ref worker._routerCount);
        Action<Router>[] handlers;
        lock (_routerCreatedHandlers)
        {
            handlers = [.. _routerCreatedHandlers];
        }

        await worker.InvokeAsync(() =>
        {
            foreach (var handler in handlers)
            {
                handler(router);
            }
        }).ConfigureAwait(false);
        return router;
    }

    /// <summary>The channel's router, created on first use (WHIP and signaling publishers name their channel).</summary>
    public async Task<Router> GetOrCreateRouterAsync(string id)
    {
        if (_routers.TryGetValue(id, out var existing))
        {
            return existing;
        }

        try
        {
            return await CreateRouterAsync(id).ConfigureAwait(false);
        }
        catch (ConflictException) when (_routers.TryGetValue(id, out var raced))
        {
            return raced; // created meanwhile by another publisher or the API
        }
    }

    public Router GetRouter(string id) => _routers.TryGetValue(id, out var router) ? router : throw new NotFoundException("router", id);

    /// <summary>The router with <paramref name="id"/>, or null.</summary>
    public Router? FindRouter(string id) => _routers.GetValueOrDefault(id);

    public Transport GetTransport(string id) => Get<Transport>(id, "transport");

    public Producer GetProducer(string id) => Get<Producer>(id, "producer");

    public Consumer GetConsumer(string id) => Get<Consumer>(id, "consumer");

    private T Get<T>(string id, string kind)
        where T : class =>
        _objects.TryGetValue(id, out var value) && value is T typed ? typed : throw new NotFoundException(kind, id);

    string IRouterParent.ReserveId(string? requested, string kind)
    {
        if (requested is not null)
        {
            if (requested.Length is 0 or > 128 || !requested.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                throw new InvalidFieldException($"{kind}_id", $"{kind}_id must be 1..128 characters of letters, digits, '-', '_' or '.'.");
            }

            if (requested is "." or ".." || !_objects.TryAdd(requested, Reserved))
            {
                throw new ConflictException($"An object with id '{requested}' already exists.");
            }

            return requested;
        }

        string id;
        do
        {
            id = Guid.NewGuid().ToString();
        }
        while (!_objects.TryAdd(id, Reserved));
        return id;
    }

    void IRouterParent.ReleaseId(string id) => _objects.TryRemove(id, out _);

    void IRouterParent.Register(Transport transport) => _objects[transport.Id] = transport;

    void IRouterParent.Register(Producer producer) => _objects[producer.Id] = producer;

    void IRouterParent.Register(Consumer consumer) => _objects[consumer.Id] = consumer;

    void IRouterParent.Unregister(string id) => _objects.TryRemove(id, out _);

    /// <summary>Real-time viewers over all routers.</summary>
    public int Viewers => Volatile.Read(ref _viewers);

    private int _viewers;

    void IRouterParent.AdmitViewer()
    {
        // Workers admit concurrently: count first, then give the slot back if it was one too many.
        if (Interlocked.Increment(ref _viewers) > Options.MaxViewers && Options.MaxViewers > 0)
        {
            Interlocked.Decrement(ref _viewers);
            throw new ViewerLimitException($"The appliance has its {Options.MaxViewers} real-time viewers (Media:MaxViewers): try again later.");
        }
    }

    void IRouterParent.ReleaseViewer() => Interlocked.Decrement(ref _viewers);

    void IRouterParent.OnRouterClosed(Router router)
    {
        _routers.TryRemove(router.Id, out _);
        _objects.TryRemove(router.Id, out _);
        Interlocked.Decrement(ref router.Worker._routerCount);
    }

    /// <summary>Closes every router (each on its worker), then stops the workers.</summary>
    public async Task CloseAllAsync()
    {
        await Task.WhenAll(_routers.Values.Select(r => r.CloseAsync())).ConfigureAwait(false);
    }

    /// <summary>
    /// Closes every router, waiting at most <see cref="Worker.DefaultAnswerTimeout"/> for their workers, then stops the
    /// workers (which fails whatever still waits on them).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await CloseAllAsync().WaitAsync(Worker.DefaultAnswerTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // a worker that does not answer is stopped below all the same
        }
        finally
        {
            Workers.Dispose();
        }
    }

    /// <summary>
    /// Stops the workers without waiting for routers to close: every request still waiting on a worker fails with
    /// <see cref="WorkerClosedException"/>. Owners of live routers call <see cref="DisposeAsync"/> (or
    /// <see cref="CloseAllAsync"/> first) so that sockets and FFmpeg processes are released.
    /// </summary>
    public void Dispose() => Workers.Dispose();
}

namespace Broadcast.Ingest.Routing;

/// <summary>Told about a router's life; observers run on the router's worker and must not block it.</summary>
public interface IRouterObserver
{
    /// <summary>The router is about to close; media still flows until the returned task completes (e.g. to stop FFmpeg gracefully).</summary>
    Task OnRouterClosingAsync(Router router);

    void OnProducerAdded(Producer producer);

    void OnProducerClosed(Producer producer);

    void OnRouterClosed(Router router);
}

/// <summary>
/// One channel (channel id = router id): owns its transports, and through them producers and consumers. Its state
/// changes only on its worker; closing cascades to everything it owns and is idempotent.
/// </summary>
public sealed class Router
{
    private readonly Dictionary<string, Transport> _transports = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Producer> _producers = new(StringComparer.Ordinal);
    private readonly List<IRouterObserver> _observers = [];
    private readonly IRouterParent _parent;

    internal Router(string id, Worker worker, RtpCapabilities rtpCapabilities, TimeProvider time, IRouterParent parent)
    {
        Id = id;
        Worker = worker;
        RtpCapabilities = rtpCapabilities;
        Time = time;
        _parent = parent;
        CreatedAt = time.GetUtcNow();
        _idleSinceTicks = CreatedAt.UtcTicks;
    }

    public string Id { get; }
    public Worker Worker { get; }
    public RtpCapabilities RtpCapabilities { get; }
    public TimeProvider Time { get; }
    public DateTimeOffset CreatedAt { get; }
    public bool IsClosed { get; private set; }

    // UTC ticks since when the router has had no producer, 0 while it has one; read from other threads (cleanup).
    private long _idleSinceTicks;

    /// <summary>Since when the router has had no producer (its creation, or its last producer's close); null while it has one.</summary>
    public DateTimeOffset? IdleSince => Volatile.Read(ref _idleSinceTicks) is var ticks and not 0
        ? new DateTimeOffset(ticks, TimeSpan.Zero)
        : null;

    /// <summary>Snapshots; read them on the worker (or accept a slightly stale view).</summary>
    public IReadOnlyCollection<Transport> Transports => _transports.Values;
    public IReadOnlyCollection<Producer> Producers => _producers.Values;

    /// <summary>
    /// Creates a transport on the worker with <paramref name="create"/>, which receives the transport id to use. Only
    /// the transport factory calls it: everything else creates transports through that factory.
    /// </summary>
    internal Task<T> AddTransportAsync<T>(string? id, Func<string, T> create)
        where T : Transport =>
        Worker.InvokeAsync(() =>
        {
            ThrowIfClosed();
            var transportId = ReserveId(id, "transport");
            try
            {
                var transport = create(transportId);
                _transports.Add(transport.Id, transport);
                _parent.Register(transport);
                return transport;
            }
            catch
            {
                ReleaseId(transportId);
                throw;
            }
        });

    public void AddObserver(IRouterObserver observer) => _observers.Add(observer);

    /// <summary>Stops telling <paramref name="observer"/>; call on the worker (signaling connections that end).</summary>
    public void RemoveObserver(IRouterObserver observer) => _observers.Remove(observer);

    /// <summary>Real-time viewers: transports that send media to a remote peer over WebRTC and have a consumer.</summary>
    public int Viewers => Volatile.Read(ref _viewers);

    private int _viewers;

    /// <summary>A transport took its first consumer: counted against the channel's and the appliance's limits (on the worker).</summary>
    internal void AdmitViewer(int maxPerChannel)
    {
        if (maxPerChannel > 0 && _viewers >= maxPerChannel)
        {
            throw new ViewerLimitException($"Channel '{Id}' has its {maxPerChannel} real-time viewers (Media:MaxViewersPerChannel): try again later.");
        }

        _parent.AdmitViewer();
        Volatile.Write(ref _viewers, _viewers + 1);
    }

    internal void ReleaseViewer()
    {
        Volatile.Write(ref _viewers, _viewers - 1);
        _parent.ReleaseViewer();
    }

    /// <summary>
    /// Closes the router: observers first get to finish their work while media still flows, then the close cascades
    /// to transports, producers and consumers. Idempotent.
    /// </summary>
    public Task CloseAsync() => Worker.RunAsync(() => _closeTask ??= CloseCoreAsync());

    private Task<bool>? _closeTask;

    private async Task<bool> CloseCoreAsync()
    {
        foreach (var observer in _observers.ToArray())
        {
            try
            {
                await observer.OnRouterClosingAsync(this).ConfigureAwait(true);
            }
#pragma warning disable CA1031 // An observer's failure must not keep the router open; observers log their own errors.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }

        Close();
        return true;
    }

    internal Producer? FindProducer(string id) => _producers.GetValueOrDefault(id);

    internal string ReserveId(string? requested, string kind) => _parent.ReserveId(requested, kind);

    internal void ReleaseId(string id) => _parent.ReleaseId(id);

    internal void OnProducerAdded(Producer producer)
    {
        _producers.Add(producer.Id, producer);
        Volatile.Write(ref _idleSinceTicks, 0);
        _parent.Register(producer);
        foreach (var observer in _observers.ToArray())
        {
            observer.OnProducerAdded(producer);
        }
    }

    internal void OnProducerClosed(Producer producer)
    {
        _producers.Remove(producer.Id);
        if (_producers.Count == 0)
        {
            Volatile.Write(ref _idleSinceTicks, Time.GetUtcNow().UtcTicks);
        }

        _parent.Unregister(producer.Id);
        foreach (var observer in _observers.ToArray())
        {
            observer.OnProducerClosed(producer);
        }
    }

    internal void OnConsumerAdded(Consumer consumer) => _parent.Register(consumer);

    internal void OnConsumerClosed(Consumer consumer) => _parent.Unregister(consumer.Id);

    internal void OnTransportClosed(Transport transport)
    {
        _transports.Remove(transport.Id);
        _parent.Unregister(transport.Id);
    }

    internal void Close()
    {
        if (IsClosed)
        {
            return;
        }

        IsClosed = true;
        foreach (var transport in _transports.Values.ToArray())
        {
            transport.Close();
        }

        foreach (var observer in _observers.ToArray())
        {
            observer.OnRouterClosed(this);
        }

        _observers.Clear();
        _parent.OnRouterClosed(this);
    }

    private void ThrowIfClosed()
    {
        if (IsClosed)
        {
            throw new NotFoundException("router", Id);
        }
    }
}

/// <summary>The narrow interface through which a router reports to the <see cref="MediaServer"/> that owns it.</summary>
internal interface IRouterParent
{
    string ReserveId(string? requested, string kind);

    void ReleaseId(string id);

    void Register(Transport transport);

    void Register(Producer producer);

    void Register(Consumer consumer);

    void Unregister(string id);

    void OnRouterClosed(Router router);

    /// <summary>Counts one more real-time viewer on the appliance; throws <see cref="ViewerLimitException"/> beyond its limit.</summary>
    void AdmitViewer();

    void ReleaseViewer();
}

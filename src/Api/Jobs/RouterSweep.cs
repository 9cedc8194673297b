using Broadcast.Api.State;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Sources;

namespace Broadcast.Api.Jobs;

/// <summary>
/// The cleanup sweep of this appliance's routers and transports: reads each router on its worker, asks
/// <see cref="CleanupPolicy"/> what goes, and closes a router only if it is still exactly as idle as it was seen.
/// </summary>
public sealed class RouterSweep(MediaServer media, RtspSourceRegistry sources, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger(JobLog.Category);

    /// <summary>What the routers looked like; taken before the channel definitions are read.</summary>
    public sealed class Snapshot
    {
        internal Snapshot(List<SeenRouter> routers, List<TransportSnapshot> transports)
        {
            Routers = routers;
            Transports = transports;
        }

        internal List<SeenRouter> Routers { get; }

        internal List<TransportSnapshot> Transports { get; }
    }

    /// <summary>Reads every router and its transports on its worker (a worker that does not answer is skipped).</summary>
    public async Task<Snapshot> SnapshotAsync()
    {
        var (routers, transports) = await ReadAsync().ConfigureAwait(false);
        return new Snapshot(routers, transports);
    }

    /// <summary>Closes what the policy picks from <paramref name="snapshot"/> and adds what it closed to <paramref name="actions"/>.</summary>
    public async Task SweepAsync(Snapshot snapshot, IReadOnlyDictionary<string, ChannelDefinition> defined, JobOptions settings,
        DateTimeOffset now, List<CleanupAction> actions)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(defined);
        ArgumentNullException.ThrowIfNull(settings);
        var routers = snapshot.Routers.Select(r => new RouterSnapshot(r.Router.Id, r.IdleSince, r.Pulled,
            defined.GetValueOrDefault(r.Router.Id)?.IdleTimeout, defined.ContainsKey(r.Router.Id))).ToList();
        var seenRouters = snapshot.Routers.ToDictionary(r => r.Router.Id, StringComparer.Ordinal);
        foreach (var decision in CleanupPolicy.Decide(routers, snapshot.Transports, settings.IdleTimeout, settings.ConnectTimeout, now))
        {
            await ReleaseAsync(decision, seenRouters, actions).ConfigureAwait(false);
        }
    }

    /// <summary>The channels with an open router here now.</summary>
    public IReadOnlySet<string> LiveChannelIds() => media.Routers.Where(r => !r.IsClosed).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);

    private static readonly TimeSpan WorkerAnswerTimeout = TimeSpan.FromSeconds(5);

    private async Task<(List<SeenRouter> Routers, List<TransportSnapshot> Transports)> ReadAsync()
    {
        var routers = new List<SeenRouter>();
        var transports = new List<TransportSnapshot>();
        foreach (var router in media.Routers)
        {
            try
            {
                // Transports change on the router's worker: read them there (a stuck worker is skipped, not waited for).
                var (seen, snapshot) = await router.Worker.InvokeAsync(() => (
                        new SeenRouter(router, router.IdleSince, sources.Find(router.Id) is not null, router.Transports.Count),
                        router.Transports.Select(t => new TransportSnapshot(t.Id, router.Id, t.Type, t.IsConnected, t.CreatedAt)).ToList()))
                    .WaitAsync(WorkerAnswerTimeout).ConfigureAwait(false);
                transports.AddRange(snapshot);
                routers.Add(seen);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or TimeoutException)
            {
                // its worker stopped (the server is shutting down) or does not answer
            }
        }

        return (routers, transports);
    }

    /// <summary>A router as the snapshot saw it, read on its worker.</summary>
    internal sealed record SeenRouter(Router Router, DateTimeOffset? IdleSince, bool Pulled, int Transports);

    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(30);

    private async Task ReleaseAsync(CleanupDecision decision, Dictionary<string, SeenRouter> seenRouters, List<CleanupAction> actions)
    {
        var target = decision.TransportId is { } transportId ? $"transport {transportId}" : $"router {decision.RouterId}";
        try
        {
            if (decision.TransportId is { } id)
            {
                await media.GetTransport(id).CloseAsync().WaitAsync(CloseTimeout).ConfigureAwait(false);
            }
            else
            {
                // A publisher may have come (and even gone) since the snapshot, or be setting up (a transport, no producer
                // yet): only a router exactly as idle as in the snapshot goes.
                var router = media.GetRouter(decision.RouterId);
                if (decision.Reason == CleanupReason.Idle && seenRouters.TryGetValue(router.Id, out var seen)
                    && !await router.Worker.InvokeAsync(() => router.IdleSince == seen.IdleSince && router.Transports.Count == seen.Transports)
                        .WaitAsync(WorkerAnswerTimeout).ConfigureAwait(false))
                {
                    return;
                }

                await router.CloseAsync().WaitAsync(CloseTimeout).ConfigureAwait(false);
            }

            actions.Add(decision.TransportId is { } closed
                ? new TransportClosed(decision.RouterId, closed, decision.Reason)
                : new RouterClosed(decision.RouterId, decision.Reason));
        }
        catch (NotFoundException)
        {
            // closed in the meantime
        }
        catch (TimeoutException ex)
        {
            _logger.CleanupStepFailed(ex, target, decision.RouterId); // its worker does not answer; the next run tries again
        }
    }
}

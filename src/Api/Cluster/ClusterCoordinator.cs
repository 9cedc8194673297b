using System.Diagnostics;
using Broadcast.Api.Channels;
using Broadcast.Api.Hls;
using Broadcast.Api.State;
using Broadcast.Ingest;
using Broadcast.Ingest.Routing;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Broadcast.Api.Cluster;

/// <summary>
/// This appliance's membership of the appliances sharing one PostgreSQL. Every Cluster:HeartbeatInterval (and at once
/// when another appliance notifies it) one round trip records its heartbeat and load, renews its leases and claims the
/// channels of appliances that stopped renewing theirs; it then runs what it owns (camera sessions) and stops what it
/// no longer owns. A lease it could not renew for nearly a lease's length is given up locally before anyone can take
/// it, so that a camera is never pulled twice. A clean stop hands every channel over at once.
/// </summary>
/// <remarks>One heartbeat or change is applied at a time (<see cref="_gate"/>); requests read the last heartbeat's leases.</remarks>
/// <remarks>
/// Constructed as a hosted service before the options are validated: what reads options is resolved when first used.
/// </remarks>
public sealed partial class ClusterCoordinator(IServiceProvider services, TimeProvider time, ILogger<ClusterCoordinator> logger)
    : IChannelOwnership, IHostedLifecycleService, IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    // Completed by Wake(); the heartbeat loop swaps in a new one before each beat, so no wake-up is lost or piles up.
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Channels a request found owned here since the last heartbeat (claimed then, or before the heartbeat saw them):
    // if one disappears from the leases it was deleted, and its router closes here.
    private readonly HashSet<string> _servedHere = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    // Camera channels this appliance runs as their owner, with the definition's updated_at they started with.
    private readonly Dictionary<string, DateTimeOffset> _running = new(StringComparer.Ordinal);
    // Camera channels that failed to start, with the definition that failed: tried again when it changes.
    private readonly Dictionary<string, DateTimeOffset> _failed = new(StringComparer.Ordinal);
    private volatile View _view = View.Empty;
    // This process among those that might (wrongly) share the appliance id.
    private readonly string _instance = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
    private long _lastRenewed = Stopwatch.GetTimestamp();
    private bool _fenced;
    private bool _reportedEmpty;
    private bool _joined;
    private Task? _loop;
    private Task? _listener;
    private TimeSpan _lastCpu = Environment.CpuUsage.TotalTime;
    private long _lastCpuAt = Stopwatch.GetTimestamp();

    private ClusterOptions Options => services.GetRequiredService<IOptions<ClusterOptions>>().Value;

    private ClusterStore Store => services.GetRequiredService<ClusterStore>();

    private ApplianceIdentity Identity => services.GetRequiredService<ApplianceIdentity>();

    public bool IsClustered => true;

    public ApplianceRef Self => Identity.Self;

    /// <summary>Marked draining at the last heartbeat.</summary>
    public bool Draining => _view.Draining;

    /// <summary>The registry at the last heartbeat.</summary>
    public IReadOnlyList<ApplianceRow> Appliances => _view.Appliances;

    private ChannelService Channels => services.GetRequiredService<ChannelService>();

    private MediaServer Media => services.GetRequiredService<MediaServer>();

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Joins once Kestrel listens (its address is the default public URL): the first heartbeat restores what this appliance owns.</summary>
    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(Identity.PublicUrl, UriKind.Absolute, out _))
        {
            // Other appliances redirect clients to it: a relative or empty URL would send them round in circles.
            throw new InvalidOperationException(
                $"Appliance {Identity.Id} has no absolute public URL ('{Identity.PublicUrl}'): set Cluster:PublicUrl (Cluster__PublicUrl), e.g. https://node2.example.com.");
        }

        var clock = Stopwatch.StartNew();
        var heartbeat = await BeatAsync(first: true, cancellationToken).ConfigureAwait(false);
        _joined = true;
        var cameras = _running.Count;
        var publishers = heartbeat.Owned.Count(c => c.Source != ChannelSource.Rtsp);
        services.GetRequiredService<ChannelRestorer>().Record(
            new ChannelRestore(heartbeat.Leases.Count, cameras, publishers, _failed.Count, clock.Elapsed));
        LogJoined(logger, Identity.Id, Identity.PublicUrl, heartbeat.Appliances.Count(a => a.Live), heartbeat.Owned.Count, heartbeat.Claimed.Count);
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        _listener = Task.Run(() => ListenAsync(_stopping.Token), CancellationToken.None);
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Stops the cameras it runs, then gives every lease up so that the others take the channels at once.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var task in new[] { _loop, _listener })
        {
            if (task is not null)
            {
                await task.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        if (!_joined)
        {
            return;
        }

        try
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            LogLeaveFailed(logger, Identity.Id, "the stop ran out of time");
            return;
        }

        try
        {
            foreach (var id in _running.Keys.ToList())
            {
                await StopLocalAsync(id).ConfigureAwait(false);
            }

            await Store.LeaveAsync(Identity.Id, cancellationToken).ConfigureAwait(false);
            LogLeft(logger, Identity.Id);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException)
        {
            LogLeaveFailed(logger, Identity.Id, ex.Message);
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
        _gate.Dispose();
    }

    public async Task EnsureServedHereAsync(string channelId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channelId);
        var view = _view;
        var me = Identity.Id;
        if (view.Leases.TryGetValue(channelId, out var known) && known.Valid)
        {
            if (known.Owner != me && known.OwnerUrl is { } url)
            {
                throw new OwnedElsewhereException(channelId, new ApplianceRef(known.Owner, url));
            }

            if (known.Owner == me && !view.Draining)
            {
                NoteServedHere(channelId);
                return;
            }
        }

        var lease = await Store.OwnerOrClaimAsync(channelId, me, mayClaim: !view.Draining && !_fenced, Options.LeaseDuration, cancellationToken)
            .ConfigureAwait(false);
        if (lease is null)
        {
            return; // no persistent channel has the id: an ad hoc router, served where it is asked for
        }

        if (lease.Owner == me)
        {
            if (view.Draining && Media.FindRouter(channelId) is null && await HandOverOneAsync(channelId, cancellationToken).ConfigureAwait(false) is { } target)
            {
                throw new OwnedElsewhereException(channelId, target); // new publishers and viewers go elsewhere
            }

            NoteServedHere(channelId);
            if (lease.Valid && !_fenced)
            {
                await ApplyAsync(channelId, cancellationToken).ConfigureAwait(false); // a camera claimed just now starts here
            }

            return;
        }

        if (lease.Valid && lease.OwnerUrl is { } ownerUrl)
        {
            throw new OwnedElsewhereException(channelId, new ApplianceRef(lease.Owner, ownerUrl));
        }

        // An expired lease this appliance may not take (it is draining): served here rather than refused.
    }

    private void NoteServedHere(string channelId)
    {
        lock (_servedHere)
        {
            _servedHere.Add(channelId);
        }
    }

    public ApplianceRef? KnownOwnerElsewhere(string channelId)
    {
        ArgumentNullException.ThrowIfNull(channelId);
        return _view.Leases.TryGetValue(channelId, out var lease) && lease.Valid && lease.Owner != Identity.Id && lease.OwnerUrl is { } url
            ? new ApplianceRef(lease.Owner, url)
            : null;
    }

    public async Task<IReadOnlyDictionary<string, ApplianceRef>> OwnersAsync(CancellationToken cancellationToken = default)
    {
        var leases = await Store.ListLeasesAsync(cancellationToken).ConfigureAwait(false);
        return leases.Where(l => l.Value.Valid)
            .ToDictionary(l => l.Key, l => new ApplianceRef(l.Value.Owner, l.Value.OwnerUrl ?? ""), StringComparer.Ordinal);
    }

    public async Task<ApplianceRef> PlaceAsync(string channelId, CancellationToken cancellationToken = default)
    {
        var preferMe = Options.Placement == ChannelPlacement.Local && !_view.Draining;
        var lease = await Store.PlaceAsync(channelId, Identity.Id, preferMe, Options.LeaseDuration, cancellationToken).ConfigureAwait(false);
        if (lease.Owner != Identity.Id || !lease.Valid)
        {
            return new ApplianceRef(lease.Owner, lease.OwnerUrl ?? "");
        }

        await ApplyAsync(channelId, cancellationToken, throwOnFailure: true).ConfigureAwait(false);
        return Self;
    }

    public async Task ChangedAsync(string channelId, CancellationToken cancellationToken = default)
    {
        // A channel nobody holds is taken here (so that null means: deleted).
        var lease = await Store.OwnerOrClaimAsync(channelId, Identity.Id, mayClaim: !_view.Draining && !_fenced, Options.LeaseDuration, cancellationToken)
            .ConfigureAwait(false);
        if (lease is null || (lease.Owner == Identity.Id && lease.Valid && !_fenced))
        {
            await ApplyAsync(channelId, cancellationToken, throwOnFailure: lease is not null).ConfigureAwait(false);
        }

        // The owner, or (deleted: nobody knows whose it was) every appliance.
        if (lease?.Owner != Identity.Id)
        {
            await Store.NotifyAsync(lease?.Owner ?? "*", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The owner's duty for one channel, now: runs its camera with its current settings, or stops what it should not run.</summary>
    private async Task ApplyAsync(string channelId, CancellationToken cancellationToken, bool throwOnFailure = false)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var definition = await services.GetRequiredService<IChannelStore>().FindAsync(channelId, cancellationToken).ConfigureAwait(false);
            if (definition is { Source: ChannelSource.Rtsp })
            {
                await RunCameraAsync(channelId, definition.UpdatedAt, throwOnFailure).ConfigureAwait(false);
            }
            else if (_running.Remove(channelId) || definition is null)
            {
                await StopLocalAsync(channelId).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var wake = Volatile.Read(ref _wake).Task;
                await Task.WhenAny(wake, Task.Delay(Options.HeartbeatInterval, time, cancellationToken)).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                if (wake.IsCompleted)
                {
                    Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                }

                // A heartbeat that hangs must not outlast the lease: give up before the others may take the channels.
                await FenceIfLapsingAsync().ConfigureAwait(false);
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var spare = Options.LeaseDuration - 2 * Options.HeartbeatInterval;
                deadline.CancelAfter(spare > Options.HeartbeatInterval ? spare : Options.HeartbeatInterval);
                await BeatAsync(first: false, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogHeartbeatFailed(logger, ex.Message);
                try
                {
                    await FenceIfLapsingAsync().ConfigureAwait(false);
                }
                catch (Exception fenceError) when (fenceError is not OperationCanceledException)
                {
                    LogHeartbeatFailed(logger, fenceError.Message);
                }
            }
        }
    }

    // Notifications from other appliances (a channel placed here, changed, handed over; a drain) wake the heartbeat at once.
    private async Task ListenAsync(CancellationToken cancellationToken)
    {
        var database = services.GetRequiredService<NpgsqlDataSource>();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                connection.Notification += (_, e) =>
                {
                    if (e.Payload == Identity.Id || e.Payload == "*")
                    {
                        Wake();
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {ClusterStore.NotifyChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                Wake(); // whatever was said while not listening
                while (true)
                {
                    await connection.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogListenFailed(logger, ex.Message);
                await Task.Delay(Options.HeartbeatInterval, time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private void Wake() => Volatile.Read(ref _wake).TrySetResult();

    private async Task<Heartbeat> BeatAsync(bool first, CancellationToken cancellationToken)
    {
        var load = await MeasureLoadAsync(cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var sent = Stopwatch.GetTimestamp();
            var heartbeat = await Store.BeatAsync(Identity.Id, _instance, Identity.PublicUrl, services.GetRequiredService<IOptions<MediaOptions>>().Value.AdvertisedIp,
                load, first, Options, cancellationToken).ConfigureAwait(false);
            _lastRenewed = sent;
            if (_fenced)
            {
                LogFenceLifted(logger, Identity.Id);
                _fenced = false;
            }

            var previous = _view;
            _view = new View(heartbeat.Leases, heartbeat.Appliances, heartbeat.Draining, heartbeat.Owned.Count);
            if (!first && heartbeat.PreviousInstance is { } other && other != _instance)
            {
                LogDuplicateId(logger, Identity.Id, other);
            }

            foreach (var gone in heartbeat.Forgotten)
            {
                LogForgotten(logger, gone);
            }

            if (heartbeat.Claimed.Count > 0)
            {
                LogClaimed(logger, heartbeat.Claimed.Count, string.Join(", ", heartbeat.Claimed));
            }

            await ReconcileAsync(heartbeat, previous).ConfigureAwait(false);
            if (heartbeat.Draining)
            {
                await DrainAsync(heartbeat, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                _reportedEmpty = false;
            }

            return heartbeat;
        }
        finally
        {
            _gate.Release();
        }
    }

    // Runs the owned cameras (with their current settings), stops cameras no longer owned, and closes the routers of
    // publisher channels another appliance took over or that were deleted through another appliance.
    private async Task ReconcileAsync(Heartbeat heartbeat, View previous)
    {
        var owned = heartbeat.Owned.ToDictionary(c => c.Id, StringComparer.Ordinal);
        foreach (var channel in heartbeat.Owned.Where(c => c.Source == ChannelSource.Rtsp))
        {
            await RunCameraAsync(channel.Id, channel.UpdatedAt, throwOnFailure: false).ConfigureAwait(false);
        }

        foreach (var id in _running.Keys.Where(id => !owned.TryGetValue(id, out var channel) || channel.Source != ChannelSource.Rtsp).ToList())
        {
            _running.Remove(id);
            await StopLocalAsync(id).ConfigureAwait(false);
            LogStoppedNotOwned(logger, id);
        }

        lock (_servedHere)
        {
            _servedHere.RemoveWhere(id => !heartbeat.Leases.ContainsKey(id) || owned.ContainsKey(id));
        }

        foreach (var id in _failed.Keys.Where(id => !owned.ContainsKey(id)).ToList())
        {
            _failed.Remove(id);
        }

        foreach (var router in Media.Routers.ToList())
        {
            var takenOver = heartbeat.Leases.TryGetValue(router.Id, out var lease) && lease.Valid && lease.Owner != Identity.Id;
            bool servedHere;
            lock (_servedHere)
            {
                servedHere = _servedHere.Contains(router.Id);
            }

            var deleted = lease is null && ((previous.Leases.TryGetValue(router.Id, out var before) && before.Owner == Identity.Id) || servedHere);
            if (takenOver || deleted)
            {
                await router.CloseAsync().ConfigureAwait(false);
                LogStoppedNotOwned(logger, router.Id);
            }
        }
    }

    // Under the gate. Starts the camera unless it runs with these settings, or failed with them before.
    private async Task RunCameraAsync(string channelId, DateTimeOffset updatedAt, bool throwOnFailure)
    {
        if ((_running.TryGetValue(channelId, out var running) && running == updatedAt && Media.FindRouter(channelId) is not null)
            || (!throwOnFailure && _failed.TryGetValue(channelId, out var failed) && failed == updatedAt))
        {
            return;
        }

        try
        {
            var definition = await Channels.RunCameraAsync(channelId).ConfigureAwait(false);
            _failed.Remove(channelId);
            if (definition is null)
            {
                _running.Remove(channelId);
                return;
            }

            _running[channelId] = definition.UpdatedAt;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _running.Remove(channelId);
            if (ex is StateSecretException or ArgumentException or Broadcast.Ingest.Routing.InvalidFieldException)
            {
                _failed[channelId] = updatedAt; // its definition cannot start: tried again when it changes
            }

            LogCameraStartFailed(logger, ex, channelId);
            if (throwOnFailure)
            {
                throw;
            }
        }
    }

    private async Task StopLocalAsync(string channelId)
    {
        if (Media.FindRouter(channelId) is { } router)
        {
            await router.CloseAsync().ConfigureAwait(false);
        }
    }

    // Draining: every owned channel but a live publisher's goes to the least-loaded other appliance.
    private async Task DrainAsync(Heartbeat heartbeat, CancellationToken cancellationToken)
    {
        var movable = new List<string>();
        foreach (var channel in heartbeat.Owned)
        {
            if (channel.Source == ChannelSource.Rtsp || Media.FindRouter(channel.Id) is not { } router
                || await router.Worker.InvokeAsync(() => router.Producers.Count).ConfigureAwait(false) == 0)
            {
                movable.Add(channel.Id);
            }
        }

        if (heartbeat.Owned.Count == 0)
        {
            if (!_reportedEmpty)
            {
                LogDrained(logger, Identity.Id);
                _reportedEmpty = true;
            }

            return;
        }

        var moves = AssignTargets(movable, heartbeat.Appliances);
        if (moves.Count == 0)
        {
            return;
        }

        // Stopped here before the new owner may start it: a camera is never pulled twice. A hand-over that fails leaves
        // the channel owned here, and the next heartbeat starts it again.
        foreach (var (id, _) in moves)
        {
            _running.Remove(id);
            await StopLocalAsync(id).ConfigureAwait(false);
        }

        var moved = await Store.HandOverAsync(Identity.Id, moves, Options.LeaseDuration, cancellationToken).ConfigureAwait(false);

        LogHandedOver(logger, moved.Count, heartbeat.Owned.Count - moved.Count);
    }

    private List<(string Channel, string Owner)> AssignTargets(IReadOnlyList<string> channels, IReadOnlyList<ApplianceRow> appliances)
    {
        var load = appliances.Where(a => a.Live && !a.Draining && a.Id != Identity.Id).ToDictionary(a => a.Id, a => a.Channels, StringComparer.Ordinal);
        var moves = new List<(string, string)>();
        if (load.Count == 0)
        {
            return moves;
        }

        foreach (var channel in channels)
        {
            var target = load.OrderBy(l => l.Value).ThenBy(l => l.Key, StringComparer.Ordinal).First().Key;
            load[target]++;
            moves.Add((channel, target));
        }

        return moves;
    }

    // A draining appliance asked for an idle channel it owns: hands it over now.
    private async Task<ApplianceRef?> HandOverOneAsync(string channelId, CancellationToken cancellationToken)
    {
        var moves = AssignTargets([channelId], _view.Appliances);
        if (moves.Count == 0 || (await Store.HandOverAsync(Identity.Id, moves, Options.LeaseDuration, cancellationToken).ConfigureAwait(false)).Count == 0)
        {
            return null;
        }

        var target = _view.Appliances.First(a => a.Id == moves[0].Owner);
        return new ApplianceRef(target.Id, target.PublicUrl);
    }

    // The database did not answer: before the lease can lapse (and another appliance start the same camera), stop
    // everything owned here. The next heartbeat that gets through starts again what is still owned.
    private async Task FenceIfLapsingAsync()
    {
        if (Stopwatch.GetElapsedTime(_lastRenewed) < Options.LeaseDuration - Options.HeartbeatInterval || (_fenced && _running.Count == 0))
        {
            return;
        }

        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var owned = _view.Leases.Where(l => l.Value.Owner == Identity.Id).Select(l => l.Key).Concat(_running.Keys).Distinct().ToList();
            foreach (var id in owned)
            {
                await StopLocalAsync(id).ConfigureAwait(false);
            }

            _running.Clear();
            _view = View.Empty;
            _fenced = true;
            LogFenced(logger, Identity.Id, owned.Count);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<ApplianceLoad> MeasureLoadAsync(CancellationToken cancellationToken)
    {
        var media = Media;
        var hls = services.GetRequiredService<HlsViewerTracker>();
        var visits = await WorkerVisits.ReadAllAsync(media, r => r.Viewers, cancellationToken).ConfigureAwait(false);
        var viewers = visits.Sum(v => v.Channels?.Sum(c => c.Reading + hls.Count(c.Channel)) ?? 0);
        var cpu = Environment.CpuUsage.TotalTime;
        var at = Stopwatch.GetTimestamp();
        var wall = Stopwatch.GetElapsedTime(_lastCpuAt, at);
        var percent = wall > TimeSpan.Zero ? Math.Round(100 * (cpu - _lastCpu) / wall / Environment.ProcessorCount, 1) : 0;
        (_lastCpu, _lastCpuAt) = (cpu, at);
        return new ApplianceLoad(_view.OwnedCount, viewers, Math.Clamp(percent, 0, 100));
    }

    private sealed record View(IReadOnlyDictionary<string, LeaseRow> Leases, IReadOnlyList<ApplianceRow> Appliances, bool Draining, int OwnedCount)
    {
        public static readonly View Empty = new(new Dictionary<string, LeaseRow>(), [], false, 0);
    }

    [LoggerMessage(EventId = 9000, Level = LogLevel.Information, Message = "Appliance {ApplianceId} joined at {PublicUrl}: {Live} live appliance(s); it owns {Owned} channel(s), {Claimed} just claimed")]
    private static partial void LogJoined(ILogger logger, string applianceId, string publicUrl, int live, int owned, int claimed);

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Claimed {Count} channel(s) whose owner stopped renewing its lease: {Channels}")]
    private static partial void LogClaimed(ILogger logger, int count, string channels);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Heartbeat failed: {Error}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Error, Message = "Appliance {ApplianceId} could not renew its leases for nearly a lease's length: it stopped its {Count} channel(s) so that another appliance can take them over without pulling a camera twice")]
    private static partial void LogFenced(ILogger logger, string applianceId, int count);

    [LoggerMessage(EventId = 9004, Level = LogLevel.Information, Message = "Appliance {ApplianceId} reaches the database again")]
    private static partial void LogFenceLifted(ILogger logger, string applianceId);

    [LoggerMessage(EventId = 9005, Level = LogLevel.Information, Message = "Channel {ChannelId}: stopped here, another appliance owns it now (or it was deleted)")]
    private static partial void LogStoppedNotOwned(ILogger logger, string channelId);

    [LoggerMessage(EventId = 9006, Level = LogLevel.Error, Message = "Channel {ChannelId}: its camera could not start on this appliance; tried again when its definition changes")]
    private static partial void LogCameraStartFailed(ILogger logger, Exception exception, string channelId);

    [LoggerMessage(EventId = 9007, Level = LogLevel.Information, Message = "Draining: handed {Moved} channel(s) over; {Left} left (live publishers leave when they end)")]
    private static partial void LogHandedOver(ILogger logger, int moved, int left);

    [LoggerMessage(EventId = 9008, Level = LogLevel.Warning, Message = "Appliance {ApplianceId} is drained: it owns no channel")]
    private static partial void LogDrained(ILogger logger, string applianceId);

    [LoggerMessage(EventId = 9009, Level = LogLevel.Information, Message = "Appliance {ApplianceId} left: its leases are free for the others")]
    private static partial void LogLeft(ILogger logger, string applianceId);

    [LoggerMessage(EventId = 9010, Level = LogLevel.Warning, Message = "Appliance {ApplianceId} could not give its leases up on stop ({Error}); the others take its channels when the leases expire")]
    private static partial void LogLeaveFailed(ILogger logger, string applianceId, string error);

    [LoggerMessage(EventId = 9013, Level = LogLevel.Error, Message = "Another process (tag {Other}) heartbeats as appliance {ApplianceId} too: both believe they own its channels, so cameras may be pulled twice. Give each appliance its own Cluster:ApplianceId (or Cluster:IdFile)")]
    private static partial void LogDuplicateId(ILogger logger, string applianceId, string other);

    [LoggerMessage(EventId = 9012, Level = LogLevel.Information, Message = "Appliance {ApplianceId} left the registry after Cluster:ForgetAfter without a heartbeat")]
    private static partial void LogForgotten(ILogger logger, string applianceId);

    [LoggerMessage(EventId = 9011, Level = LogLevel.Warning, Message = "Listening for other appliances' notifications failed ({Error}); retrying, heartbeats go on meanwhile")]
    private static partial void LogListenFailed(ILogger logger, string error);
}

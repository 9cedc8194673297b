using System.Diagnostics;
using Broadcast.Api.State;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Sources;
using Broadcast.Transcode;
using Hangfire;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Jobs;

/// <summary>What a cleanup run released; Hangfire keeps it as the job's result, the run store keeps the details.</summary>
/// <param name="Host">The appliance that ran it (cleanup acts on its own routers, processes and folders).</param>
/// <param name="RoutersClosed">Routers idle for longer than their timeout.</param>
/// <param name="TransportsClosed">Transports that never connected.</param>
/// <param name="ProcessesKilled">FFmpeg processes no pipeline owns.</param>
/// <param name="FilesDeleted">SDP files and FFmpeg logs of channels that are gone.</param>
/// <param name="FoldersDeleted">HLS folders of channels that are gone.</param>
/// <param name="DurationMs">How long the run took.</param>
public sealed record CleanupRunSummary(string Host, int RoutersClosed, int TransportsClosed, int ProcessesKilled, int FilesDeleted,
    int FoldersDeleted, double DurationMs)
{
    /// <summary>True when another cleanup run was still going on this appliance, so this one did nothing.</summary>
    public bool SkippedBecauseRunning { get; init; }
}

/// <summary>
/// Releases what nobody uses on this appliance: routers with no producer for longer than their idle timeout (a
/// persistent channel stays defined; a publisher brings its router back), transports that never connected, FFmpeg
/// processes no pipeline owns, and the SDP files and HLS folders of channels that are gone. Every step tolerates
/// the thing having gone already, so runs are idempotent.
/// </summary>
public sealed class CleanupJob(MediaServer media, RtspSourceRegistry sources, IHlsPipelineRegistry pipelines, IChannelStore channels,
    IJobRunStore runs, IRecurringJobManager recurringJobs, JobStorage storage, IOptions<HlsOptions> hls, IOptions<JobOptions> options, JobHost host, TimeProvider time, ILoggerFactory loggers)
{
    public const string Name = "cleanup";

    private readonly ILogger _logger = loggers.CreateLogger(JobLog.Category);

    /// <summary>The Hangfire entry point: runs and returns the summary as JSON, which the jobs API and the dashboard show as is.</summary>
    // One run at a time on this appliance (its own lock: cleanup acts on local things only, so appliances never wait
    // for each other); the per-host queue already keeps other appliances from running it.
    [AutomaticRetry(Attempts = 0)] // the next occurrence is the retry
    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        // A run in progress (or one stuck on a worker that stopped answering) makes this one a no-op, not a waiting
        // Hangfire worker.
        if (!await host.CleanupLock.WaitAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false))
        {
            return JobResult.ToJson(new CleanupRunSummary(host.Name, 0, 0, 0, 0, 0, 0) { SkippedBecauseRunning = true });
        }

        try
        {
            return JobResult.ToJson(await ExecuteAsync(cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            host.CleanupLock.Release();
        }
    }

    public async Task<CleanupRunSummary> ExecuteAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var startedAt = time.GetUtcNow();
        var settings = options.Value;
        var actions = new List<CleanupAction>();

        // Routers before definitions: a channel created in between is then absent from the snapshot rather than taken
        // for a deleted one.
        var (live, transports) = await SnapshotAsync().ConfigureAwait(false);
        var defined = (await channels.ListAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(c => c.Id, StringComparer.Ordinal);
        var routers = live.Select(r => new RouterSnapshot(r.Router.Id, r.IdleSince, r.Pulled, defined.GetValueOrDefault(r.Router.Id)?.IdleTimeout,
            defined.ContainsKey(r.Router.Id))).ToList();
        var seenRouters = live.ToDictionary(r => r.Router.Id, StringComparer.Ordinal);
        var decisions = CleanupPolicy.Decide(routers, transports, settings.IdleTimeout, settings.ConnectTimeout, time.GetUtcNow());
        foreach (var decision in decisions)
        {
            await ReleaseAsync(decision, seenRouters, actions).ConfigureAwait(false);
        }

        var present = new ChannelPresence(media.Routers.Where(r => !r.IsClosed).Select(r => r.Id).ToHashSet(StringComparer.Ordinal),
            defined.Keys.ToHashSet(StringComparer.Ordinal));
        KillOrphanProcesses(actions);
        DeleteOrphanFiles(present, actions);
        DeleteOrphanFolders(present, actions);
        JobServerLifetime.RemoveStaleHostJobs(recurringJobs, storage, host, _logger, time.GetUtcNow().UtcDateTime);

        var summary = new CleanupRunSummary(host.Name,
            actions.OfType<RouterClosed>().Count(),
            actions.OfType<TransportClosed>().Count(),
            actions.OfType<ProcessKilled>().Count(),
            actions.OfType<FileDeleted>().Count(),
            actions.OfType<FolderDeleted>().Count(),
            clock.Elapsed.TotalMilliseconds);
        var line = $"{summary.RoutersClosed} routers and {summary.TransportsClosed} transports closed, {summary.ProcessesKilled} FFmpeg processes killed, "
            + $"{summary.FilesDeleted} files and {summary.FoldersDeleted} folders deleted";
        await runs.RecordAsync(new JobRunRecord(Name, host.Name, startedAt, clock.Elapsed, line, [.. actions.Select(a => a.ToJobAction())]), CancellationToken.None).ConfigureAwait(false);
        _logger.CleanupRan(line);
        return summary;
    }

    private static readonly TimeSpan WorkerAnswerTimeout = TimeSpan.FromSeconds(5);

    private async Task<(List<SeenRouter> Routers, List<TransportSnapshot> Transports)> SnapshotAsync()
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
    private sealed record SeenRouter(Router Router, DateTimeOffset? IdleSince, bool Pulled, int Transports);

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

    private void KillOrphanProcesses(List<CleanupAction> actions)
    {
        foreach (var process in FfmpegProcessTable.Find(hls.Value.WorkRoot))
        {
            var status = pipelines.Get(process.ChannelId);
            if (!OrphanPolicy.IsOrphanProcess(process.ProcessId, status is not null, status?.ProcessId))
            {
                continue;
            }

            try
            {
                using var orphan = Process.GetProcessById(process.ProcessId);
                orphan.Kill(entireProcessTree: true);
                actions.Add(new ProcessKilled(process.ChannelId, process.ProcessId));
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // exited in the meantime, or not ours to kill
            }
        }
    }

    private void DeleteOrphanFiles(ChannelPresence present, List<CleanupAction> actions)
    {
        var workRoot = hls.Value.WorkRoot;
        if (!Directory.Exists(workRoot))
        {
            return;
        }

        var now = time.GetUtcNow();
        foreach (var file in new DirectoryInfo(workRoot).EnumerateFiles())
        {
            var orphan = OrphanPolicy.IsOrphanFile(file.Name, file.LastWriteTimeUtc, id => pipelines.Get(id) is not null, present,
                options.Value.DeletedChannelGrace, now);
            var bytes = orphan ? file.Length : 0; // a deleted FileInfo no longer has a length
            if (orphan && TryDelete(() => file.Delete()))
            {
                actions.Add(new FileDeleted(OrphanPolicy.ChannelOf(file.Name), file.Name, bytes));
            }
        }
    }

    private void DeleteOrphanFolders(ChannelPresence present, List<CleanupAction> actions)
    {
        var root = hls.Value.Root;
        if (!Directory.Exists(root))
        {
            return;
        }

        var now = time.GetUtcNow();
        foreach (var folder in new DirectoryInfo(root).EnumerateDirectories())
        {
            if (present.IsKnown(folder.Name))
            {
                continue;
            }

            // Files' times, not the folder's: deleting segments (retention) touches the folder too.
            long bytes = 0;
            DateTime? newest = null;
            try
            {
                foreach (var file in folder.EnumerateFiles("*", SearchOption.AllDirectories))
                {
                    bytes += file.Length;
                    newest = newest is { } known && known >= file.LastWriteTimeUtc ? known : file.LastWriteTimeUtc;
                }

                newest ??= folder.LastWriteTimeUtc;
            }
            catch (DirectoryNotFoundException)
            {
                continue;
            }

            if (OrphanPolicy.IsOrphanFolder(folder.Name, newest.Value, present, options.Value.DeletedChannelGrace, now)
                && TryDelete(() => folder.Delete(recursive: true)))
            {
                actions.Add(new FolderDeleted(folder.Name, bytes));
            }
        }
    }

    private bool TryDelete(Action delete)
    {
        try
        {
            delete();
            return true;
        }
        catch (Exception ex) when (ex is DirectoryNotFoundException or FileNotFoundException)
        {
            return false; // gone in the meantime
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.CleanupStepFailed(ex, "a file", null);
            return false;
        }
    }
}

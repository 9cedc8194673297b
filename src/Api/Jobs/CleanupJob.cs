using System.Diagnostics;
using Broadcast.Api.State;
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

/// <summary>The four sweeps of a cleanup run, in the order they run.</summary>
public sealed record CleanupSweeps(RouterSweep Routers, OrphanProcessSweep Processes, OrphanFileSweep Files, OrphanFolderSweep Folders);

/// <summary>
/// Releases what nobody uses on this appliance: routers with no producer for longer than their idle timeout (a
/// persistent channel stays defined; a publisher brings its router back), transports that never connected, FFmpeg
/// processes no pipeline owns, and the SDP files and HLS folders of channels that are gone. Every step tolerates
/// the thing having gone already, so runs are idempotent.
/// </summary>
public sealed class CleanupJob(CleanupSweeps sweeps, IChannelStore channels, IJobRunStore runs, IRecurringJobManager recurringJobs,
    JobStorage storage, IOptions<JobOptions> options, JobHost host, TimeProvider time, ILoggerFactory loggers)
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
        var snapshot = await sweeps.Routers.SnapshotAsync().ConfigureAwait(false);
        var defined = (await channels.ListAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(c => c.Id, StringComparer.Ordinal);
        await sweeps.Routers.SweepAsync(snapshot, defined, settings, time.GetUtcNow(), actions).ConfigureAwait(false);

        var present = new ChannelPresence(sweeps.Routers.LiveChannelIds(), defined.Keys.ToHashSet(StringComparer.Ordinal));
        await sweeps.Processes.SweepAsync(actions).ConfigureAwait(false);
        await sweeps.Files.SweepAsync(present, actions).ConfigureAwait(false);
        sweeps.Folders.Sweep(present, actions);
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
}

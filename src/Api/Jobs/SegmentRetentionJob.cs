using Broadcast.Api.State;
using Broadcast.Transcode;
using Broadcast.Transcode.Retention;
using Hangfire;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Jobs;

/// <summary>What a retention run did; Hangfire keeps it as the job's result, the run store keeps the details.</summary>
/// <param name="Host">The appliance that ran it.</param>
/// <param name="ChannelsScanned">Channel folders looked at.</param>
/// <param name="SegmentsScanned">Segment files looked at.</param>
/// <param name="SegmentsDeleted">Segment files deleted.</param>
/// <param name="BytesDeleted">Bytes freed.</param>
/// <param name="AlreadyGone">Chosen, but deleted by someone else first.</param>
/// <param name="ByReason">Deleted segments per reason ("age", "channel-quota", "global-quota").</param>
/// <param name="DurationMs">How long the run took.</param>
public sealed record RetentionRunSummary(string Host, int ChannelsScanned, int SegmentsScanned, int SegmentsDeleted, long BytesDeleted,
    int AlreadyGone, IReadOnlyDictionary<string, int> ByReason, double DurationMs);

/// <summary>
/// Segment retention (habit 11: a pure policy plus a thin deleter): segments older than their channel's retention and
/// out of its live playlist go, then per-channel and global quotas delete the oldest first. One run at a time across
/// every appliance sharing the storage (a distributed lock), and idempotent: a file someone else deleted is counted,
/// not an error, so a second run right after the first deletes nothing.
/// </summary>
public sealed class SegmentRetentionJob(IChannelStore channels, IJobRunStore runs, IOptions<HlsOptions> hls, IOptions<JobOptions> options,
    JobHost host, TimeProvider time, ILoggerFactory loggers)
{
    public const string Name = "segment-retention";

    /// <summary>The Hangfire entry point: runs and returns the summary as JSON, which the jobs API and the dashboard show as is.</summary>
    [DisableConcurrentExecution(timeoutInSeconds: 300)]
    [AutomaticRetry(Attempts = 0)] // the next occurrence is the retry
    public async Task<string> RunAsync(CancellationToken cancellationToken) =>
        JobResult.ToJson(await ExecuteAsync(cancellationToken).ConfigureAwait(false));

    public async Task<RetentionRunSummary> ExecuteAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var defined = (await channels.ListAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(c => c.Id, StringComparer.Ordinal);
        var defaults = new ChannelRetention(settings.RetentionMaxAge, settings.ChannelQuotaBytes);
        ChannelRetention RulesFor(string channelId) => defined.TryGetValue(channelId, out var channel)
            ? new ChannelRetention(channel.Retention.MaxAge ?? defaults.MaxAge, channel.Retention.QuotaBytes ?? defaults.QuotaBytes)
            : defaults;

        var startedAt = time.GetUtcNow();
        var report = new HlsRetentionSweeper(hls.Value.Root, time).Sweep(RulesFor, settings.GlobalQuotaBytes);
        var byReason = report.Deleted.GroupBy(d => ReasonName(d.Reason)).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var summary = new RetentionRunSummary(host.Name, report.ChannelsScanned, report.SegmentsScanned, report.Deleted.Count,
            report.BytesDeleted, report.AlreadyGone, byReason, report.Duration.TotalMilliseconds);

        var actions = report.Deleted.Select(d => new JobAction(d.ChannelId, d.Name, "deleted", ReasonName(d.Reason), d.Bytes)).ToList();
        var line = $"{report.Deleted.Count} of {report.SegmentsScanned} segments deleted ({report.BytesDeleted} bytes) in {report.ChannelsScanned} channels"
            + (report.AlreadyGone > 0 ? $", {report.AlreadyGone} already gone" : "");
        await runs.RecordAsync(new JobRunRecord(Name, host.Name, startedAt, report.Duration, line, actions), CancellationToken.None)
            .ConfigureAwait(false);
        loggers.CreateLogger(JobLog.Category).RetentionRan(report.Deleted.Count, report.BytesDeleted, report.SegmentsScanned,
            report.ChannelsScanned, report.AlreadyGone, report.Duration.TotalMilliseconds);
        return summary;
    }

    public static string ReasonName(DeletionReason reason) => reason switch
    {
        DeletionReason.Age => "age",
        DeletionReason.ChannelQuota => "channel-quota",
        DeletionReason.GlobalQuota => "global-quota",
        _ => reason.ToString().ToLowerInvariant(),
    };
}

using Broadcast.Api.State;

namespace Broadcast.Api.Metrics;

/// <summary>The job run store, counting each recorded run in the metrics (runs, actions, bytes deleted).</summary>
public sealed class MeteredJobRunStore(IJobRunStore inner, BroadcastMetrics metrics) : IJobRunStore
{
    public async Task RecordAsync(JobRunRecord run, CancellationToken cancellationToken = default)
    {
        metrics.JobRan(run);
        await inner.RecordAsync(run, cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<JobRunRecord>> RecentAsync(string job, int count, CancellationToken cancellationToken = default) =>
        inner.RecentAsync(job, count, cancellationToken);
}

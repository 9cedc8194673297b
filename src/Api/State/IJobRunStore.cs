namespace Broadcast.Api.State;

/// <summary>One run of a recurring job, as recorded for the API: what it did and why.</summary>
/// <param name="Job">Job name: "cleanup" or "segment-retention".</param>
/// <param name="Host">The appliance that ran it (several may share one database).</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="Duration">How long it took.</param>
/// <param name="Summary">One line for people.</param>
/// <param name="Actions">What it did, one entry per deleted segment or released resource, each with its reason.</param>
public sealed record JobRunRecord(string Job, string Host, DateTimeOffset StartedAt, TimeSpan Duration, string Summary,
    IReadOnlyList<JobAction> Actions);

/// <summary>One thing a job did.</summary>
/// <param name="Channel">The channel it concerned, or null.</param>
/// <param name="Target">What: a segment file name, a transport id, a process id, a folder.</param>
/// <param name="Action">"deleted", "closed", "killed", ...</param>
/// <param name="Reason">Why: "age", "channel-quota", "global-quota", "idle", "never-connected", "orphan".</param>
/// <param name="Bytes">Bytes freed, when files were deleted.</param>
public sealed record JobAction(string? Channel, string Target, string Action, string Reason, long Bytes = 0);

/// <summary>Where job runs are recorded: the database when there is one, memory otherwise.</summary>
public interface IJobRunStore
{
    Task RecordAsync(JobRunRecord run, CancellationToken cancellationToken = default);

    /// <summary>The latest runs of <paramref name="job"/>, newest first.</summary>
    Task<IReadOnlyList<JobRunRecord>> RecentAsync(string job, int count, CancellationToken cancellationToken = default);
}

namespace Broadcast.Api.State;

/// <summary>The embedded default: the last runs of each job in memory.</summary>
public sealed class InMemoryJobRunStore : IJobRunStore
{
    private const int RunsKeptPerJob = 100;
    private readonly Dictionary<string, LinkedList<JobRunRecord>> _runs = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public Task RecordAsync(JobRunRecord run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        lock (_lock)
        {
            if (!_runs.TryGetValue(run.Job, out var runs))
            {
                _runs[run.Job] = runs = new LinkedList<JobRunRecord>();
            }

            runs.AddFirst(run);
            while (runs.Count > RunsKeptPerJob)
            {
                runs.RemoveLast();
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<JobRunRecord>> RecentAsync(string job, int count, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<JobRunRecord>>(
                _runs.TryGetValue(job, out var runs) ? [.. runs.Take(count)] : []);
        }
    }
}

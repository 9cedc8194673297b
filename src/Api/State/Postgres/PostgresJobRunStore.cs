using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Broadcast.Api.State.Postgres;

/// <summary>
/// Job runs in the <c>job_runs</c> table (db/migrations/0002_job_runs.sql), actions as a jsonb array. Each record
/// keeps the newest <paramref name="runsKeptPerJob"/> runs of its job and deletes older ones in the same batch.
/// </summary>
public sealed class PostgresJobRunStore(NpgsqlDataSource database, int runsKeptPerJob = PostgresJobRunStore.DefaultRunsKeptPerJob) : IJobRunStore
{
    public const int DefaultRunsKeptPerJob = 1000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task RecordAsync(JobRunRecord run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        await using var batch = database.CreateBatch();
        var insert = new NpgsqlBatchCommand("""
            INSERT INTO job_runs (job, host, started_at, duration_ms, summary, actions) VALUES ($1, $2, $3, $4, $5, $6)
            """);
        insert.Parameters.Add(new NpgsqlParameter { Value = run.Job, NpgsqlDbType = NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = run.Host, NpgsqlDbType = NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = run.StartedAt.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        insert.Parameters.Add(new NpgsqlParameter { Value = Math.Max(0, run.Duration.TotalMilliseconds), NpgsqlDbType = NpgsqlDbType.Double });
        insert.Parameters.Add(new NpgsqlParameter { Value = run.Summary, NpgsqlDbType = NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(run.Actions, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        batch.BatchCommands.Add(insert);

        var prune = new NpgsqlBatchCommand("""
            DELETE FROM job_runs WHERE job = $1 AND id NOT IN (
                SELECT id FROM job_runs WHERE job = $1 ORDER BY started_at DESC, id DESC LIMIT $2)
            """);
        prune.Parameters.Add(new NpgsqlParameter { Value = run.Job, NpgsqlDbType = NpgsqlDbType.Text });
        prune.Parameters.Add(new NpgsqlParameter { Value = runsKeptPerJob, NpgsqlDbType = NpgsqlDbType.Integer });
        batch.BatchCommands.Add(prune);
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<JobRunRecord>> RecentAsync(string job, int count, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (count <= 0)
        {
            return [];
        }

        await using var command = database.CreateCommand("""
            SELECT job, host, started_at, duration_ms, summary, actions::text FROM job_runs
            WHERE job = $1 ORDER BY started_at DESC, id DESC LIMIT $2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = job, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = count, NpgsqlDbType = NpgsqlDbType.Integer });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var runs = new List<JobRunRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            runs.Add(new JobRunRecord(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetFieldValue<DateTimeOffset>(2),
                TimeSpan.FromMilliseconds(reader.GetDouble(3)),
                reader.GetString(4),
                JsonSerializer.Deserialize<List<JobAction>>(reader.GetString(5), Json) ?? []));
        }

        return runs;
    }
}

using Broadcast.Api.State;
using Broadcast.Api.State.Postgres;
using Broadcast.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Broadcast.Api.Tests.State;

[Collection(PostgresCollection.Name)]
public sealed class PostgresJobRunStoreTests(PostgresCluster cluster) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private NpgsqlDataSource _source = null!;

    public async Task InitializeAsync()
    {
        var database = await cluster.CreateDatabaseAsync();
        await new DatabaseMigrator(database, NullLogger.Instance).MigrateAsync();
        _source = NpgsqlDataSource.Create(database);
    }

    public async Task DisposeAsync() => await _source.DisposeAsync();

    private static JobRunRecord Run(string job, int minute, params JobAction[] actions) =>
        new(job, "appliance-1", Start.AddMinutes(minute), TimeSpan.FromMilliseconds(12.5), $"run {minute}", actions);

    [Fact]
    public async Task Runs_read_back_newest_first_with_their_actions()
    {
        var store = new PostgresJobRunStore(_source);
        await store.RecordAsync(Run("segment-retention", 1, new JobAction("cam1", "seg-00001.ts", "deleted", "age", 187_000)));
        await store.RecordAsync(Run("segment-retention", 2));
        await store.RecordAsync(Run("cleanup", 3, new JobAction(null, "transport-1", "closed", "idle")));

        var runs = await store.RecentAsync("segment-retention", 10);

        Assert.Equal(["run 2", "run 1"], runs.Select(r => r.Summary));
        var first = runs[1];
        Assert.Equal(("appliance-1", Start.AddMinutes(1), 12.5), (first.Host, first.StartedAt, first.Duration.TotalMilliseconds));
        Assert.Equal(new JobAction("cam1", "seg-00001.ts", "deleted", "age", 187_000), Assert.Single(first.Actions));
        Assert.Equal(new JobAction(null, "transport-1", "closed", "idle"), Assert.Single(Assert.Single(await store.RecentAsync("cleanup", 10)).Actions));
        Assert.Single(await store.RecentAsync("segment-retention", 1));
    }

    [Fact]
    public async Task Only_the_newest_runs_of_each_job_are_kept()
    {
        var store = new PostgresJobRunStore(_source, runsKeptPerJob: 3);
        for (var minute = 0; minute < 6; minute++)
        {
            await store.RecordAsync(Run("cleanup", minute));
        }

        await store.RecordAsync(Run("segment-retention", 0));

        Assert.Equal(["run 5", "run 4", "run 3"], (await store.RecentAsync("cleanup", 100)).Select(r => r.Summary));
        Assert.Single(await store.RecentAsync("segment-retention", 100));
    }
}

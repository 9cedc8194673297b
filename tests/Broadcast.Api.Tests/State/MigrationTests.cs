using Broadcast.Api.State.Postgres;
using Broadcast.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Broadcast.Api.Tests.State;

/// <summary>db/migrations applied with DbUp against a real PostgreSQL 15, each test on a database of its own.</summary>
[Collection(PostgresCollection.Name)]
public sealed class MigrationTests(PostgresCluster cluster)
{
    [Fact]
    public void The_shipped_scripts_are_numbered_from_0001_without_gaps()
    {
        var names = DatabaseMigrator.Scripts.Select(s => s.Name).ToList();

        Assert.Contains("0001_channels.sql", names);
        Assert.Contains("0002_job_runs.sql", names);
        Assert.Contains("0003_channel_hls_format.sql", names);
        Assert.Contains("0004_channel_hls_renditions.sql", names);
        Assert.Contains("0005_webhook_deliveries.sql", names);
        Assert.All(names, n => Assert.True(DatabaseMigrator.IsScriptName(n), n));
        Assert.Equal(Enumerable.Range(1, names.Count), names.Select(n => int.Parse(n[..4], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Migrating_an_empty_database_creates_the_tables_and_journals_every_script()
    {
        var database = await cluster.CreateDatabaseAsync();

        var result = await Migrator(database).MigrateAsync();

        Assert.Equal(DatabaseMigrator.Scripts.Select(s => s.Name), result.Applied);
        Assert.Equal(DatabaseMigrator.Scripts.Count, result.Known);
        Assert.Equal(["appliances", "channel_leases", "channels", "job_runs", DatabaseMigrator.JournalTable, "webhook_deliveries"], await TablesAsync(database));
        Assert.Equal(result.Applied, await JournalAsync(database));
        Assert.Contains("job_runs_job_started_at", await IndexesAsync(database));
    }

    [Fact]
    public async Task Running_the_migrations_again_applies_nothing_and_keeps_the_journal()
    {
        var database = await cluster.CreateDatabaseAsync();
        await Migrator(database).MigrateAsync();

        var again = await Migrator(database).MigrateAsync();

        Assert.Empty(again.Applied);
        Assert.Equal(DatabaseMigrator.Scripts.Select(s => s.Name), await JournalAsync(database));
    }

    [Fact]
    public async Task Appliances_migrating_one_database_at_once_apply_each_script_once()
    {
        var database = await cluster.CreateDatabaseAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Migrator(database).MigrateAsync())));

        // One run applied everything; the others waited for the lock and found nothing to do.
        Assert.Single(results, r => r.Applied.Count == DatabaseMigrator.Scripts.Count);
        Assert.Equal(3, results.Count(r => r.Applied.Count == 0));
        Assert.Equal(DatabaseMigrator.Scripts.Select(s => s.Name), await JournalAsync(database));
    }

    [Fact]
    public async Task The_schema_refuses_rows_the_appliance_would_never_write()
    {
        var database = await cluster.CreateDatabaseAsync();
        await Migrator(database).MigrateAsync();

        // An RTSP channel without a URL, and a publish token hash that is not a SHA-256.
        await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(database,
            "INSERT INTO channels (id, source, created_at, updated_at) VALUES ('cam', 'rtsp', now(), now())"));
        await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(database,
            "INSERT INTO channels (id, source, publish_token_hash, created_at, updated_at) VALUES ('pub', 'webrtc', 'secret', now(), now())"));
    }

    private static DatabaseMigrator Migrator(string connectionString) => new(connectionString, NullLogger.Instance);

    internal static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        await using var command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static Task<List<string>> TablesAsync(string connectionString) =>
        QueryAsync(connectionString, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name");

    private static Task<List<string>> JournalAsync(string connectionString) =>
        QueryAsync(connectionString, $"SELECT scriptname FROM {DatabaseMigrator.JournalTable} ORDER BY scriptname");

    private static Task<List<string>> IndexesAsync(string connectionString) =>
        QueryAsync(connectionString, "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'");

    internal static async Task<List<string>> QueryAsync(string connectionString, string sql)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        await using var command = source.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}

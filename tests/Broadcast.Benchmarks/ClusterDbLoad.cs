using System.Diagnostics;
using System.Globalization;
using Broadcast.Api.Cluster;
using Broadcast.Api.State;
using Broadcast.Api.State.Postgres;
using Broadcast.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Broadcast.Benchmarks;

/// <summary>
/// What appliances cost their shared PostgreSQL: A appliances' heartbeats (exactly the round trip each appliance sends
/// every Cluster:HeartbeatInterval: registry upsert, forget, lease renewal, orphan claim, lease and registry reads)
/// against a throwaway PostgreSQL 15 holding C channels, for S seconds at the default 2 s interval. Read from the
/// server's own counters (pg_stat_database) and its backends' CPU (/proc): transactions, rows read and written per
/// second, per appliance and per channel; the heartbeat's round trip beside a bare "SELECT 1" in the same run.
/// Usage: cluster-db [--appliances 0,1,3,9] [--channels 0,100,1000] [--seconds 30]
/// </summary>
internal static class ClusterDbLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var appliances = LoadTool.ArgList(args, "--appliances", [0, 1, 3, 9]);
        var channelCounts = LoadTool.ArgList(args, "--channels", [0, 100, 1000]);
        var seconds = LoadTool.Arg(args, "--seconds", 30);
        var options = new ClusterOptions();
        var postgres = new PostgresCluster();
        await postgres.InitializeAsync();
        try
        {
            Console.WriteLine($"PostgreSQL 15 on loopback (fsync off), heartbeat every {options.HeartbeatInterval.TotalSeconds} s, {seconds} s per row; 2 cores");
            Console.WriteLine("net: above the 0-appliance row of the same channel count (the idle server and this tool's own reads)");
            Console.WriteLine($"{"appliances",10} {"channels",9} {"tx/s",7} {"net tx/s/app",13} {"rows read/s",12} {"net read/s/app",15} {"rows written/s",15} {"server CPU %",13} {"beat ms p50",12} {"SELECT 1 ms",12}");
            foreach (var channels in channelCounts)
            {
                Rates? idle = null;
                foreach (var count in appliances)
                {
                    var rates = await MeasureAsync(postgres, count, channels, seconds, options, idle);
                    idle = count == 0 ? rates : idle;
                }
            }
        }
        finally
        {
            await postgres.DisposeAsync();
        }

        return 0;
    }

    private sealed record Rates(double Transactions, double RowsRead, double RowsWritten);

    private static async Task<Rates> MeasureAsync(PostgresCluster postgres, int appliances, int channels, int seconds, ClusterOptions options, Rates? idle)
    {
        var database = await postgres.CreateDatabaseAsync();
        await new DatabaseMigrator(database, NullLogger.Instance).MigrateAsync();
        await using var source = NpgsqlDataSource.Create(database);
        var store = new PostgresChannelStore(source, new SecretCipher(StateKey.FromSecret("the cluster-db tool's key")));
        var created = DateTimeOffset.UtcNow.AddHours(-1); // older than the grace a new channel gets for its placement
        for (var i = 0; i < channels; i++)
        {
            await store.TryAddAsync(new ChannelDefinition(string.Create(CultureInfo.InvariantCulture, $"ch{i}"), ChannelSource.WebRtc, null,
                ChannelHlsProfile.Default, ChannelRetentionSettings.Default, null, null, created, created));
        }

        var cluster = new ClusterStore(source);
        var names = Enumerable.Range(1, appliances).Select(i => string.Create(CultureInfo.InvariantCulture, $"node{i}")).ToArray();
        foreach (var name in names)
        {
            await cluster.BeatAsync(name, name, $"http://{name}.test", null, default, true, options, CancellationToken.None);
        }

        // Warm: every channel claimed, the plans cached.
        foreach (var name in names)
        {
            await cluster.BeatAsync(name, name, $"http://{name}.test", null, default, false, options, CancellationToken.None);
        }

        // Backends report their statistics at most once a second, after their transactions: let the set-up's (the
        // migration's catalog writes, the channel inserts) reach the counters before the window opens.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var before = await ServerCountersAsync(source, database);
        var cpuBefore = BackendCpuTicks(before.Backends);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var beats = new List<double>();
        var clock = Stopwatch.StartNew();
        // 0 appliances: what the idle server counts by itself (its statistics, autovacuum), the baseline of the rows above.
        await Task.WhenAll(names.Length == 0 ? [Task.Delay(TimeSpan.FromSeconds(seconds))] : names.Select((name, index) => Task.Run(async () =>
        {
            // Appliances beat at their own phase, as independent machines do.
            await Task.Delay(options.HeartbeatInterval * index / appliances, CancellationToken.None);
            using var timer = new PeriodicTimer(options.HeartbeatInterval);
            do
            {
                var started = Stopwatch.GetTimestamp();
                await cluster.BeatAsync(name, name, $"http://{name}.test", null, new ApplianceLoad(channels / appliances, 0, 1), false, options, CancellationToken.None);
                lock (beats)
                {
                    beats.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
            while (await WaitAsync(timer, stop.Token));
        })));
        var elapsed = clock.Elapsed.TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(3)); // the window's last statistics, as above (nothing runs meanwhile)
        var after = await ServerCountersAsync(source, database);
        var cpuTicks = BackendCpuTicks(after.Backends) - cpuBefore;

        var ping = new double[200];
        for (var i = 0; i < ping.Length; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await using var command = source.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync();
            ping[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        Array.Sort(ping);
        beats.Sort();
        if (beats.Count == 0)
        {
            beats.Add(double.NaN); // 0 appliances: no beat
        }
        // The counters include the two counter reads themselves (2 transactions): negligible next to tens of seconds.
        var tx = (after.Commits - before.Commits) / elapsed;
        var read = (after.RowsRead - before.RowsRead) / elapsed;
        var written = (after.RowsWritten - before.RowsWritten) / elapsed;
        var cpu = 100.0 * cpuTicks / ProcessStat.ClockTicksPerSecond / elapsed;
        var perApplianceTx = idle is null || appliances == 0 ? double.NaN : (tx - idle.Transactions) / appliances;
        var perApplianceRead = idle is null || appliances == 0 ? double.NaN : (read - idle.RowsRead) / appliances;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{appliances,10} {channels,9} {tx,7:F2} {perApplianceTx,13:F2} {read,12:F0} {perApplianceRead,15:F0} {written,15:F0} {cpu,13:F2} {beats[beats.Count / 2],12:F2} {ping[ping.Length / 2],12:F3}"));
        return new Rates(tx, read, written);
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private sealed record Counters(long Commits, long RowsRead, long RowsWritten, int[] Backends);

    private static async Task<Counters> ServerCountersAsync(NpgsqlDataSource source, string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        // The statistics collector publishes at most every 500 ms: take a fresh snapshot.
        await using (var clear = source.CreateCommand("SELECT pg_stat_clear_snapshot()"))
        {
            await clear.ExecuteNonQueryAsync();
        }

        await using var command = source.CreateCommand("""
            SELECT xact_commit, tup_returned + tup_fetched, tup_inserted + tup_updated + tup_deleted,
                (SELECT array_agg(pid) FROM pg_stat_activity WHERE datname = $1)
            FROM pg_stat_database WHERE datname = $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new Counters(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetFieldValue<int[]>(3));
    }

    // The backends serving the database (pooled connections live through the run).
    private static long BackendCpuTicks(IEnumerable<int> pids) =>
        pids.Sum(pid => File.Exists($"/proc/{pid}/stat") && ProcessStat.TryParse(File.ReadAllText($"/proc/{pid}/stat"), out var stat) ? stat.CpuTicks : 0);
}

using System.Diagnostics;
using Broadcast.Api.Jobs;
using Broadcast.Api.State;
using Broadcast.Api.State.Postgres;
using Broadcast.Transcode;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Broadcast.Benchmarks;

/// <summary>
/// The segment-retention job end to end on a real folder: N segments in C channel folders with live playlists, a
/// share of them older than the retention, the job's scan, policy, deletions and run record. Prints each run's
/// time and the allocation; the folder is rebuilt before every run.
/// With --database (an Npgsql connection string) runs are recorded in PostgreSQL, migrated first, as on an appliance.
/// Usage: retention-job [--segments 10000] [--channels 10] [--due-percent 50] [--runs 5] [--database "Host=...;Database=..."]
/// </summary>
internal static class RetentionJobLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var segments = LoadTool.Arg(args, "--segments", 10_000);
        var channels = LoadTool.Arg(args, "--channels", 10);
        var duePercent = LoadTool.Arg(args, "--due-percent", 50);
        var runs = LoadTool.Arg(args, "--runs", 5);
        var root = Directory.CreateTempSubdirectory("broadcast-retention-job-").FullName;
        try
        {
            var database = args.SkipWhile(a => a != "--database").Skip(1).FirstOrDefault();
            Console.WriteLine($"Segment retention job: {segments} segments in {channels} channels, {duePercent} % past the 1 h retention, {runs} runs, "
                + $"runs recorded {(database is null ? "in memory" : "in PostgreSQL")}");
            await using var dataSource = database is null ? null : NpgsqlDataSource.Create(database);
            if (database is not null)
            {
                await new DatabaseMigrator(database, NullLogger.Instance).MigrateAsync();
            }

            var job = CreateJob(root, dataSource is null ? new InMemoryJobRunStore() : new PostgresJobRunStore(dataSource));
            for (var run = 1; run <= runs; run++)
            {
                var due = Populate(root, segments, channels, duePercent);
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                var clock = Stopwatch.StartNew();
                var summary = await job.ExecuteAsync(CancellationToken.None);
                clock.Stop();
                allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
                Console.WriteLine($"run {run}: {clock.Elapsed.TotalMilliseconds,8:F1} ms total (sweep {summary.DurationMs:F1} ms), "
                    + $"{summary.SegmentsScanned} scanned, {summary.SegmentsDeleted} deleted (expected {due}), {allocated / 1024.0 / 1024.0:F1} MiB allocated");
                if (summary.SegmentsDeleted != due)
                {
                    Console.Error.WriteLine("The job did not delete what the policy says.");
                    return 1;
                }
            }

            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static SegmentRetentionJob CreateJob(string root, IJobRunStore runs)
    {
        var hls = Options.Create(new HlsOptions { Root = root, WorkRoot = Path.Combine(root, "..", "run") });
        var jobs = Options.Create(new JobOptions { HostName = "bench", RetentionMaxAge = TimeSpan.FromHours(1) });
        return new SegmentRetentionJob(new InMemoryChannelStore(), runs, hls, jobs, new JobHost(jobs), TimeProvider.System, NullLoggerFactory.Instance);
    }

    // Every channel folder: segments oldest first, the last six in the live playlist; the first due-percent are old.
    private static int Populate(string root, int segments, int channels, int duePercent)
    {
        foreach (var folder in Directory.EnumerateDirectories(root))
        {
            Directory.Delete(folder, recursive: true);
        }

        var perChannel = segments / channels;
        var duePerChannel = Math.Min(perChannel - 6, perChannel * duePercent / 100);
        var old = DateTime.UtcNow - TimeSpan.FromHours(2);
        for (var channel = 0; channel < channels; channel++)
        {
            var folder = Path.Combine(root, $"cam{channel}");
            Directory.CreateDirectory(folder);
            for (var i = 0; i < perChannel; i++)
            {
                var path = Path.Combine(folder, $"seg_{i:D5}.ts");
                File.WriteAllBytes(path, new byte[188]);
                File.SetLastWriteTimeUtc(path, i < duePerChannel ? old : DateTime.UtcNow - TimeSpan.FromMinutes(5));
            }

            File.WriteAllText(Path.Combine(folder, "index.m3u8"),
                "#EXTM3U\n" + string.Concat(Enumerable.Range(perChannel - 6, 6).Select(i => $"#EXTINF:2.0,\nseg_{i:D5}.ts\n")));
        }

        return duePerChannel * channels;
    }
}

using System.Diagnostics;
using System.Net;
using Broadcast.Testing;
using Broadcast.Transcode.Retention;
using Npgsql;

namespace Broadcast.Api.Tests.Jobs;

/// <summary>
/// The jobs on Hangfire's PostgreSQL storage: runs go through the real database, retention deletes exactly what the
/// policy says on a folder FFmpeg wrote, and two appliances sharing the database and the folder never delete twice.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresJobTests(PostgresCluster cluster)
{
    private static Dictionary<string, string?> OnDatabase(string connectionString, string? hlsRoot = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Broadcast"] = connectionString,
            ["State:SecretKey"] = "the appliance's secret key for these tests",
            ["Jobs:PollInterval"] = "00:00:00.500",
        };
        if (hlsRoot is not null)
        {
            settings["Hls:Root"] = hlsRoot;
        }

        return settings;
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task A_retention_run_goes_through_Hangfire_on_PostgreSQL_and_is_recorded_there()
    {
        var database = await cluster.CreateDatabaseAsync();
        await using var host = await BroadcastHost.StartAsync(OnDatabase(database));
        var old = DateTime.UtcNow - TimeSpan.FromHours(3);
        for (var i = 0; i < 3; i++)
        {
            JobApiTests.WriteSegment(Path.Combine(host.HlsRoot, "pg-channel"), $"s{i}.ts", old);
        }

        var result = await JobApiTests.RunJobAsync(host.Client, "segment-retention");

        Assert.Equal(3, result.GetProperty("segmentsDeleted").GetInt32());
        Assert.Equal(1, await ScalarAsync(database,
            "SELECT count(*) FROM hangfire.job WHERE statename = 'Succeeded' AND invocationdata::text LIKE '%SegmentRetentionJob%'"));
        Assert.Equal(3, await ScalarAsync(database,
            "SELECT jsonb_array_length(actions) FROM job_runs WHERE job = 'segment-retention' ORDER BY started_at DESC LIMIT 1"));
        var jobs = await host.Client.GetAsync("api/v1/jobs").ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(jobs.EnumerateArray(), j => j.GetProperty("id").GetString() == "segment-retention");
    }

    [Fact]
    public async Task Retention_deletes_exactly_what_the_policy_says_from_a_folder_FFmpeg_wrote()
    {
        var database = await cluster.CreateDatabaseAsync();
        await using var host = await BroadcastHost.StartAsync(OnDatabase(database));
        var folder = Path.Combine(host.HlsRoot, "ffmpeg-written");
        Directory.CreateDirectory(folder);
        // Ten 1-second segments; the playlist keeps the last three (FFmpeg deletes nothing: that is the job's work).
        using (var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg",
            ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "10",
             "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-f", "hls", "-hls_time", "1", "-hls_list_size", "3",
             Path.Combine(folder, "index.m3u8")]))!)
        {
            Assert.True(ffmpeg.WaitForExit(60_000), "FFmpeg wrote the folder in time");
            Assert.Equal(0, ffmpeg.ExitCode);
        }

        var backdated = DateTime.UtcNow - TimeSpan.FromHours(2);
        foreach (var segment in Directory.EnumerateFiles(folder, "*.ts"))
        {
            File.SetLastWriteTimeUtc(segment, backdated);
        }

        // What the policy decides for the same folder, computed here from the files and the playlist.
        var live = (await File.ReadAllLinesAsync(Path.Combine(folder, "index.m3u8"))).Where(l => l.EndsWith(".ts", StringComparison.Ordinal)).ToHashSet();
        var scanned = new DirectoryInfo(folder).EnumerateFiles("*.ts")
            .Select(f => new SegmentFile("ffmpeg-written", f.Name, f.Length, f.LastWriteTimeUtc, live.Contains(f.Name))).ToList();
        var expected = RetentionPolicy.Decide(scanned, _ => new ChannelRetention(TimeSpan.FromHours(1), null), null, DateTimeOffset.UtcNow)
            .Select(d => d.Segment.Name).Order(StringComparer.Ordinal).ToList();
        Assert.True(expected.Count >= 6, $"FFmpeg wrote {scanned.Count} segments");

        await JobApiTests.RunJobAsync(host.Client, "segment-retention");

        var left = Directory.EnumerateFiles(folder, "*.ts").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(live.Order(StringComparer.Ordinal).ToList(), left);
        var runs = await host.Client.GetAsync("api/v1/jobs/segment-retention/runs?count=1").ExpectAsync(HttpStatusCode.OK);
        var deleted = runs[0].GetProperty("actions").EnumerateArray().Select(a => a.GetProperty("target").GetString()!).Order(StringComparer.Ordinal);
        Assert.Equal(expected, deleted);
    }

    [Fact]
    public async Task Two_appliances_on_one_database_and_one_folder_never_delete_a_segment_twice()
    {
        var database = await cluster.CreateDatabaseAsync();
        var shared = Directory.CreateTempSubdirectory("broadcast-shared-hls-").FullName;
        try
        {
            await using var first = await BroadcastHost.StartAsync(OnDatabase(database, shared));
            await using var second = await BroadcastHost.StartAsync(OnDatabase(database, shared));
            var old = DateTime.UtcNow - TimeSpan.FromHours(3);
            for (var channel = 0; channel < 4; channel++)
            {
                for (var i = 0; i < 250; i++)
                {
                    JobApiTests.WriteSegment(Path.Combine(shared, $"cam{channel}"), $"s{i:D4}.ts", old, bytes: 10);
                }
            }

            // Both ask for a run at once: Hangfire runs them one after the other, the second finds nothing left.
            var runs = await Task.WhenAll(
                JobApiTests.RunJobAsync(first.Client, "segment-retention"),
                JobApiTests.RunJobAsync(second.Client, "segment-retention"));

            Assert.Equal(1000, runs.Sum(r => r.GetProperty("segmentsDeleted").GetInt32()));
            Assert.Equal(0, runs.Sum(r => r.GetProperty("alreadyGone").GetInt32()));
            Assert.Empty(Directory.EnumerateFiles(shared, "*.ts", SearchOption.AllDirectories));
            Assert.Equal(1000, await ScalarAsync(database,
                "SELECT count(*) FROM (SELECT a->>'channel', a->>'target' FROM job_runs, jsonb_array_elements(actions) a " +
                "WHERE job = 'segment-retention' GROUP BY 1, 2 HAVING count(*) = 1) once"));
            Assert.Equal(1000, await ScalarAsync(database,
                "SELECT count(*) FROM job_runs, jsonb_array_elements(actions) a WHERE job = 'segment-retention'"));
        }
        finally
        {
            Directory.Delete(shared, recursive: true);
        }
    }
}

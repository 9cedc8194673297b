using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Broadcast.Testing;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace Broadcast.Api.Tests.Jobs;

/// <summary>
/// The recurring jobs on a real host with Hangfire's in-memory storage (the embedded default): run through the API,
/// acting on real routers, transports, files and an FFmpeg process.
/// </summary>
public sealed class JobApiTests
{
    private static readonly DateTime LongAgo = DateTime.UtcNow - TimeSpan.FromHours(3);

    /// <summary>Triggers <paramref name="job"/> through the API and waits for its Hangfire execution to succeed; returns its result.</summary>
    internal static async Task<JsonElement> RunJobAsync(HttpClient client, string job)
    {
        var triggered = await client.PostAsync($"api/v1/jobs/{job}/trigger", null).ExpectAsync(HttpStatusCode.Accepted);
        var jobId = triggered.GetProperty("jobId").GetString();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            var execution = await client.GetAsync($"api/v1/jobs/executions/{jobId}").ExpectAsync(HttpStatusCode.OK);
            var state = execution.GetProperty("state").GetString();
            Assert.True(state != "Failed", $"The {job} job failed: {execution}");
            if (state == "Succeeded")
            {
                return execution.GetProperty("result");
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Job {job} ({jobId}) did not succeed within 30 s.");
    }

    internal static string WriteSegment(string folder, string name, DateTime lastWrite, int bytes = 1000)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, new byte[bytes]);
        File.SetLastWriteTimeUtc(path, lastWrite);
        return path;
    }

    [Fact]
    public async Task Segment_retention_deletes_old_segments_out_of_the_live_playlist_and_says_what_and_why()
    {
        await using var host = await BroadcastHost.StartAsync(new Dictionary<string, string?> { ["Jobs:RetentionMaxAge"] = "01:00:00" });
        var channel = Path.Combine(host.HlsRoot, "archive");
        var old = Enumerable.Range(0, 5).Select(i => WriteSegment(channel, $"s{i}.ts", LongAgo)).ToList();
        var listed = WriteSegment(channel, "s5.ts", LongAgo);
        var fresh = WriteSegment(channel, "s6.ts", DateTime.UtcNow);
        await File.WriteAllTextAsync(Path.Combine(channel, "index.m3u8"), "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\ns5.ts\n");

        var result = await RunJobAsync(host.Client, "segment-retention");

        Assert.Equal(5, result.GetProperty("segmentsDeleted").GetInt32());
        Assert.Equal(5000, result.GetProperty("bytesDeleted").GetInt64());
        Assert.Equal(5, result.GetProperty("byReason").GetProperty("age").GetInt32());
        Assert.All(old, path => Assert.False(File.Exists(path)));
        Assert.True(File.Exists(listed), "a segment of the live playlist is never deleted");
        Assert.True(File.Exists(fresh));

        var runs = await host.Client.GetAsync("api/v1/jobs/segment-retention/runs?count=1").ExpectAsync(HttpStatusCode.OK);
        var actions = Assert.Single(runs.EnumerateArray()).GetProperty("actions").EnumerateArray().ToList();
        Assert.Equal(["s0.ts", "s1.ts", "s2.ts", "s3.ts", "s4.ts"], actions.Select(a => a.GetProperty("target").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(actions, a => Assert.Equal(("archive", "deleted", "age"),
            (a.GetProperty("channel").GetString(), a.GetProperty("action").GetString(), a.GetProperty("reason").GetString())));

        // Idempotent: the next run finds nothing more to delete.
        Assert.Equal(0, (await RunJobAsync(host.Client, "segment-retention")).GetProperty("segmentsDeleted").GetInt32());
    }

    [Fact]
    public async Task Cleanup_closes_idle_routers_and_transports_that_never_connected()
    {
        await using var host = await BroadcastHost.StartAsync(new Dictionary<string, string?>
        {
            // Anything idle or unconnected at all is past these; the policy's own tests check the boundaries.
            ["Jobs:IdleTimeout"] = "00:00:00.001",
            ["Jobs:ConnectTimeout"] = "00:00:00.001",
        });
        await host.Client.CreateRouterAsync("idle-channel");
        // A plain transport: a WebRTC one closes itself once Jobs:ConnectTimeout passes, perhaps before its 201 is written.
        var transport = await host.Client.CreatePlainTransportAsync("idle-channel", """{ "comedia": true }""");

        var result = await RunJobAsync(host.Client, "cleanup");

        Assert.Equal(1, result.GetProperty("routersClosed").GetInt32());
        await host.Client.GetAsync($"{ApiCalls.Mediasoup}/router/idle-channel").ExpectProblemAsync(HttpStatusCode.NotFound);
        await host.Client.GetAsync($"{ApiCalls.Mediasoup}/transport/{transport.GetProperty("id").GetString()}").ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Cleanup_closes_a_transport_that_never_connected_and_keeps_its_router_while_it_has_a_producer()
    {
        await using var host = await BroadcastHost.StartAsync(new Dictionary<string, string?> { ["Jobs:ConnectTimeout"] = "00:00:00.001" });
        await host.Client.CreateRouterAsync("live-channel");
        var stale = await host.Client.CreatePlainTransportAsync("live-channel", """{ "comedia": true }""");

        var result = await RunJobAsync(host.Client, "cleanup");

        Assert.Equal(1, result.GetProperty("transportsClosed").GetInt32());
        Assert.Equal(0, result.GetProperty("routersClosed").GetInt32()); // the default idle timeout is minutes
        await host.Client.GetAsync($"{ApiCalls.Mediasoup}/transport/{stale.GetProperty("id").GetString()}").ExpectProblemAsync(HttpStatusCode.NotFound);
        await host.Client.GetAsync($"{ApiCalls.Mediasoup}/router/live-channel").ExpectAsync(HttpStatusCode.OK);
        var runs = await host.Client.GetAsync("api/v1/jobs/cleanup/runs").ExpectAsync(HttpStatusCode.OK);
        var action = Assert.Single(runs.EnumerateArray().First().GetProperty("actions").EnumerateArray());
        Assert.Equal("never-connected", action.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Cleanup_kills_an_orphan_FFmpeg_and_removes_the_files_and_folders_of_channels_that_are_gone()
    {
        await using var host = await BroadcastHost.StartAsync(new Dictionary<string, string?> { ["Jobs:DeletedChannelGrace"] = "00:10:00" });
        // An FFmpeg left by an earlier run: it waits for RTP described by an SDP file of the work folder.
        var sdp = Path.Combine(host.HlsWorkRoot, "ghost.sdp");
        await File.WriteAllTextAsync(sdp, "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=ghost\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 5 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n");
        using var orphan = Process.Start(new ProcessStartInfo("ffmpeg", ["-nostdin", "-protocol_whitelist", "file,udp,rtp", "-i", sdp, "-f", "null", "-"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        orphan.ErrorDataReceived += (_, _) => { };
        orphan.BeginErrorReadLine();
        File.SetLastWriteTimeUtc(sdp, LongAgo);
        WriteSegment(Path.Combine(host.HlsRoot, "deleted-long-ago"), "s0.ts", LongAgo);
        var recent = WriteSegment(Path.Combine(host.HlsRoot, "written-just-now"), "s0.ts", DateTime.UtcNow);

        var result = await RunJobAsync(host.Client, "cleanup");

        Assert.True(orphan.WaitForExit(5000), "the orphan FFmpeg is killed");
        Assert.Equal(1, result.GetProperty("processesKilled").GetInt32());
        Assert.False(File.Exists(sdp));
        Assert.False(Directory.Exists(Path.Combine(host.HlsRoot, "deleted-long-ago")));
        Assert.True(File.Exists(recent), "a folder written to within the grace period may belong to another appliance");
        Assert.Equal(1, result.GetProperty("foldersDeleted").GetInt32());
    }

    [Fact]
    public async Task The_jobs_are_listed_with_their_schedule_and_unknown_jobs_are_problems()
    {
        await using var host = await BroadcastHost.StartAsync(new Dictionary<string, string?> { ["Jobs:RetentionCron"] = "*/5 * * * *" });

        var jobs = await host.Client.GetAsync("api/v1/jobs").ExpectAsync(HttpStatusCode.OK);

        var ids = jobs.EnumerateArray().Select(j => j.GetProperty("id").GetString()!).ToList();
        Assert.Contains("segment-retention", ids);
        Assert.Contains(ids, id => id.StartsWith("cleanup@", StringComparison.Ordinal));
        Assert.Equal("*/5 * * * *", jobs.EnumerateArray().Single(j => j.GetProperty("id").GetString() == "segment-retention").GetProperty("cron").GetString());
        await host.Client.PostAsync("api/v1/jobs/defragment/trigger", null).ExpectProblemAsync(HttpStatusCode.NotFound);
        await host.Client.GetAsync("api/v1/jobs/cleanup/runs?count=0").ExpectFieldProblemAsync("count");
    }

    [Fact]
    public async Task Cleanup_closes_a_camera_channel_whose_definition_another_appliance_deleted()
    {
        await using var host = await BroadcastHost.StartAsync();
        using var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        await host.Client.PostJsonAsync("api/v1/channels", $$"""{ "channel_id": "cam-elsewhere", "rtsp": { "url": "rtsp://127.0.0.1:{{port}}/x" } }""")
            .ExpectAsync(HttpStatusCode.Created);
        // What a DELETE through another appliance sharing the database leaves here: the definition gone, the session running.
        await host.Services.GetRequiredService<Broadcast.Api.State.IChannelStore>().DeleteAsync("cam-elsewhere");

        var result = await RunJobAsync(host.Client, "cleanup");

        Assert.Equal(1, result.GetProperty("routersClosed").GetInt32());
        await host.Client.GetAsync($"{ApiCalls.Mediasoup}/router/cam-elsewhere").ExpectProblemAsync(HttpStatusCode.NotFound);
        var runs = await host.Client.GetAsync("api/v1/jobs/cleanup/runs?count=1").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("deleted", Assert.Single(runs[0].GetProperty("actions").EnumerateArray()).GetProperty("reason").GetString());
    }

    [Fact]
    public async Task The_recurring_jobs_of_an_appliance_gone_for_longer_than_the_grace_are_removed_and_recent_ones_kept()
    {
        await using var host = await BroadcastHost.StartAsync();
        var storage = host.Services.GetRequiredService<JobStorage>();
        var manager = host.Services.GetRequiredService<IRecurringJobManager>();
        manager.AddOrUpdate<Broadcast.Api.Jobs.CleanupJob>("cleanup@ghost-appliance", "host_ghost_appliance", job => job.RunAsync(CancellationToken.None), "0 0 1 1 *", new RecurringJobOptions());
        var jobHost = host.Services.GetRequiredService<Broadcast.Api.Jobs.JobHost>();
        var logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        Broadcast.Api.Jobs.JobServerLifetime.RemoveStaleHostJobs(manager, storage, jobHost, logger, DateTime.UtcNow + TimeSpan.FromMinutes(5));
        Assert.Contains("cleanup@ghost-appliance", RecurringJobIds(storage));

        Broadcast.Api.Jobs.JobServerLifetime.RemoveStaleHostJobs(manager, storage, jobHost, logger, DateTime.UtcNow + TimeSpan.FromMinutes(20));
        Assert.DoesNotContain("cleanup@ghost-appliance", RecurringJobIds(storage));
        Assert.Contains(jobHost.RecurringJobId("cleanup"), RecurringJobIds(storage)); // its own, whatever the clock says
    }

    private static List<string> RecurringJobIds(JobStorage storage)
    {
        using var connection = storage.GetConnection();
        return [.. Hangfire.Storage.StorageConnectionExtensions.GetRecurringJobs(connection).Select(j => j.Id)];
    }

    [Fact]
    public async Task An_execution_id_that_is_not_a_number_is_not_found()
    {
        await using var host = await BroadcastHost.StartAsync();

        await host.Client.GetAsync("api/v1/jobs/executions/abc").ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_dashboard_answers_loopback_clients()
    {
        await using var host = await BroadcastHost.StartAsync();

        using var response = await host.Client.GetAsync("hangfire");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Broadcast jobs", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

/// <summary>The jobs API and the dashboard with credentials configured: the admin policy, as for the rest of the admin API.</summary>
public sealed class JobAccessTests(Auth.SecuredHost secured) : IClassFixture<Auth.SecuredHost>
{
    [Theory]
    [InlineData("GET", "hangfire", Auth.Credential.None, HttpStatusCode.Unauthorized)]
    [InlineData("GET", "hangfire", Auth.Credential.WrongApiKey, HttpStatusCode.Unauthorized)]
    [InlineData("GET", "hangfire", Auth.Credential.AdminApiKey, HttpStatusCode.OK)]
    [InlineData("GET", "hangfire", Auth.Credential.AdminJwt, HttpStatusCode.OK)]
    [InlineData("GET", "hangfire/recurring", Auth.Credential.JwtWithoutAdminRole, HttpStatusCode.Forbidden)]
    [InlineData("GET", "api/v1/jobs", Auth.Credential.None, HttpStatusCode.Unauthorized)]
    [InlineData("GET", "api/v1/jobs", Auth.Credential.AdminApiKey, HttpStatusCode.OK)]
    [InlineData("POST", "api/v1/jobs/cleanup/trigger", Auth.Credential.ExpiredJwt, HttpStatusCode.Unauthorized)]
    [InlineData("POST", "api/v1/jobs/cleanup/trigger", Auth.Credential.AdminJwt, HttpStatusCode.Accepted)]
    public async Task The_dashboard_and_the_jobs_API_need_an_admin_credential(string method, string path, Auth.Credential credential, HttpStatusCode expected)
    {
        using var response = await Auth.AuthCalls.SendAsync(secured.Host.Client, new HttpMethod(method), path, credential);

        Assert.Equal(expected, response.StatusCode);
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Broadcast.Api.Channels;
using Broadcast.Api.Cluster;
using Broadcast.Api.State;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Sources;
using Broadcast.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Broadcast.Api.Tests.State;

/// <summary>The real host on PostgreSQL: channels survive a restart, two hosts share one database, a wrong key stops the start.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresHostTests(PostgresCluster cluster)
{
    private const string Channels = "api/v1/channels";
    private const string Key = "the appliance's secret key for these tests";

    private static Dictionary<string, string?> OnDatabase(string connectionString, string key = Key) => new()
    {
        ["ConnectionStrings:Broadcast"] = connectionString,
        ["State:SecretKey"] = key,
    };

    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    [Fact]
    public async Task A_restarted_host_keeps_its_channels_and_restarts_its_cameras()
    {
        var database = await cluster.CreateDatabaseAsync();
        var port = ClosedPort();
        string token;
        await using (var first = await BroadcastHost.StartAsync(OnDatabase(database)))
        {
            await first.Client.PostJsonAsync(Channels, $$"""
                { "channel_id": "cam-restart", "rtsp": { "url": "rtsp://admin:hunter2@127.0.0.1:{{port}}/live", "transport": "udp" },
                  "hls": { "segmentSeconds": 4, "playlistSize": 3, "format": "mpegts" }, "retention": { "maxAgeSeconds": 600 } }
                """).ExpectAsync(HttpStatusCode.Created);
            var publisher = await first.Client.PostJsonAsync(Channels, """{ "channel_id": "pub-restart", "source": "webrtc" }""")
                .ExpectAsync(HttpStatusCode.Created);
            token = publisher.GetProperty("publishToken").GetString()!;
            await first.Client.CreateRouterAsync("adhoc-restart");
        }

        await using var second = await BroadcastHost.StartAsync(OnDatabase(database));

        var list = (await second.Client.GetAsync(Channels).ExpectAsync(HttpStatusCode.OK)).EnumerateArray().ToList();
        Assert.Equal(["cam-restart", "pub-restart"], list.Select(c => c.Id()));
        var camera = list[0];
        Assert.Contains(camera.GetProperty("state").GetString(), new[] { "connecting", "unreachable", "backing-off" });
        Assert.Equal($"rtsp://127.0.0.1:{port}/live", camera.GetProperty("rtsp").GetProperty("url").GetString());
        Assert.True(camera.GetProperty("rtsp").GetProperty("hasCredentials").GetBoolean());
        Assert.Equal("udp", camera.GetProperty("rtsp").GetProperty("transport").GetString());
        Assert.Equal(600, camera.GetProperty("settings").GetProperty("retention").GetProperty("maxAgeSeconds").GetInt64());
        var hls = await second.Client.GetAsync($"{Channels}/cam-restart/hls").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal((4.0, 3, "mpegts"), (hls.GetProperty("segmentSeconds").GetDouble(), hls.GetProperty("playlistSize").GetInt32(), hls.GetProperty("format").GetString()));
        Assert.Equal("waiting", list[1].GetProperty("state").GetString());
        var stored = await second.Services.GetRequiredService<IChannelStore>().FindAsync("pub-restart");
        Assert.True(PublishToken.Matches(token, stored!.PublishTokenHash!));
        Assert.Equal("hunter2", (await second.Services.GetRequiredService<IChannelStore>().FindAsync("cam-restart"))!.Rtsp!.Password);
        Assert.Equal(new ChannelRestore(2, 1, 1, 0, default), second.Services.GetRequiredService<ChannelRestorer>().Last! with { Elapsed = default });
    }

    [Fact]
    public async Task Two_hosts_on_one_database_see_the_same_channels_each_run_by_its_owner()
    {
        var database = await cluster.CreateDatabaseAsync();
        var settings = OnDatabase(database);
        settings["Cluster:Placement"] = "Local"; // each channel stays where it was created
        // Started at once, they migrate one after the other.
        var hosts = await Task.WhenAll(BroadcastHost.StartAsync(settings), BroadcastHost.StartAsync(settings));
        await using var a = hosts[0];
        await using var b = hosts[1];
        var (aId, bId) = (Owner(a), Owner(b));
        Assert.NotEqual(aId, bId);

        await a.Client.PostJsonAsync(Channels, """{ "channel_id": "pub-shared", "hls": { "playlistSize": 9 } }""").ExpectAsync(HttpStatusCode.Created);
        await b.Client.PostJsonAsync(Channels, $$"""{ "channel_id": "cam-shared", "rtsp": { "url": "rtsp://127.0.0.1:{{ClosedPort()}}/x" } }""")
            .ExpectAsync(HttpStatusCode.Created);

        var seenByB = await b.Client.GetAsync($"{Channels}/pub-shared").ExpectAsync(HttpStatusCode.OK);
        Assert.True(seenByB.GetProperty("persistent").GetBoolean());
        Assert.Equal("remote", seenByB.GetProperty("state").GetString());
        Assert.Equal(aId, seenByB.GetProperty("owner").GetProperty("id").GetString());
        Assert.Equal(a.Client.BaseAddress!.GetLeftPart(UriPartial.Authority), seenByB.GetProperty("owner").GetProperty("url").GetString());
        Assert.False(seenByB.GetProperty("owner").GetProperty("here").GetBoolean());
        // The camera is pulled by its owner only.
        var cameraAtA = await a.Client.GetAsync($"{Channels}/cam-shared").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("remote", cameraAtA.GetProperty("state").GetString());
        Assert.Null(a.Services.GetRequiredService<RtspSourceRegistry>().Find("cam-shared"));
        var cameraAtB = await b.Client.GetAsync($"{Channels}/cam-shared").ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(cameraAtB.GetProperty("state").GetString(), new[] { "connecting", "unreachable", "backing-off" });
        Assert.True(cameraAtB.GetProperty("owner").GetProperty("here").GetBoolean());
        await a.Client.PostJsonAsync(Channels, """{ "channel_id": "pub-shared" }""").ExpectProblemAsync(HttpStatusCode.Conflict);

        // A publisher arriving at B is sent to A, which starts the router with the profile it stored.
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = b.Client.BaseAddress };
        using var redirect = await noRedirects.PostAsync("api/v1/mediasoup/router",
            new StringContent("""{ "router_id": "pub-shared" }""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.TemporaryRedirect, redirect.StatusCode);
        Assert.Equal(new Uri(a.Client.BaseAddress!, "api/v1/mediasoup/router").AbsoluteUri, redirect.Headers.Location!.GetLeftPart(UriPartial.Path));
        await b.Client.CreateRouterAsync("pub-shared"); // HttpClient follows the 307 with the same body
        Assert.NotNull(a.Services.GetRequiredService<MediaServer>().FindRouter("pub-shared"));
        Assert.Null(b.Services.GetRequiredService<MediaServer>().FindRouter("pub-shared"));
        var hls = await a.Client.GetAsync($"{Channels}/pub-shared/hls").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(9, hls.GetProperty("playlistSize").GetInt32());

        // Deleted through B: A, its owner, stops it.
        await b.Client.DeleteAsync($"{Channels}/pub-shared").ExpectAsync(HttpStatusCode.NoContent);
        Assert.True(await Eventually.TrueAsync(() => a.Services.GetRequiredService<MediaServer>().FindRouter("pub-shared") is null));
        await a.Client.GetAsync($"{Channels}/pub-shared").ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(["cam-shared"], (await a.Client.GetAsync(Channels).ExpectAsync(HttpStatusCode.OK)).EnumerateArray().Select(c => c.Id()));
    }

    private static string Owner(BroadcastHost host) => host.Services.GetRequiredService<IChannelOwnership>().Self.Id;

    [Fact]
    public async Task A_host_with_another_key_starts_and_reports_the_channels_it_cannot_read_saying_which_key_it_needs()
    {
        var database = await cluster.CreateDatabaseAsync();
        await using (var first = await BroadcastHost.StartAsync(OnDatabase(database)))
        {
            await first.Client.PostJsonAsync(Channels, $$"""{ "channel_id": "cam-key", "rtsp": { "url": "rtsp://admin:hunter2@127.0.0.1:{{ClosedPort()}}/x" } }""")
                .ExpectAsync(HttpStatusCode.Created);
            await first.Client.PostJsonAsync(Channels, """{ "channel_id": "pub-key" }""").ExpectAsync(HttpStatusCode.Created);
        }

        await using var second = await BroadcastHost.StartAsync(OnDatabase(database, "some other key, not the right one"));

        using var response = await second.Client.GetAsync(Channels);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("hunter2", body, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(body);
        var list = document.RootElement.EnumerateArray().ToList();
        Assert.Equal(["cam-key", "pub-key"], list.Select(c => c.Id()));
        var warning = string.Join(" ", list[0].GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
        Assert.Contains("channel 'cam-key'", warning, StringComparison.Ordinal);
        Assert.Contains("was encrypted with key", warning, StringComparison.Ordinal);
        Assert.Contains("BROADCAST_SECRET_KEY", warning, StringComparison.Ordinal);
        Assert.Equal("stopped", list[0].GetProperty("state").GetString());
        Assert.Equal(1, second.Services.GetRequiredService<ChannelRestorer>().Last!.Failed);
    }

    [Fact]
    public async Task A_database_that_does_not_answer_is_retried_for_the_configured_wait_then_stops_the_start()
    {
        var overrides = OnDatabase($"Host=127.0.0.1;Port={ClosedPort()};Username=broadcast;Password=hunter2;Database=broadcast");
        overrides["State:DatabaseWait"] = "00:00:02";
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAnyAsync<Npgsql.NpgsqlException>(() => BroadcastHost.StartAsync(overrides));

        Assert.InRange(clock.Elapsed.TotalSeconds, 2, 15);
        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_secret_key_the_host_creates_a_key_file_and_encrypts_with_it()
    {
        var database = await cluster.CreateDatabaseAsync();
        await using var host = await BroadcastHost.StartAsync(new Dictionary<string, string?> { ["ConnectionStrings:Broadcast"] = database });

        await host.Client.PostJsonAsync(Channels, $$"""{ "channel_id": "cam-keyfile", "rtsp": { "url": "rtsp://admin:hunter2@127.0.0.1:{{ClosedPort()}}/x" } }""")
            .ExpectAsync(HttpStatusCode.Created);

        var keyFile = Path.Combine(host.TempRoot, "broadcast.key");
        Assert.True(File.Exists(keyFile));
        var key = StateKey.FromKeyFile(keyFile, out _);
        Assert.Equal(key.Id, host.Services.GetRequiredService<SecretCipher>().Key.Id);
        Assert.Equal("hunter2", (await host.Services.GetRequiredService<IChannelStore>().FindAsync("cam-keyfile"))!.Rtsp!.Password);
    }
}

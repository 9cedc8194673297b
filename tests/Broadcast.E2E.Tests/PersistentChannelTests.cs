using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Broadcast.Api.Channels;
using Broadcast.Api.State;
using Broadcast.Api.State.Postgres;
using Broadcast.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit.Abstractions;

namespace Broadcast.E2E.Tests;

/// <summary>
/// Channels kept in PostgreSQL across restarts of the appliance: a real camera plays again after the restart, and
/// the start-up time with 100 stored channels (a figure printed to the test output).
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class PersistentChannelTests(PostgresCluster cluster, ITestOutputHelper output) : IClassFixture<PostgresCluster>
{
    private const string Key = "the end-to-end tests' secret key";

    private static Dictionary<string, string?> OnDatabase(string connectionString) => new()
    {
        ["ConnectionStrings:Broadcast"] = connectionString,
        ["State:SecretKey"] = Key,
    };

    [Fact]
    public async Task A_camera_channel_plays_again_after_the_appliance_restarts()
    {
        var database = await cluster.CreateDatabaseAsync();
        using var camera = await RtspCamera.StartAsync("--audio", "aac", "--user", "admin", "--password", "s3cret", "--digest");
        await using (var first = await BroadcastHost.StartAsync(OnDatabase(database)))
        {
            var channel = await CameraChannel.CreateAsync(first, "e2e-persist", camera.Url, "tcp", "admin", "s3cret");
            await WaitForAsync(async () => await channel.StateAsync() == "playing", "playing before the restart");
        }

        var restart = Stopwatch.StartNew();
        await using var second = await BroadcastHost.StartAsync(OnDatabase(database));
        var started = restart.Elapsed;
        var restored = CameraChannel.Existing(second, "e2e-persist");
        await WaitForAsync(async () => await restored.StateAsync() == "playing", "playing after the restart");
        var playing = restart.Elapsed;
        await WaitForAsync(() => Task.FromResult(restored.ListedSegments().Count >= 1), "a segment after the restart");
        var segment = restart.Elapsed;

        var status = await restored.StatusAsync();
        Assert.True(status["persistent"]!.GetValue<bool>());
        Assert.Equal("digest", status["rtsp"]!["authScheme"]!.GetValue<string>().ToLowerInvariant());
        Assert.Equal(1, status["rtsp"]!["sessions"]!.GetValue<int>());
        Assert.DoesNotContain("s3cret", status.ToJsonString(), StringComparison.Ordinal);
        Report("host start (migrations checked, 1 channel restored)", started);
        Report("host start to the camera playing again", playing);
        Report("host start to the first segment after the restart", segment);
    }

    [Fact]
    public async Task An_appliance_with_100_stored_channels_restores_them_without_waiting_for_unreachable_cameras()
    {
        const int cameras = 50, publishers = 50;
        var empty = await cluster.CreateDatabaseAsync();
        var database = await cluster.CreateDatabaseAsync();
        await SeedAsync(database, cameras, publishers);

        // Warms the process up (JIT, pools) and lets Hangfire create its schema in both databases, as on any start but
        // an appliance's first, so the two figures compare.
        await TimeStartAsync(empty);
        await TimeStartAsync(database);
        var emptyStart = await TimeStartAsync(empty);
        var clock = Stopwatch.StartNew();
        await using var host = await BroadcastHost.StartAsync(OnDatabase(database));
        var start = clock.Elapsed;
        var channels = await host.Client.GetFromJsonAsync<JsonArray>("api/v1/channels");
        var listed = clock.Elapsed;
        var again = Stopwatch.StartNew();
        await host.Client.GetFromJsonAsync<JsonArray>("api/v1/channels");
        var listedAgain = again.Elapsed;

        var restore = host.Services.GetRequiredService<ChannelRestorer>().Last!;
        Assert.Equal((cameras + publishers, cameras, publishers, 0), (restore.Channels, restore.Cameras, restore.Publishers, restore.Failed));
        Assert.Equal(cameras + publishers, channels!.Count);
        Assert.All(channels, c => Assert.True(c!["persistent"]!.GetValue<bool>()));
        Assert.Equal(cameras, channels.Count(c => c!["source"]!.GetValue<string>() == "rtsp"
            && c["state"]!.GetValue<string>() is "connecting" or "unreachable" or "backing-off"));
        Assert.Equal(publishers, channels.Count(c => c!["state"]!.GetValue<string>() == "waiting"));
        Report("host start, empty database", emptyStart);
        Report($"host start with {cameras + publishers} stored channels ({cameras} RTSP on an unreachable port, {publishers} publisher)", start);
        Report("  of which listing the store and starting the cameras", restore.Elapsed);
        Report($"host start to GET /api/v1/channels listing all {cameras + publishers} (first request)", listed);
        Report("  a second GET /api/v1/channels", listedAgain);
        Assert.True(start < TimeSpan.FromSeconds(15), $"The start took {start.TotalSeconds:F1} s.");
    }

    private static async Task SeedAsync(string database, int cameras, int publishers)
    {
        await new DatabaseMigrator(database, NullLogger.Instance).MigrateAsync();
        await using var source = NpgsqlDataSource.Create(database);
        var store = new PostgresChannelStore(source, new SecretCipher(StateKey.FromSecret(Key)));
        var port = ClosedPort();
        var at = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < cameras + publishers; i++)
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"{(i < cameras ? "cam" : "pub")}-{i:D3}");
            var channel = i < cameras
                ? new ChannelDefinition(id, ChannelSource.Rtsp, new RtspSourceDefinition($"rtsp://127.0.0.1:{port}/{id}", "tcp", "admin", "secret"),
                    ChannelHlsProfile.Default, ChannelRetentionSettings.Default, null, null, at.AddSeconds(i), at.AddSeconds(i))
                : new ChannelDefinition(id, ChannelSource.WebRtc, null, ChannelHlsProfile.Default, ChannelRetentionSettings.Default, null,
                    PublishToken.Hash(PublishToken.Create()), at.AddSeconds(i), at.AddSeconds(i));
            Assert.True(await store.TryAddAsync(channel));
        }
    }

    private static async Task<TimeSpan> TimeStartAsync(string database)
    {
        var clock = Stopwatch.StartNew();
        await using var host = await BroadcastHost.StartAsync(OnDatabase(database));
        return clock.Elapsed;
    }

    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private void Report(string what, TimeSpan elapsed) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: {elapsed.TotalMilliseconds:F0} ms"));

    private static Task WaitForAsync(Func<Task<bool>> condition, string what) => E2EWait.ForAsync(condition, what);
}

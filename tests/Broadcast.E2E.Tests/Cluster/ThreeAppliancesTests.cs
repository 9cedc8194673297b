using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Broadcast.Testing;
using Xunit.Abstractions;

namespace Broadcast.E2E.Tests.Cluster;

/// <summary>
/// Three appliance processes on one throwaway PostgreSQL, sharing one HLS folder (the shared-storage deployment), with
/// three fake cameras that count their sessions: cameras spread one per appliance and each pulled once; an appliance
/// killed with SIGKILL has its camera playing on another within the bound, the playlist going on after a
/// discontinuity; a WHIP publisher (Chromium) and a WHEP viewer (Chromium) that ask a non-owner are sent to the owner;
/// a drain empties an appliance onto the others.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class ThreeAppliancesTests(PostgresCluster postgres, ITestOutputHelper output) : IAsyncLifetime
{
    // Lease 6 s (kill to lapse at most 6 s, plus up to a 2 s heartbeat), a camera's connect and first part: ~9 s; 15 s is the goal.
    private static readonly TimeSpan FailoverBound = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private static readonly string[] FakeMedia =
        ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--allow-loopback-in-peer-connection"];

    private readonly List<ApplianceProcess> _nodes = [];
    private readonly List<RtspCamera> _cameras = [];
    private string _hlsRoot = "";

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
        }

        foreach (var camera in _cameras)
        {
            camera.Dispose();
        }

        try
        {
            if (_hlsRoot.Length > 0 && Directory.Exists(_hlsRoot))
            {
                Directory.Delete(_hlsRoot, recursive: true);
            }
        }
        catch (IOException)
        {
            // the OS cleans temporary folders eventually
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task Cameras_spread_are_pulled_once_move_when_their_appliance_is_killed_clients_reach_the_owner_and_a_drain_empties_an_appliance()
    {
        var database = await postgres.CreateDatabaseAsync();
        _hlsRoot = Directory.CreateTempSubdirectory("broadcast-shared-hls-").FullName;
        var nodes = await Task.WhenAll(Enumerable.Range(1, 3).Select(i => ApplianceProcess.StartAsync($"node{i}", new Dictionary<string, string?>
        {
            ["ConnectionStrings__Broadcast"] = database,
            ["BROADCAST_SECRET_KEY"] = "the three appliances' shared secret key",
            ["Cluster__ApplianceId"] = $"node{i}",
            ["Hls__Root"] = _hlsRoot,
        })));
        _nodes.AddRange(nodes);
        _cameras.AddRange(await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => RtspCamera.StartAsync())));
        var entry = nodes[0];
        // /healthz answers before an appliance's first heartbeat: placement counts those that joined.
        await E2EWait.ForAsync(async () => (await entry.Client.GetFromJsonAsync<JsonArray>("api/v1/appliances"))!.Count(a => a!["live"]!.GetValue<bool>()) == 3,
            "three live appliances");

        // Spread: least loaded first, one camera per appliance.
        for (var i = 0; i < 3; i++)
        {
            using var created = await entry.Client.PostAsJsonAsync("api/v1/channels", new JsonObject
            {
                ["channel_id"] = $"cam{i}",
                ["rtsp"] = new JsonObject { ["url"] = _cameras[i].Url, ["transport"] = "tcp" },
            });
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync() + Tails());
        }

        var owners = await OwnersAsync(entry);
        Assert.Equal(["node1", "node2", "node3"], owners.Values.Order(StringComparer.Ordinal));
        foreach (var camera in _cameras)
        {
            await camera.WaitForActiveSessionsAsync(1, Wait);
        }

        foreach (var channel in owners.Keys)
        {
            // A complete segment: written to the shared folder, so a new owner has something to number on from.
            await E2EWait.ForAsync(async () => (await PlaylistAsync(entry, channel)) is { } text && text.Contains("#EXTINF:", StringComparison.Ordinal),
                $"{channel}'s first segment through node1");
        }

        Assert.All(_cameras, c => Assert.Equal((1, 1), (c.SessionsStarted, c.MostActiveSessions)));

        // Kill -9 the appliance that owns cam2's camera... whichever is not the entry.
        var victimChannel = owners.First(o => o.Value != "node1").Key;
        var victim = nodes.Single(n => n.Name == owners[victimChannel]);
        var victimCamera = _cameras[int.Parse(victimChannel[3..], CultureInfo.InvariantCulture)];
        var before = await PlaylistAsync(entry, victimChannel) ?? throw new InvalidOperationException("no playlist before the kill");
        var oldSession = Session(before);
        var lastMsn = LastSegment(before);
        var clock = Stopwatch.StartNew();
        victim.Kill();
        string? after = null;
        await E2EWait.ForAsync(async () =>
        {
            after = await PlaylistAsync(entry, victimChannel);
            return after is not null && Session(after) is { } session && session != oldSession && Regex.IsMatch(after, $@"#EXT-X-PART:.*_{session}_");
        }, $"{victimChannel} playing again on another appliance");
        var failover = clock.Elapsed;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"failover of {victimChannel} ({victim.Name} killed): {failover.TotalSeconds:F2} s from SIGKILL to a new part listed"));
        Assert.True(failover <= FailoverBound, $"{failover} > {FailoverBound}{Tails()}");
        Assert.True(after!.Contains("#EXT-X-DISCONTINUITY", StringComparison.Ordinal), $"no discontinuity:{Environment.NewLine}{before}{Environment.NewLine}---{Environment.NewLine}{after}");
        // The new owner numbers on after what the dead one left in the shared folder.
        Assert.True(MediaSequenceOf(after!) > lastMsn, $"the media sequence went back:{Environment.NewLine}{before}{Environment.NewLine}---{Environment.NewLine}{after}");
        await victimCamera.WaitForActiveSessionsAsync(1, Wait);
        Assert.Equal(1, victimCamera.MostActiveSessions); // never pulled twice
        var survivors = nodes.Where(n => n != victim).ToList();
        var moved = (await OwnersAsync(entry))[victimChannel];
        Assert.Contains(moved, survivors.Select(s => s.Name));

        // A WHIP publisher and a WHEP viewer that ask the appliance not owning the channel are sent to its owner.
        string token;
        using (var created = await entry.Client.PostAsJsonAsync("api/v1/channels", new JsonObject { ["channel_id"] = "stage", ["source"] = "webrtc" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            token = (await created.Content.ReadFromJsonAsync<JsonObject>())!["publishToken"]!.GetValue<string>();
        }

        var stageOwnerId = (await OwnersAsync(entry))["stage"];
        var stageOwner = survivors.Single(s => s.Name == stageOwnerId);
        var other = survivors.Single(s => s != stageOwner);
        await using (var publisher = await HeadlessChromium.StartAsync(FakeMedia))
        await using (var viewer = await HeadlessChromium.StartAsync())
        {
            await publisher.NavigateAsync(new Uri(other.BaseAddress, "publisher.html?channel=stage&codec=H264&mode=whip"));
            await E2EWait.ForAsync(async () => (await publisher.EvaluateAsync("typeof window.publish === 'function'"))!.GetValue<bool>(), "the publisher page");
            // A redirected request is another origin's: the loopback rule does not make it an admin, the token does.
            await publisher.EvaluateAsync($"document.getElementById('token').value = '{token}'");
            await publisher.EvaluateAsync("window.publish()");
            try
            {
                await E2EWait.ForAsync(async () => await StateAsync(stageOwner, "stage") == "publishing", "the browser publishing at the owner");
            }
            catch (Xunit.Sdk.TrueException)
            {
                throw new TimeoutException($"The page says: {await publisher.EvaluateAsync("document.body.innerText")}{Tails()}");
            }

            Assert.Null(await StateAtAsync(other, "stage")); // nothing runs where the page is

            await viewer.NavigateAsync(new Uri(other.BaseAddress, "healthz"));
            Assert.True((await viewer.EvaluateAsync(WhepViewerTests.WhepPlayer))!.GetValue<bool>());
            var status = (await viewer.EvaluateAsync($"window.whep('{new Uri(other.BaseAddress, "whep/stage")}')"))!.GetValue<int>();
            Assert.True(status == 201, $"WHEP through {other.Name}: {status}{Tails()}");
            await E2EWait.ForAsync(async () => (await viewer.EvaluateAsync("window.frames"))!.GetValue<int>() > 10, "frames at the WHEP viewer");
        }

        // Drain the survivor that does not own the stage: its cameras move to the other, it reports drained, each camera once.
        using (var drain = await entry.Client.PostAsync($"api/v1/appliances/{other.Name}/drain", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, drain.StatusCode);
        }

        await E2EWait.ForAsync(async () =>
        {
            var appliances = await entry.Client.GetFromJsonAsync<JsonArray>("api/v1/appliances");
            return appliances!.Any(a => a!["id"]!.GetValue<string>() == other.Name && a["drained"]!.GetValue<bool>());
        }, $"{other.Name} drained");
        var final = await OwnersAsync(entry);
        Assert.All(final.Where(o => o.Key.StartsWith("cam", StringComparison.Ordinal)), o => Assert.Equal(stageOwner.Name, o.Value));
        foreach (var (channel, index) in final.Keys.Where(k => k.StartsWith("cam", StringComparison.Ordinal)).Select(k => (k, int.Parse(k[3..], CultureInfo.InvariantCulture))))
        {
            await _cameras[index].WaitForActiveSessionsAsync(1, Wait);
            Assert.Equal(1, _cameras[index].MostActiveSessions);
            await E2EWait.ForAsync(async () => await StateAsync(stageOwner, channel) == "playing", $"{channel} playing on {stageOwner.Name}");
        }
    }

    // Channel → owner's id, as GET /api/v1/channels shows it.
    private static async Task<Dictionary<string, string>> OwnersAsync(ApplianceProcess node)
    {
        var channels = await node.Client.GetFromJsonAsync<JsonArray>("api/v1/channels");
        return channels!.Where(c => c!["owner"] is not null)
            .ToDictionary(c => c!["id"]!.GetValue<string>(), c => c!["owner"]!["id"]!.GetValue<string>(), StringComparer.Ordinal);
    }

    private static async Task<string?> StateAsync(ApplianceProcess node, string channel) =>
        (await node.Client.GetFromJsonAsync<JsonObject>($"api/v1/channels/{channel}"))!["state"]!.GetValue<string>();

    // The channel's state where it runs here (null when it runs elsewhere: "remote").
    private static async Task<string?> StateAtAsync(ApplianceProcess node, string channel) =>
        await StateAsync(node, channel) is var state && state == "remote" ? null : state;

    // Through the entry appliance, following its 307 as hls.js does.
    private static async Task<string?> PlaylistAsync(ApplianceProcess node, string channel)
    {
        try
        {
            using var response = await node.Following.GetAsync($"hls/{channel}/index.m3u8");
            return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
        }
        catch (HttpRequestException)
        {
            return null; // redirected to the appliance just killed
        }
    }

    // The session tag of the playlist's newest map: index_<session>_init<run>.mp4.
    private static string? Session(string playlist) =>
        MapUri().Matches(playlist) is { Count: > 0 } maps ? maps[^1].Groups[1].Value : null;

    private static long MediaSequenceOf(string playlist) => long.Parse(MediaSequence().Match(playlist).Groups[1].Value, CultureInfo.InvariantCulture);

    private static long LastSegment(string playlist) => MediaSequenceOf(playlist) + HlsMedia.Segments(playlist).Count - 1;

    private string Tails() => Environment.NewLine + string.Join(Environment.NewLine, _nodes.Select(n => n.Tail));

    [GeneratedRegex(@"#EXT-X-MAP:URI=""index_([0-9a-f]+)_init\d+\.mp4""")]
    private static partial Regex MapUri();

    [GeneratedRegex(@"#EXT-X-MEDIA-SEQUENCE:(\d+)")]
    private static partial Regex MediaSequence();
}

/// <summary>
/// Three appliances, three cameras and two browsers at once: run alone, after the parallel collections, so that neither
/// this test's failover time nor other tests' latency figures measure each other's load.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection : ICollectionFixture<PostgresCluster>
{
    public const string Name = "cluster";
}

using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Broadcast.Api.Cluster;
using Broadcast.Ingest.Sources;
using Broadcast.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Broadcast.Api.Tests.Cluster;

/// <summary>
/// Two real hosts on one PostgreSQL: a camera runs on its owner only and moves with its lease; a drain through either
/// API empties an appliance; WHIP, WHEP, the mediasoup routes, HLS and signaling send clients to the owner.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterHostTests(PostgresCluster cluster)
{
    private const string Channels = "api/v1/channels";

    private static Dictionary<string, string?> OnDatabase(string connectionString) => new()
    {
        ["ConnectionStrings:Broadcast"] = connectionString,
        ["State:SecretKey"] = "the cluster tests' secret key",
        ["Cluster:Placement"] = "Local",
    };

    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static string Id(BroadcastHost host) => host.Services.GetRequiredService<IChannelOwnership>().Self.Id;

    private static bool RunsCamera(BroadcastHost host, string channel) => host.Services.GetRequiredService<RtspSourceRegistry>().Find(channel) is not null;

    private static async Task<(BroadcastHost A, BroadcastHost B)> StartTwoAsync(string database)
    {
        var hosts = await Task.WhenAll(BroadcastHost.StartAsync(OnDatabase(database)), BroadcastHost.StartAsync(OnDatabase(database)));
        return (hosts[0], hosts[1]);
    }

    [Fact]
    public async Task A_camera_runs_on_its_owner_only_moves_with_its_lease_and_a_drain_empties_an_appliance()
    {
        var database = await cluster.CreateDatabaseAsync();
        var (a, b) = await StartTwoAsync(database);
        await using var _ = a;
        await using var __ = b;
        await a.Client.PostJsonAsync(Channels, $$"""{ "channel_id": "cam-move", "rtsp": { "url": "rtsp://127.0.0.1:{{ClosedPort()}}/x" } }""")
            .ExpectAsync(HttpStatusCode.Created);
        Assert.True(RunsCamera(a, "cam-move"));
        Assert.False(RunsCamera(b, "cam-move"));

        // B took the lease while A was cut off from the database: A stops pulling, B starts.
        await using (var source = NpgsqlDataSource.Create(database))
        await using (var command = source.CreateCommand($"UPDATE channel_leases SET owner = '{Id(b)}' WHERE channel_id = 'cam-move'; SELECT pg_notify('{ClusterStore.NotifyChannel}', '*')"))
        {
            await command.ExecuteNonQueryAsync();
        }

        await Eventually.HoldsAsync(() => !RunsCamera(a, "cam-move") && RunsCamera(b, "cam-move"), () => $"a runs it: {RunsCamera(a, "cam-move")}, b runs it: {RunsCamera(b, "cam-move")}");

        // Drained through A's API: B hands the camera back to A, the only other appliance, and says it is empty.
        await a.Client.PostAsync($"api/v1/appliances/{Id(b)}/drain", null).ExpectAsync(HttpStatusCode.NoContent);
        await Eventually.HoldsAsync(() => RunsCamera(a, "cam-move") && !RunsCamera(b, "cam-move"), () => $"a runs it: {RunsCamera(a, "cam-move")}, b runs it: {RunsCamera(b, "cam-move")}");
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            var listed = await a.Client.GetAsync("api/v1/appliances").ExpectAsync(HttpStatusCode.OK);
            return listed.EnumerateArray().Any(x => x.GetProperty("id").GetString() == Id(b) && x.GetProperty("drained").GetBoolean());
        }));
        // Nothing new goes to a draining appliance, even when created through its own API.
        var created = await b.Client.PostJsonAsync(Channels, """{ "channel_id": "pub-new" }""").ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(Id(a), created.GetProperty("owner").GetProperty("id").GetString());

        await a.Client.DeleteAsync($"api/v1/appliances/{Id(b)}/drain").ExpectAsync(HttpStatusCode.NoContent);
        var appliances = await b.Client.GetAsync("api/v1/appliances").ExpectAsync(HttpStatusCode.OK);
        Assert.False(appliances.EnumerateArray().Single(x => x.GetProperty("id").GetString() == Id(b)).GetProperty("draining").GetBoolean());
        Assert.Equal(2, appliances.EnumerateArray().Count(x => x.GetProperty("live").GetBoolean()));
        await a.Client.PostAsync("api/v1/appliances/nobody/drain", null).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task WHIP_WHEP_the_mediasoup_routes_HLS_and_signaling_send_clients_to_the_owner()
    {
        var database = await cluster.CreateDatabaseAsync();
        var (a, b) = await StartTwoAsync(database);
        await using var _ = a;
        await using var __ = b;
        await a.Client.PostJsonAsync(Channels, """{ "channel_id": "pub-owned" }""").ExpectAsync(HttpStatusCode.Created);
        using var atB = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = b.Client.BaseAddress };
        var owner = a.Client.BaseAddress!.GetLeftPart(UriPartial.Authority);

        foreach (var path in new[] { "whip/pub-owned", "whep/pub-owned" })
        {
            using var offer = new StringContent("v=0\r\n", Encoding.UTF8);
            offer.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/sdp");
            using var response = await atB.PostAsync(path, offer);
            Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
            Assert.Equal($"{owner}/{path}", response.Headers.Location!.GetLeftPart(UriPartial.Path));
            // What the loopback rule proved at B goes along (browsers drop Authorization on a cross-origin redirect).
            Assert.StartsWith("?broadcast_grant=", response.Headers.Location.Query, StringComparison.Ordinal);
        }

        using (var transport = await atB.PostAsync("api/v1/mediasoup/router/pub-owned/rtp-transport?x=1",
            new StringContent("{}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.TemporaryRedirect, transport.StatusCode);
            Assert.StartsWith($"{owner}/api/v1/mediasoup/router/pub-owned/rtp-transport?x=1&broadcast_grant=", transport.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
            using var problem = JsonDocument.Parse(await transport.Content.ReadAsStringAsync());
            Assert.Equal(Id(a), problem.RootElement.GetProperty("owner").GetProperty("id").GetString());
        }

        // HLS follows B's last heartbeat (no database read per request): the playlist comes from the owner.
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            using var playlist = await atB.GetAsync("hls/pub-owned/index.m3u8");
            // HLS is public: no credential was checked, so no grant goes along.
            return playlist.StatusCode == HttpStatusCode.TemporaryRedirect && playlist.Headers.Location == new Uri($"{owner}/hls/pub-owned/index.m3u8");
        }));

        // A signaling socket cannot follow a redirect: the error says where the channel is.
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new UriBuilder(b.BaseAddress) { Scheme = "ws", Path = "/api/v1/signaling" }.Uri, CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes("""{ "requestId": 1, "type": "getRouterRtpCapabilities", "data": { "channelId": "pub-owned" } }"""),
            WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(Eventually.DefaultTimeout);
        var received = await socket.ReceiveAsync(buffer, timeout.Token);
        using var reply = JsonDocument.Parse(buffer.AsMemory(0, received.Count));
        var error = reply.RootElement.GetProperty("error");
        Assert.Equal(307, error.GetProperty("status").GetInt32());
        Assert.Equal(owner, error.GetProperty("owner").GetProperty("url").GetString());

        // Nothing ran at B; at A the same requests are served.
        Assert.Null(b.Services.GetRequiredService<Broadcast.Ingest.Routing.MediaServer>().FindRouter("pub-owned"));
        await a.Client.PostJsonAsync("api/v1/mediasoup/router/pub-owned/rtp-transport", "{}").ExpectAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task The_credential_checked_before_a_redirect_goes_along_as_a_grant_for_that_request_only()
    {
        const string key = "the cluster tests' admin API key";
        var database = await cluster.CreateDatabaseAsync();
        var settings = OnDatabase(database);
        settings["Api:ApiKeys"] = key;
        var hosts = await Task.WhenAll(BroadcastHost.StartAsync(settings), BroadcastHost.StartAsync(settings));
        await using var a = hosts[0];
        await using var b = hosts[1];
        using var admin = new HttpRequestMessage(HttpMethod.Post, new Uri(a.BaseAddress, Channels))
        {
            Content = new StringContent("""{ "channel_id": "pub-granted" }""", Encoding.UTF8, "application/json"),
        };
        admin.Headers.Add("X-Api-Key", key);
        using var plain = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using (var created = await plain.SendAsync(admin))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        // Without a credential B refuses before it would redirect; with one it redirects with a grant.
        using (var refused = await plain.PostAsync(new Uri(b.BaseAddress, "api/v1/mediasoup/router/pub-granted/rtp-transport"), Json("{}")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using var withKey = new HttpRequestMessage(HttpMethod.Post, new Uri(b.BaseAddress, "api/v1/mediasoup/router/pub-granted/rtp-transport")) { Content = Json("{}") };
        withKey.Headers.Add("X-Api-Key", key);
        using var redirect = await plain.SendAsync(withKey);
        Assert.Equal(HttpStatusCode.TemporaryRedirect, redirect.StatusCode);
        var location = redirect.Headers.Location!;

        // At A the grant stands for the key (which a browser or libcurl would have dropped), for that method and path only.
        using (var followed = await plain.PostAsync(location, Json("{}")))
        {
            Assert.Equal(HttpStatusCode.Created, followed.StatusCode);
        }

        using (var otherRoute = await plain.PostAsync(new Uri(location.AbsoluteUri.Replace("rtp-transport", "webrtc-transport", StringComparison.Ordinal)), Json("{}")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, otherRoute.StatusCode);
        }

        using (var withoutGrant = await plain.PostAsync(new Uri(location.GetLeftPart(UriPartial.Path)), Json("{}")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, withoutGrant.StatusCode);
        }
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}

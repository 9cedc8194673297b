using System.Net;
using System.Net.Sockets;
using Broadcast.Ingest.Protocols.Stun;
using Broadcast.Testing;

namespace Broadcast.Api.Tests;

public sealed class WebRtcTransportApiTests(BroadcastHost host) : IClassFixture<BroadcastHost>
{
    private readonly HttpClient _client = host.Client;

    [Fact]
    public async Task A_webrtc_transport_carries_what_mediasoup_client_needs_on_the_shared_port()
    {
        await _client.CreateRouterAsync("cam-webrtc");

        var transport = await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/router/cam-webrtc/webrtc-transport", "{}")
            .ExpectAsync(HttpStatusCode.Created);

        Assert.Equal("webrtc", transport.GetProperty("type").GetString());
        var ice = transport.GetProperty("iceParameters");
        Assert.True(ice.GetProperty("iceLite").GetBoolean());
        Assert.InRange(ice.GetProperty("usernameFragment").GetString()!.Length, 4, 256);
        Assert.InRange(ice.GetProperty("password").GetString()!.Length, 22, 256);
        var candidate = Assert.Single(transport.GetProperty("iceCandidates").EnumerateArray());
        Assert.Equal("127.0.0.1", candidate.GetProperty("ip").GetString());
        Assert.Equal("127.0.0.1", candidate.GetProperty("address").GetString());
        Assert.Equal(host.MinPort, candidate.GetProperty("port").GetInt32()); // the shared port: the first of the range
        Assert.Equal("udp", candidate.GetProperty("protocol").GetString());
        var fingerprint = Assert.Single(transport.GetProperty("dtlsParameters").GetProperty("fingerprints").EnumerateArray());
        Assert.Equal("sha-256", fingerprint.GetProperty("algorithm").GetString());
        Assert.Matches("^([0-9A-F]{2}:){31}[0-9A-F]{2}$", fingerprint.GetProperty("value").GetString());
        Assert.Equal("auto", transport.GetProperty("dtlsParameters").GetProperty("role").GetString());
        Assert.Equal("new", transport.GetProperty("iceState").GetString());
    }

    [Fact]
    public async Task A_signed_binding_request_on_the_shared_port_is_answered_and_connects_ICE()
    {
        await _client.CreateRouterAsync("cam-stun");
        var transport = await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/router/cam-stun/webrtc-transport", "{}")
            .ExpectAsync(HttpStatusCode.Created);
        var ice = transport.GetProperty("iceParameters");
        var request = BindingRequest(ice.GetProperty("usernameFragment").GetString()!, ice.GetProperty("password").GetString()!);

        using var socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        await socket.SendAsync(request, new IPEndPoint(IPAddress.Loopback, host.MinPort));
        using var timeout = new CancellationTokenSource(Eventually.DefaultTimeout);
        var response = (await socket.ReceiveAsync(timeout.Token)).Buffer;

        Assert.True(StunMessage.TryParse(response, out var message));
        Assert.Equal(StunMessageType.BindingSuccessResponse, message.Type);
        var described = await _client.GetAsync($"{ApiCalls.Mediasoup}/transport/{transport.Id()}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("completed", described.GetProperty("iceState").GetString());
    }

    [Theory]
    [InlineData("""{ "dtlsParameters": { "role": "client", "fingerprints": [] } }""", "dtlsParameters.fingerprints")]
    [InlineData("""{ "dtlsParameters": { "role": "server", "fingerprints": [ { "algorithm": "sha-256", "value": "AB" } ] } }""", "dtlsParameters.role")]
    [InlineData("""{ "dtlsParameters": { "role": "client", "fingerprints": [ { "algorithm": "md5", "value": "AB:CD" } ] } }""", "dtlsParameters.fingerprints")]
    [InlineData("""{ }""", "dtlsParameters")]
    public async Task Connecting_a_webrtc_transport_with_bad_dtls_parameters_is_a_400_naming_the_field(string body, string field)
    {
        await _client.CreateRouterAsync($"cam-dtls-{Guid.NewGuid():N}"[..20]);
        var routers = await _client.GetAsync($"{ApiCalls.Mediasoup}/router").ExpectAsync(HttpStatusCode.OK);
        var routerId = routers.EnumerateArray().Select(r => r.Id()).First(id => id.StartsWith("cam-dtls-", StringComparison.Ordinal));
        var transport = await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/router/{routerId}/webrtc-transport", "{}").ExpectAsync(HttpStatusCode.Created);

        await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/transport/{transport.Id()}/connect", body).ExpectFieldProblemAsync(field);
    }

    [Fact]
    public async Task A_second_connect_is_a_conflict()
    {
        await _client.CreateRouterAsync("cam-connect-twice");
        var transport = await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/router/cam-connect-twice/webrtc-transport", "{}")
            .ExpectAsync(HttpStatusCode.Created);
        const string connect = """{ "dtlsParameters": { "role": "client", "fingerprints": [ { "algorithm": "sha-256", "value": "82:5A:68:3D:36:C3:0A:DE:AF:E7:32:43:D2:88:83:57:AC:2D:65:E5:80:C4:B6:FB:AF:1A:A0:21:9F:6D:0C:AD" } ] } }""";

        await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/transport/{transport.Id()}/connect", connect).ExpectAsync(HttpStatusCode.OK);
        await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/transport/{transport.Id()}/connect", connect).ExpectProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task An_ice_restart_gives_new_credentials_that_answer_on_the_shared_port()
    {
        await _client.CreateRouterAsync("cam-restart");
        var transport = await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/router/cam-restart/webrtc-transport", "{}")
            .ExpectAsync(HttpStatusCode.Created);
        var before = transport.GetProperty("iceParameters").GetProperty("usernameFragment").GetString();

        var restarted = await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/transport/{transport.Id()}/restart-ice", "{}")
            .ExpectAsync(HttpStatusCode.OK);

        var ufrag = restarted.GetProperty("usernameFragment").GetString()!;
        Assert.NotEqual(before, ufrag);
        using var socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        await socket.SendAsync(BindingRequest(ufrag, restarted.GetProperty("password").GetString()!), new IPEndPoint(IPAddress.Loopback, host.MinPort));
        using var timeout = new CancellationTokenSource(Eventually.DefaultTimeout);
        Assert.True(StunMessage.TryParse((await socket.ReceiveAsync(timeout.Token)).Buffer, out var message));
        Assert.Equal(StunMessageType.BindingSuccessResponse, message.Type);
    }

    [Fact]
    public async Task Without_the_shared_port_each_webrtc_transport_gets_a_port_of_its_own_from_the_range()
    {
        await using var ownPorts = await BroadcastHost.StartAsync(new Dictionary<string, string?> { ["Media:WebRtcSharedPort"] = "false" });
        await ownPorts.Client.CreateRouterAsync("cam-own-port");

        var ports = new List<int>();
        for (var i = 0; i < 2; i++)
        {
            var transport = await ownPorts.Client.PostJsonAsync($"{ApiCalls.Mediasoup}/router/cam-own-port/webrtc-transport", "{}")
                .ExpectAsync(HttpStatusCode.Created);
            ports.Add(transport.GetProperty("iceCandidates")[0].GetProperty("port").GetInt32());
        }

        Assert.NotEqual(ports[0], ports[1]);
        Assert.All(ports, p => Assert.InRange(p, ownPorts.MinPort, ownPorts.MaxPort));
    }

    [Fact]
    public async Task A_webrtc_transport_that_never_connects_closes_itself_after_the_configured_connect_timeout()
    {
        await using var quick = await BroadcastHost.StartAsync(new Dictionary<string, string?>
        {
            ["Jobs:ConnectTimeout"] = "00:00:03", // long enough for the 201 to be written first on a loaded machine
            ["Jobs:CleanupCron"] = "0 0 1 1 *", // no cleanup run closes it for the transport
        });
        await quick.Client.CreateRouterAsync("cam-never-connects");
        var transport = await quick.Client.PostJsonAsync($"{ApiCalls.Mediasoup}/router/cam-never-connects/webrtc-transport", "{}")
            .ExpectAsync(HttpStatusCode.Created);
        var url = $"{ApiCalls.Mediasoup}/transport/{transport.GetProperty("id").GetString()}";

        // Well before the built-in 30 s and with no cleanup run in between: the transport's own timer closed it.
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            using var response = await quick.Client.GetAsync(url);
            return response.StatusCode == HttpStatusCode.NotFound;
        }, TimeSpan.FromSeconds(20)));
    }

    private static byte[] BindingRequest(string localUfrag, string password)
    {
        var buffer = new byte[256];
        var transactionId = new byte[12];
        Random.Shared.NextBytes(transactionId);
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, transactionId);
        writer.AddAttribute(StunAttributeType.Username, System.Text.Encoding.ASCII.GetBytes($"{localUfrag}:peer"));
        writer.AddUInt32(StunAttributeType.Priority, 1853824767);
        writer.AddUInt64(StunAttributeType.IceControlling, 0x1122334455667788);
        writer.AddAttribute(StunAttributeType.UseCandidate, []);
        writer.AddMessageIntegrity(System.Text.Encoding.UTF8.GetBytes(password));
        writer.AddFingerprint();
        Assert.True(writer.TryComplete(out var length));
        return buffer[..length];
    }
}

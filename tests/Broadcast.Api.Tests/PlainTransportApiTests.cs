using System.Net;
using System.Text.Json;
using Broadcast.Testing;

namespace Broadcast.Api.Tests;

public sealed class PlainTransportApiTests(BroadcastHost host) : IClassFixture<BroadcastHost>
{
    private readonly HttpClient _client = host.Client;

    [Fact]
    public async Task A_muxed_plain_transport_has_mediasoups_fields_and_no_rtcpTuple()
    {
        await _client.CreateRouterAsync("pt-mux");

        var transport = await _client.CreatePlainTransportAsync("pt-mux", """{ "transport_id": "pt-mux-in", "comedia": true }""");

        Assert.Equal("pt-mux-in", transport.Id());
        Assert.Equal("plain", transport.GetProperty("type").GetString());
        Assert.True(transport.GetProperty("rtcpMux").GetBoolean());
        Assert.True(transport.GetProperty("comedia").GetBoolean());
        Assert.False(transport.TryGetProperty("rtcpTuple", out _));
        AssertLocalTuple(transport.GetProperty("tuple"));
        Assert.Empty(transport.GetProperty("producerIds").EnumerateArray());
        Assert.Empty(transport.GetProperty("consumerIds").EnumerateArray());
        var stats = transport.GetProperty("stats");
        foreach (var counter in new[] { "rtpPacketsReceived", "rtcpPacketsReceived", "bytesReceived", "rtpPacketsSent", "bytesSent" })
        {
            Assert.Equal(0, stats.GetProperty(counter).GetInt64());
        }

        Assert.Equal(0, stats.GetProperty("drops").GetProperty("malformed").GetInt64());
    }

    [Fact]
    public async Task Without_rtcpMux_the_transport_has_an_rtcpTuple_on_another_port_of_the_range()
    {
        await _client.CreateRouterAsync("pt-nomux");

        var transport = await _client.CreatePlainTransportAsync("pt-nomux", """{ "rtcpMux": false, "comedia": false }""");

        Assert.False(transport.GetProperty("rtcpMux").GetBoolean());
        Assert.False(transport.GetProperty("comedia").GetBoolean());
        var rtp = AssertLocalTuple(transport.GetProperty("tuple"));
        var rtcp = AssertLocalTuple(transport.GetProperty("rtcpTuple"));
        Assert.NotEqual(rtp, rtcp);
    }

    [Fact]
    public async Task GetTransport_returns_the_same_shape()
    {
        await _client.CreateRouterAsync("pt-get");
        var created = await _client.CreatePlainTransportAsync("pt-get");

        var read = await _client.GetAsync($"{ApiCalls.Mediasoup}/transport/{created.Id()}").ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(created.Id(), read.Id());
        Assert.Equal("pt-get", read.GetProperty("routerId").GetString());
        Assert.Equal(created.GetProperty("tuple").GetRawText(), read.GetProperty("tuple").GetRawText());
    }

    [Fact]
    public async Task Connect_sets_the_remote_tuple()
    {
        await _client.CreateRouterAsync("pt-connect");
        var transport = await _client.CreatePlainTransportAsync("pt-connect", """{ "rtcpMux": false }""");

        var connected = await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/transport/{transport.Id()}/connect",
            """{ "ip": "127.0.0.1", "port": 5004, "rtcpPort": 5005 }""").ExpectAsync(HttpStatusCode.OK);

        Assert.True(connected.GetProperty("connected").GetBoolean());
        Assert.Equal("127.0.0.1", connected.GetProperty("tuple").GetProperty("remoteIp").GetString());
        Assert.Equal(5004, connected.GetProperty("tuple").GetProperty("remotePort").GetInt32());
        Assert.Equal(5005, connected.GetProperty("rtcpTuple").GetProperty("remotePort").GetInt32());
    }

    [Fact]
    public async Task Connecting_twice_is_a_409_conflict()
    {
        await _client.CreateRouterAsync("pt-connect-twice");
        var transport = await _client.CreatePlainTransportAsync("pt-connect-twice");
        var connect = $"{ApiCalls.Mediasoup}/transport/{transport.Id()}/connect";
        await _client.PostJsonAsync(connect, """{ "ip": "127.0.0.1", "port": 5004 }""").ExpectAsync(HttpStatusCode.OK);

        await _client.PostJsonAsync(connect, """{ "ip": "127.0.0.1", "port": 5006 }""").ExpectProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Connecting_a_comedia_transport_is_a_409_conflict()
    {
        await _client.CreateRouterAsync("pt-connect-comedia");
        var transport = await _client.CreatePlainTransportAsync("pt-connect-comedia", """{ "comedia": true }""");

        await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/transport/{transport.Id()}/connect", """{ "ip": "127.0.0.1", "port": 5004 }""")
            .ExpectProblemAsync(HttpStatusCode.Conflict);
    }

    [Theory]
    [InlineData("""{ "ip": "127.0.0.1", "port": 70000 }""", "port")]
    [InlineData("""{ "ip": "127.0.0.1", "port": 0 }""", "port")]
    [InlineData("""{ "ip": "127.0.0.1" }""", "port")]
    [InlineData("""{ "ip": "not-an-ip", "port": 5004 }""", "ip")]
    [InlineData("""{ "port": 5004 }""", "ip")]
    [InlineData("""{ "ip": "127.0.0.1", "port": "5004" }""", "port")]
    [InlineData("""{ "ip": "127.0.0.1", "port": 5004, "dtlsParameters": { "role": "client", "fingerprints": [] } }""", "dtlsParameters")]
    public async Task A_bad_connect_body_is_a_400_naming_the_field(string body, string field)
    {
        var router = await _client.CreateRouterAsync();
        var transport = await _client.CreatePlainTransportAsync(router.Id());

        await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/transport/{transport.Id()}/connect", body).ExpectFieldProblemAsync(field);
    }

    [Fact]
    public async Task Without_rtcpMux_connect_needs_an_rtcpPort()
    {
        await _client.CreateRouterAsync("pt-rtcp-port");
        var transport = await _client.CreatePlainTransportAsync("pt-rtcp-port", """{ "rtcpMux": false }""");

        await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/transport/{transport.Id()}/connect", """{ "ip": "127.0.0.1", "port": 5004 }""")
            .ExpectFieldProblemAsync("rtcpPort");
    }

    [Fact]
    public async Task A_listenIp_that_is_not_an_address_is_a_400_naming_listenIp()
    {
        await _client.CreateRouterAsync("pt-listen");

        await _client.PostJsonAsync($"{ApiCalls.Mediasoup}/router/pt-listen/rtp-transport", """{ "listenIp": "nowhere" }""")
            .ExpectFieldProblemAsync("listenIp");
    }

    [Fact]
    public async Task DeleteTransport_frees_its_ports()
    {
        await _client.CreateRouterAsync("pt-delete");
        var transport = await _client.CreatePlainTransportAsync("pt-delete", """{ "rtcpMux": false }""");
        var ports = new[] { LocalPort(transport, "tuple"), LocalPort(transport, "rtcpTuple") };
        Assert.All(ports, port => Assert.False(BroadcastHost.CanBindUdp(port)));

        await _client.DeleteAsync($"{ApiCalls.Mediasoup}/transport/{transport.Id()}").ExpectAsync(HttpStatusCode.NoContent);

        await _client.GetAsync($"{ApiCalls.Mediasoup}/transport/{transport.Id()}").ExpectProblemAsync(HttpStatusCode.NotFound);
        foreach (var port in ports)
        {
            Assert.True(await Eventually.TrueAsync(() => BroadcastHost.CanBindUdp(port)), $"port {port} is still bound");
        }
    }

    [Fact]
    public async Task Deleting_a_router_frees_the_ports_of_its_transports()
    {
        await _client.CreateRouterAsync("pt-router-delete");
        var first = await _client.CreatePlainTransportAsync("pt-router-delete");
        var second = await _client.CreatePlainTransportAsync("pt-router-delete", """{ "rtcpMux": false }""");
        var ports = new[] { LocalPort(first, "tuple"), LocalPort(second, "tuple"), LocalPort(second, "rtcpTuple") };

        await _client.DeleteAsync($"{ApiCalls.Mediasoup}/router/pt-router-delete").ExpectAsync(HttpStatusCode.NoContent);

        await _client.GetAsync($"{ApiCalls.Mediasoup}/transport/{first.Id()}").ExpectProblemAsync(HttpStatusCode.NotFound);
        foreach (var port in ports)
        {
            Assert.True(await Eventually.TrueAsync(() => BroadcastHost.CanBindUdp(port)), $"port {port} is still bound");
        }
    }

    private int AssertLocalTuple(JsonElement tuple)
    {
        Assert.Equal("127.0.0.1", tuple.GetProperty("localAddress").GetString());
        Assert.Equal("127.0.0.1", tuple.GetProperty("localIp").GetString());
        Assert.Equal("udp", tuple.GetProperty("protocol").GetString());
        Assert.True(tuple.TryGetProperty("remoteIp", out _));
        Assert.True(tuple.TryGetProperty("remotePort", out _));
        var port = tuple.GetProperty("localPort").GetInt32();
        Assert.InRange(port, host.MinPort, host.MaxPort);
        return port;
    }

    private static int LocalPort(JsonElement transport, string tuple) => transport.GetProperty(tuple).GetProperty("localPort").GetInt32();
}

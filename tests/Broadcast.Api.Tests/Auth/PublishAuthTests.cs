using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Broadcast.Testing;

namespace Broadcast.Api.Tests.Auth;

/// <summary>What a publisher presents: a credential, a publish token (right, wrong, another channel's), or both ways of sending it.</summary>
public enum Presented
{
    Nothing,
    WrongToken,
    OtherChannelsToken,
    ExpiredJwt,
    JwtWithoutAdminRole,
    Token,
    TokenInPublishTokenHeader,
    AdminJwt,
    AdminApiKey,
}

/// <summary>
/// A secured host (WHIP limit raised: the matrix posts many offers) with two channels that have publish tokens and a
/// camera channel (its camera unreachable: the channel keeps its router while it retries).
/// </summary>
public sealed class PublishHost : IAsyncLifetime
{
    public const string Channel = "pub-token";
    public const string OtherChannel = "pub-other";
    public const string CameraChannel = "pub-camera";

    private BroadcastHost? _host;

    public BroadcastHost Host => _host ?? throw new InvalidOperationException("Not started.");

    /// <summary>The publish token of <see cref="Channel"/>.</summary>
    public string Token { get; private set; } = "";

    /// <summary>The publish token of <see cref="OtherChannel"/>.</summary>
    public string OtherToken { get; private set; } = "";

    public async Task InitializeAsync()
    {
        // Dozens of channels get producers, and with them HLS pipelines holding ports: five blocks.
        _host = await BroadcastHost.StartAsync(SecuredHost.Settings(("Api:RateLimit:WhipPerMinute", "1000")), portBlocks: 5);
        Token = (await _host.DefineChannelAsync(Channel))!;
        OtherToken = (await _host.DefineChannelAsync(OtherChannel))!;
        await _host.Client.SendAsync(HttpMethod.Post, "api/v1/channels", Credential.AdminApiKey,
            $$"""{ "channel_id": "{{CameraChannel}}", "rtsp": { "url": "rtsp://127.0.0.1:{{AuthCalls.ClosedPort()}}/live" } }""").ExpectAsync(HttpStatusCode.Created);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

/// <summary>Publishing on a host with admin credentials configured: WHIP, WebSocket signaling and the plain RTP routes.</summary>
public sealed class PublishAuthTests(PublishHost fixture) : IClassFixture<PublishHost>
{
    private const string Channel = PublishHost.Channel;
    private const string OtherChannel = PublishHost.OtherChannel;

    private readonly PublishHost _fixture = fixture;
    private readonly BroadcastHost _host = fixture.Host;

    /// <summary>Who may publish to a channel with a token: the same answers for WHIP and for the plain-RTP routes.</summary>
    public static TheoryData<Presented, HttpStatusCode> PublishMatrix => new()
    {
        { Presented.Nothing, HttpStatusCode.Unauthorized },
        { Presented.WrongToken, HttpStatusCode.Unauthorized },
        { Presented.OtherChannelsToken, HttpStatusCode.Unauthorized },
        { Presented.ExpiredJwt, HttpStatusCode.Unauthorized },
        { Presented.JwtWithoutAdminRole, HttpStatusCode.Unauthorized },
        { Presented.Token, HttpStatusCode.Created },
        { Presented.TokenInPublishTokenHeader, HttpStatusCode.Created },
        { Presented.AdminJwt, HttpStatusCode.Created },
        { Presented.AdminApiKey, HttpStatusCode.Created },
    };

    [Theory]
    [MemberData(nameof(PublishMatrix))]
    public async Task A_WHIP_offer_to_a_channel_with_a_token_needs_that_token_or_an_admin_credential(Presented presented, HttpStatusCode expected)
    {
        using var response = await _host.Client.PostOfferAsync(Channel, Offers.Obs, Headers(presented));

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.Unauthorized)
        {
            Assert.StartsWith("Bearer", Assert.Single(response.Headers.WwwAuthenticate).ToString(), StringComparison.Ordinal);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task A_WHIP_401_says_the_token_is_missing_and_carries_CORS_headers_for_the_browser()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"whip/{Channel}") { Content = new StringContent(Offers.Obs, Encoding.UTF8) };
        request.Content.Headers.ContentType = new("application/sdp");
        request.Headers.Add("Origin", "https://publisher.example");

        using var response = await _host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).ToString());
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        var problem = await response.ReadJsonAsync();
        Assert.Contains("publish token", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_WHIP_preflight_allows_the_Authorization_header_and_exposes_Location_and_ETag()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, $"whip/{Channel}");
        request.Headers.Add("Origin", "https://publisher.example");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");

        using var response = await _host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("authorization", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Headers")), StringComparison.OrdinalIgnoreCase);
        using var created = await _host.Client.PostOfferAsync(Channel, Offers.Obs, ("Origin", "https://publisher.example"), AuthCalls.Bearer(_fixture.Token));
        var exposed = Assert.Single(created.Headers.GetValues("Access-Control-Expose-Headers"));
        Assert.Contains("Location", exposed, StringComparison.Ordinal);
        Assert.Contains("ETag", exposed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ending_a_WHIP_session_needs_the_token_too()
    {
        using var created = await _host.Client.PostOfferAsync(Channel, Offers.Obs, AuthCalls.Bearer(_fixture.Token));
        var session = created.Headers.Location!.OriginalString.TrimStart('/');

        using var anonymous = await _host.Client.DeleteAsync(session);
        using var wrong = await _host.Client.SendAsync(HttpMethod.Delete, session, Credential.None, null, AuthCalls.Bearer(_fixture.OtherToken));
        using var owner = await _host.Client.SendAsync(HttpMethod.Delete, session, Credential.None, null, AuthCalls.Bearer(_fixture.Token));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, owner.StatusCode);
    }

    [Theory]
    [InlineData(Presented.Nothing, HttpStatusCode.Unauthorized)]
    [InlineData(Presented.Token, HttpStatusCode.Unauthorized)]
    [InlineData(Presented.JwtWithoutAdminRole, HttpStatusCode.Forbidden)]
    [InlineData(Presented.AdminJwt, HttpStatusCode.Created)]
    [InlineData(Presented.AdminApiKey, HttpStatusCode.Created)]
    public async Task A_channel_without_a_definition_takes_WHIP_offers_from_admins_only(Presented presented, HttpStatusCode expected)
    {
        using var response = await _host.Client.PostOfferAsync($"pub-adhoc-{presented}", Offers.Obs, Headers(presented));

        Assert.Equal(expected, response.StatusCode);
    }

    [Theory]
    [InlineData(Presented.Nothing, HttpStatusCode.Unauthorized)]
    [InlineData(Presented.Token, HttpStatusCode.Unauthorized)]
    [InlineData(Presented.JwtWithoutAdminRole, HttpStatusCode.Forbidden)]
    [InlineData(Presented.AdminApiKey, HttpStatusCode.Created)]
    public async Task A_channel_whose_definition_has_no_token_takes_WHIP_offers_from_admins_only(Presented presented, HttpStatusCode expected)
    {
        var channel = $"pub-tokenless-{presented}";
        await _host.DefineChannelAsync(channel, withToken: false);

        using var response = await _host.Client.PostOfferAsync(channel, Offers.Obs, Headers(presented));

        Assert.Equal(expected, response.StatusCode);
    }

    [Theory]
    [InlineData(Presented.Nothing, HttpStatusCode.Unauthorized)]
    [InlineData(Presented.Token, HttpStatusCode.Unauthorized)]
    [InlineData(Presented.JwtWithoutAdminRole, HttpStatusCode.Forbidden)]
    public async Task A_camera_channel_takes_no_WHIP_publisher(Presented presented, HttpStatusCode expected)
    {
        using var response = await _host.Client.PostOfferAsync(PublishHost.CameraChannel, Offers.Obs, Headers(presented));

        Assert.Equal(expected, response.StatusCode);
    }

    [Theory]
    [InlineData(Presented.Nothing, HttpStatusCode.Unauthorized)]
    [InlineData(Presented.Token, HttpStatusCode.Unauthorized)]
    [InlineData(Presented.JwtWithoutAdminRole, HttpStatusCode.Forbidden)]
    [InlineData(Presented.AdminApiKey, HttpStatusCode.Created)]
    public async Task A_camera_channel_takes_plain_RTP_transports_from_admins_only(Presented presented, HttpStatusCode expected)
    {
        using var response = await _host.Client.SendAsync(HttpMethod.Post, $"{ApiCalls.Mediasoup}/router/{PublishHost.CameraChannel}/rtp-transport",
            Credential.None, """{ "comedia": true }""", Headers(presented));

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task A_camera_channel_takes_no_publisher_over_signaling()
    {
        using var socket = await ConnectAsync(Credential.None);

        var reply = await RequestAsync(socket, $$"""{ "requestId": 1, "type": "createProducerTransport", "data": { "channelId": "{{PublishHost.CameraChannel}}", "token": "{{_fixture.Token}}" } }""");

        Assert.Equal(401, reply.GetProperty("error").GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData(Presented.Nothing, 401)]
    [InlineData(Presented.WrongToken, 401)]
    [InlineData(Presented.OtherChannelsToken, 401)]
    [InlineData(Presented.Token, 0)]
    public async Task Signaling_takes_the_channels_token_in_the_data_of_requests_that_name_it(Presented presented, int errorStatus)
    {
        using var socket = await ConnectAsync(Credential.None);
        var token = TokenOf(presented);
        var data = token is null ? $$"""{ "channelId": "{{Channel}}" }""" : $$"""{ "channelId": "{{Channel}}", "token": "{{token}}" }""";

        var capabilities = await RequestAsync(socket, $$"""{ "requestId": 1, "type": "getRouterRtpCapabilities", "data": {{data}} }""");
        var transport = await RequestAsync(socket, $$"""{ "requestId": 2, "type": "createProducerTransport", "data": {{data}} }""");

        // The router's capabilities are what a viewer loads its device with too: a channel open for viewing gives them.
        Assert.Equal("routerCapabilities", capabilities.GetProperty("type").GetString());
        if (errorStatus == 0)
        {
            Assert.NotEqual("error", transport.GetProperty("type").GetString());
        }
        else
        {
            Assert.Equal("error", transport.GetProperty("type").GetString());
            Assert.Equal(errorStatus, transport.GetProperty("error").GetProperty("status").GetInt32());
        }
    }

    [Fact]
    public async Task Signaling_checks_every_request_that_names_a_channel_not_only_the_first()
    {
        using var socket = await ConnectAsync(Credential.None);

        var first = await RequestAsync(socket, $$"""{ "requestId": 1, "type": "getRouterRtpCapabilities", "data": { "channelId": "{{Channel}}", "token": "{{_fixture.Token}}" } }""");
        var other = await RequestAsync(socket, $$"""{ "requestId": 2, "type": "createProducerTransport", "data": { "channelId": "{{OtherChannel}}", "token": "{{_fixture.Token}}" } }""");

        Assert.Equal("routerCapabilities", first.GetProperty("type").GetString());
        Assert.Equal(401, other.GetProperty("error").GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData(Credential.AdminApiKey, 0)]
    [InlineData(Credential.AdminJwt, 0)]
    [InlineData(Credential.JwtWithoutAdminRole, 401)]
    [InlineData(Credential.ExpiredJwt, 401)]
    [InlineData(Credential.WrongApiKey, 401)]
    public async Task An_admin_credential_on_the_signaling_upgrade_replaces_the_token(Credential credential, int errorStatus)
    {
        using var socket = await ConnectAsync(credential);

        var reply = await RequestAsync(socket, $$"""{ "requestId": 1, "type": "createProducerTransport", "data": { "channelId": "{{Channel}}" } }""");

        if (errorStatus == 0)
        {
            Assert.Equal("producerTransportCreated", reply.GetProperty("type").GetString());
        }
        else
        {
            Assert.Equal(errorStatus, reply.GetProperty("error").GetProperty("status").GetInt32());
        }
    }

    [Fact]
    public async Task Signaling_to_a_channel_without_a_definition_needs_an_admin()
    {
        using var anonymous = await ConnectAsync(Credential.None);
        using var admin = await ConnectAsync(Credential.AdminApiKey);

        var refused = await RequestAsync(anonymous, """{ "requestId": 1, "type": "getRouterRtpCapabilities", "data": { "channelId": "pub-ws-adhoc" } }""");
        var answered = await RequestAsync(admin, """{ "requestId": 1, "type": "getRouterRtpCapabilities", "data": { "channelId": "pub-ws-adhoc" } }""");

        Assert.Equal(401, refused.GetProperty("error").GetProperty("status").GetInt32());
        Assert.Equal("routerCapabilities", answered.GetProperty("type").GetString());
    }

    [Theory]
    [MemberData(nameof(PublishMatrix))]
    public async Task Creating_a_plain_RTP_transport_needs_the_channels_token_or_an_admin_credential(Presented presented, HttpStatusCode expected)
    {
        await EnsureRouterAsync(Channel);

        using var response = await _host.Client.SendAsync(HttpMethod.Post, $"{ApiCalls.Mediasoup}/router/{Channel}/rtp-transport",
            Credential.None, """{ "comedia": true }""", Headers(presented));

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task A_plain_RTP_publisher_with_the_token_creates_connects_and_produces_like_FFmpeg_does()
    {
        await EnsureRouterAsync(Channel);
        var token = AuthCalls.Bearer(_fixture.Token);

        var transport = await _host.Client.SendAsync(HttpMethod.Post, $"{ApiCalls.Mediasoup}/router/{Channel}/rtp-transport", Credential.None,
            """{ "comedia": false, "rtcpMux": true }""", token).ExpectAsync(HttpStatusCode.Created);
        await _host.Client.SendAsync(HttpMethod.Post, $"{ApiCalls.Mediasoup}/transport/{transport.Id()}/connect", Credential.None,
            """{ "ip": "127.0.0.1", "port": 5004 }""", ("X-Publish-Token", _fixture.Token)).ExpectAsync(HttpStatusCode.OK);
        await _host.Client.SendAsync(HttpMethod.Post, $"{ApiCalls.Mediasoup}/transport/{transport.Id()}/producer", Credential.None,
            ProducerBodies.H264WithRtx(4242), token).ExpectAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_plain_RTP_publisher_holding_only_the_token_brings_up_its_defined_channels_router()
    {
        var defined = await _host.Client.SendAsync(HttpMethod.Post, "api/v1/channels", Credential.AdminApiKey,
            """{ "channel_id": "pub-rtp-cold", "source": "rtp" }""").ExpectAsync(HttpStatusCode.Created);
        var token = AuthCalls.Bearer(defined.GetProperty("publishToken").GetString()!);

        var transport = await _host.Client.SendAsync(HttpMethod.Post, $"{ApiCalls.Mediasoup}/router/pub-rtp-cold/rtp-transport", Credential.None,
            """{ "comedia": false, "rtcpMux": true }""", token).ExpectAsync(HttpStatusCode.Created);
        await _host.Client.SendAsync(HttpMethod.Post, $"{ApiCalls.Mediasoup}/transport/{transport.Id()}/connect", Credential.None,
            """{ "ip": "127.0.0.1", "port": 5004 }""", token).ExpectAsync(HttpStatusCode.OK);
        await _host.Client.SendAsync(HttpMethod.Post, $"{ApiCalls.Mediasoup}/transport/{transport.Id()}/producer", Credential.None,
            ProducerBodies.H264WithRtx(4747), token).ExpectAsync(HttpStatusCode.Created);

        var router = await _host.Client.SendAsync(HttpMethod.Get, $"{ApiCalls.Mediasoup}/router/pub-rtp-cold", Credential.AdminApiKey)
            .ExpectAsync(HttpStatusCode.OK);
        // The channel's HLS pipeline adds a transport of its own once the producer is there, sooner or later.
        Assert.Contains(transport.Id(), router.GetProperty("transportIds").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task Creating_a_plain_RTP_transport_on_a_router_nobody_defined_or_started_is_404_for_an_admin()
    {
        await _host.Client.SendAsync(HttpMethod.Post, $"{ApiCalls.Mediasoup}/router/pub-nowhere/rtp-transport", Credential.AdminApiKey, "{}")
            .ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData(Presented.Nothing)]
    [InlineData(Presented.OtherChannelsToken)]
    [InlineData(Presented.JwtWithoutAdminRole)]
    public async Task Connecting_or_producing_on_a_publishers_plain_transport_needs_its_channels_token(Presented presented)
    {
        await EnsureRouterAsync(Channel);
        var transport = await _host.Client.SendAsync(HttpMethod.Post, $"{ApiCalls.Mediasoup}/router/{Channel}/rtp-transport", Credential.None,
            """{ "comedia": true }""", AuthCalls.Bearer(_fixture.Token)).ExpectAsync(HttpStatusCode.Created);

        using var connect = await _host.Client.SendAsync(HttpMethod.Post, $"{ApiCalls.Mediasoup}/transport/{transport.Id()}/connect", Credential.None,
            """{ "ip": "127.0.0.1", "port": 5004 }""", Headers(presented));
        using var produce = await _host.Client.SendAsync(HttpMethod.Post, $"{ApiCalls.Mediasoup}/transport/{transport.Id()}/producer", Credential.None,
            ProducerBodies.H264WithRtx(4343), Headers(presented));

        Assert.Equal(HttpStatusCode.Unauthorized, connect.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, produce.StatusCode);
    }

    [Fact]
    public async Task The_token_connects_and_produces_only_on_transports_created_with_it_not_on_an_admins()
    {
        await EnsureRouterAsync(Channel);
        var token = AuthCalls.Bearer(_fixture.Token);
        var admins = await _host.Client.SendAsync(HttpMethod.Post, $"{ApiCalls.Mediasoup}/router/{Channel}/rtp-transport", Credential.AdminApiKey,
            """{ "comedia": false }""").ExpectAsync(HttpStatusCode.Created);

        using var connect = await _host.Client.SendAsync(HttpMethod.Post, $"{ApiCalls.Mediasoup}/transport/{admins.Id()}/connect", Credential.None,
            """{ "ip": "127.0.0.1", "port": 5004 }""", token);
        using var produce = await _host.Client.SendAsync(HttpMethod.Post, $"{ApiCalls.Mediasoup}/transport/{admins.Id()}/producer", Credential.None,
            ProducerBodies.H264WithRtx(4646), token);

        Assert.Equal(HttpStatusCode.Unauthorized, connect.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, produce.StatusCode);
        var unchanged = await _host.Client.SendAsync(HttpMethod.Get, $"{ApiCalls.Mediasoup}/transport/{admins.Id()}", Credential.AdminApiKey)
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(unchanged.GetProperty("producerIds").EnumerateArray());
    }

    [Fact]
    public async Task Another_channels_token_cannot_use_a_transport_a_publisher_created()
    {
        await EnsureRouterAsync(Channel);
        var transport = await _host.Client.SendAsync(HttpMethod.Post, $"{ApiCalls.Mediasoup}/router/{Channel}/rtp-transport", Credential.None,
            """{ "comedia": false }""", AuthCalls.Bearer(_fixture.Token)).ExpectAsync(HttpStatusCode.Created);

        using var connect = await _host.Client.SendAsync(HttpMethod.Post, $"{ApiCalls.Mediasoup}/transport/{transport.Id()}/connect", Credential.None,
            """{ "ip": "127.0.0.1", "port": 5004 }""", AuthCalls.Bearer(_fixture.OtherToken));

        Assert.Equal(HttpStatusCode.Unauthorized, connect.StatusCode);
    }

    [Fact]
    public async Task The_publish_token_opens_no_other_mediasoup_route()
    {
        await EnsureRouterAsync(Channel);
        var token = AuthCalls.Bearer(_fixture.Token);
        var webRtc = await _host.Client.SendAsync(HttpMethod.Post, $"{ApiCalls.Mediasoup}/router/{Channel}/webrtc-transport", Credential.AdminApiKey, "{}")
            .ExpectAsync(HttpStatusCode.Created);
        var plain = await _host.Client.SendAsync(HttpMethod.Post, $"{ApiCalls.Mediasoup}/router/{Channel}/rtp-transport", Credential.None, "{}", token)
            .ExpectAsync(HttpStatusCode.Created);

        (HttpMethod Method, string Path, string? Body)[] others =
        [
            (HttpMethod.Get, $"{ApiCalls.Mediasoup}/router/{Channel}", null),
            (HttpMethod.Delete, $"{ApiCalls.Mediasoup}/router/{Channel}", null),
            (HttpMethod.Post, $"{ApiCalls.Mediasoup}/router/{Channel}/webrtc-transport", "{}"),
            (HttpMethod.Get, $"{ApiCalls.Mediasoup}/transport/{plain.Id()}", null),
            (HttpMethod.Delete, $"{ApiCalls.Mediasoup}/transport/{plain.Id()}", null),
            (HttpMethod.Post, $"{ApiCalls.Mediasoup}/transport/{webRtc.Id()}/connect", """{ "dtlsParameters": { "role": "client", "fingerprints": [] } }"""),
            (HttpMethod.Post, $"{ApiCalls.Mediasoup}/transport/{webRtc.Id()}/producer", ProducerBodies.H264WithRtx(4444)),
            (HttpMethod.Post, $"{ApiCalls.Mediasoup}/transport/{plain.Id()}/consumer", "{}"),
            (HttpMethod.Post, $"{ApiCalls.Mediasoup}/transport/not-a-transport/producer", ProducerBodies.H264WithRtx(4545)),
            (HttpMethod.Get, "api/v1/channels", null),
        ];
        foreach (var (method, path, body) in others)
        {
            using var response = await _host.Client.SendAsync(method, path, Credential.None, body, token);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path}: {(int)response.StatusCode}");
        }
    }

    private (string, string)[] Headers(Presented presented) => presented switch
    {
        Presented.Nothing => [],
        Presented.TokenInPublishTokenHeader => [("X-Publish-Token", _fixture.Token)],
        Presented.ExpiredJwt => [.. AuthCalls.Headers(Credential.ExpiredJwt)],
        Presented.JwtWithoutAdminRole => [.. AuthCalls.Headers(Credential.JwtWithoutAdminRole)],
        Presented.AdminJwt => [.. AuthCalls.Headers(Credential.AdminJwt)],
        Presented.AdminApiKey => [.. AuthCalls.Headers(Credential.AdminApiKey)],
        _ => [AuthCalls.Bearer(TokenOf(presented)!)],
    };

    private string? TokenOf(Presented presented) => presented switch
    {
        Presented.WrongToken => "not-the-token-of-any-channel-0123456789abcdef",
        Presented.OtherChannelsToken => _fixture.OtherToken,
        Presented.Token or Presented.TokenInPublishTokenHeader => _fixture.Token,
        _ => null,
    };

    private async Task EnsureRouterAsync(string id)
    {
        using var existing = await _host.Client.SendAsync(HttpMethod.Get, $"{ApiCalls.Mediasoup}/router/{id}", Credential.AdminApiKey);
        if (existing.StatusCode == HttpStatusCode.NotFound)
        {
            await _host.Client.SendAsync(HttpMethod.Post, $"{ApiCalls.Mediasoup}/router", Credential.AdminApiKey, $$"""{ "router_id": "{{id}}" }""")
                .ExpectAsync(HttpStatusCode.Created);
        }
    }

    private async Task<ClientWebSocket> ConnectAsync(Credential credential)
    {
        var socket = new ClientWebSocket();
        foreach (var (name, value) in AuthCalls.Headers(credential))
        {
            socket.Options.SetRequestHeader(name, value);
        }

        var uri = new UriBuilder(_host.BaseAddress) { Scheme = "ws", Path = "/api/v1/signaling" }.Uri;
        await socket.ConnectAsync(uri, CancellationToken.None);
        return socket;
    }

    private static async Task<JsonElement> RequestAsync(ClientWebSocket socket, string message)
    {
        await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(Eventually.DefaultTimeout);
        var result = await socket.ReceiveAsync(buffer, timeout.Token);
        return JsonDocument.Parse(buffer.AsMemory(0, result.Count)).RootElement.Clone();
    }
}

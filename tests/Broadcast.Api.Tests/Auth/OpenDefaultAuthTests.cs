using System.Net;
using System.Net.WebSockets;
using Broadcast.Api.Options;
using Broadcast.Api.Security;
using Broadcast.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Broadcast.Api.Tests.Auth;

/// <summary>
/// The open embedded default (no JWT_SECRET, no API_KEYS) listening on loopback and on this machine's LAN address.
/// Requests to the LAN address really come from a non-loopback peer: the client connects to that address, so the
/// kernel uses it as the source too. Nothing in the host is faked.
/// </summary>
public sealed class LanHost : IAsyncLifetime
{
    private BroadcastHost? _host;

    public BroadcastHost Host => _host ?? throw new InvalidOperationException("Not started.");

    /// <summary>A client whose requests reach the host from the LAN address.</summary>
    public HttpClient Lan { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var address = AuthCalls.NonLoopbackAddress()
            ?? throw new InvalidOperationException("This machine has no non-loopback IPv4 address: the loopback-only default cannot be tested from elsewhere.");
        _host = await BroadcastHost.StartAsync(new Dictionary<string, string?> { ["Urls"] = $"http://127.0.0.1:0;http://{address}:0" });
        var lanUrl = _host.App.Urls.Single(u => u.Contains(address.ToString(), StringComparison.Ordinal));
        Lan = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(lanUrl.TrimEnd('/') + "/") };
    }

    public async Task DisposeAsync()
    {
        Lan?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

public sealed class OpenDefaultAuthTests(LanHost lan) : IClassFixture<LanHost>
{
    private readonly BroadcastHost _host = lan.Host;

    [Theory]
    [InlineData("GET", "api/v1/mediasoup/router")]
    [InlineData("POST", "api/v1/mediasoup/router")]
    [InlineData("GET", "api/v1/channels")]
    [InlineData("POST", "api/v1/channels/lan-any/hls-url")]
    [InlineData("GET", "api/v1/stats")]
    public async Task From_another_address_an_admin_route_is_403_saying_how_to_configure_credentials(string method, string path)
    {
        var problem = await lan.Lan.SendAsync(new HttpMethod(method), path, Credential.None, method == "POST" ? "{}" : null)
            .ExpectProblemAsync(HttpStatusCode.Forbidden);

        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("loopback", detail, StringComparison.Ordinal);
        Assert.Contains("JWT_SECRET", detail, StringComparison.Ordinal);
        Assert.Contains("API_KEYS", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task From_loopback_the_admin_routes_answer_without_credentials()
    {
        await _host.Client.GetAsync("api/v1/channels").ExpectAsync(HttpStatusCode.OK);
        await _host.Client.GetAsync("api/v1/stats").ExpectAsync(HttpStatusCode.OK);
        await _host.Client.CreateRouterAsync("loopback-made");
    }

    [Fact]
    public async Task A_request_that_a_proxy_forwarded_from_loopback_is_not_a_loopback_client()
    {
        await _host.Client.SendAsync(HttpMethod.Get, "api/v1/channels", Credential.None, null, ("X-Forwarded-For", "198.51.100.7"))
            .ExpectProblemAsync(HttpStatusCode.Forbidden);
        await _host.Client.SendAsync(HttpMethod.Get, "api/v1/channels", Credential.None, null, ("Forwarded", "for=198.51.100.7"))
            .ExpectProblemAsync(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("X-Real-IP", "198.51.100.7")]
    [InlineData("X-Forwarded-Host", "appliance.example")]
    [InlineData("X-Forwarded-Proto", "https")]
    [InlineData("Via", "1.1 proxy.example")]
    public async Task A_request_with_any_proxy_header_is_not_a_loopback_client(string header, string value)
    {
        await _host.Client.SendAsync(HttpMethod.Get, "api/v1/channels", Credential.None, null, (header, value))
            .ExpectProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Signaling_accepts_pages_of_the_appliances_own_origin_and_clients_without_an_origin()
    {
        var own = _host.BaseAddress.GetLeftPart(UriPartial.Authority);

        using var fromOwnPage = await SignalingAsync(_host, own);
        using var fromScript = await SignalingAsync(_host, null);

        Assert.Equal(WebSocketState.Open, fromOwnPage.State);
        Assert.Equal(WebSocketState.Open, fromScript.State);
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("http://127.0.0.1:1")]
    [InlineData("https://127.0.0.1")]
    [InlineData("null")]
    public async Task Signaling_refuses_a_page_of_another_origin_whose_browser_would_make_it_a_loopback_admin(string origin)
    {
        using var socket = NewSocket(origin);

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(SignalingUri(_host), CancellationToken.None));

        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
    }

    [Theory]
    [InlineData("https://evil.example", HttpStatusCode.Forbidden, HttpStatusCode.Unauthorized)]
    [InlineData(null, HttpStatusCode.OK, HttpStatusCode.Created)] // scripts send no Origin
    public async Task In_the_open_default_a_page_of_another_site_gets_no_admin_through_a_loopback_browser(string? origin,
        HttpStatusCode channels, HttpStatusCode whipWithoutToken)
    {
        var channel = $"open-origin-{(origin is null ? "script" : "page")}";
        await _host.DefineChannelAsync(channel);
        using var list = new HttpRequestMessage(HttpMethod.Get, "api/v1/channels");
        using var whip = new HttpRequestMessage(HttpMethod.Post, $"whip/{channel}") { Content = new StringContent(Offers.Obs, System.Text.Encoding.UTF8, "application/sdp") };
        if (origin is not null)
        {
            list.Headers.Add("Origin", origin);
            whip.Headers.Add("Origin", origin);
        }

        using var listResponse = await _host.Client.SendAsync(list);
        using var whipResponse = await _host.Client.SendAsync(whip);

        Assert.Equal(channels, listResponse.StatusCode);
        Assert.Equal(whipWithoutToken, whipResponse.StatusCode); // a loopback script is an admin; the page needs the token
    }

    [Fact]
    public async Task A_host_name_that_resolves_to_loopback_is_not_taken_for_the_appliances_own_origin()
    {
        // DNS rebinding: the page's origin and the Host header both name the attacker's host.
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/channels");
        request.Headers.Host = $"rebound.example:{_host.BaseAddress.Port}";
        request.Headers.Add("Origin", $"http://rebound.example:{_host.BaseAddress.Port}");

        using var response = await _host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task The_appliances_own_pages_by_address_or_localhost_keep_admin_in_the_open_default()
    {
        foreach (var host in new[] { "127.0.0.1", "localhost" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/channels");
            request.Headers.Host = $"{host}:{_host.BaseAddress.Port}";
            request.Headers.Add("Origin", $"http://{host}:{_host.BaseAddress.Port}");

            using var response = await _host.Client.SendAsync(request);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task Signaling_accepts_a_page_of_an_origin_listed_in_CORS_ORIGIN()
    {
        await using var host = await BroadcastHost.StartAsync(new Dictionary<string, string?> { ["Api:CorsOrigins"] = "https://studio.example" });

        using var listed = await SignalingAsync(host, "https://studio.example");
        using var other = NewSocket("https://other.example");

        Assert.Equal(WebSocketState.Open, listed.State);
        await Assert.ThrowsAsync<WebSocketException>(() => other.ConnectAsync(SignalingUri(host), CancellationToken.None));
    }

    private static async Task<ClientWebSocket> SignalingAsync(BroadcastHost host, string? origin)
    {
        var socket = NewSocket(origin);
        await socket.ConnectAsync(SignalingUri(host), CancellationToken.None);
        return socket;
    }

    private static ClientWebSocket NewSocket(string? origin)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        return socket;
    }

    private static Uri SignalingUri(BroadcastHost host) => new UriBuilder(host.BaseAddress) { Scheme = "ws", Path = "/api/v1/signaling" }.Uri;

    [Fact]
    public async Task From_another_address_health_pages_and_public_HLS_answer()
    {
        await _host.DefineChannelAsync("lan-public");
        var channel = Path.Combine(_host.HlsRoot, "lan-public");
        Directory.CreateDirectory(channel);
        await File.WriteAllTextAsync(Path.Combine(channel, "index.m3u8"), "#EXTM3U\n");

        await lan.Lan.GetAsync("healthz").ExpectAsync(HttpStatusCode.OK);
        using var playlist = await lan.Lan.GetAsync("hls/lan-public/index.m3u8");
        using var page = await lan.Lan.GetAsync("viewer.html");

        Assert.Equal(HttpStatusCode.OK, playlist.StatusCode);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task From_another_address_anyone_may_publish_to_a_channel_without_a_definition()
    {
        using var response = await lan.Lan.PostOfferAsync("lan-adhoc", Offers.Obs);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task From_another_address_a_channel_with_a_publish_token_needs_it()
    {
        var token = await _host.DefineChannelAsync("lan-token");

        using var without = await lan.Lan.PostOfferAsync("lan-token", Offers.Obs);
        using var with = await lan.Lan.PostOfferAsync("lan-token", Offers.Obs, AuthCalls.Bearer(token!));

        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Equal("Bearer", Assert.Single(without.Headers.WwwAuthenticate).ToString());
        Assert.Equal(HttpStatusCode.Created, with.StatusCode);
    }

    [Fact]
    public async Task From_another_address_plain_RTP_publishing_to_an_existing_ad_hoc_channel_is_open()
    {
        await _host.Client.CreateRouterAsync("lan-rtp");

        await lan.Lan.PostJsonAsync("api/v1/mediasoup/router/lan-rtp/rtp-transport", """{ "comedia": true }""").ExpectAsync(HttpStatusCode.Created);
        await lan.Lan.GetAsync("api/v1/mediasoup/router/lan-rtp").ExpectProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task From_another_address_a_publisher_connects_its_own_transport_but_not_one_made_from_loopback()
    {
        await _host.Client.CreateRouterAsync("lan-rtp-own");
        var own = await lan.Lan.PostJsonAsync("api/v1/mediasoup/router/lan-rtp-own/rtp-transport", """{ "comedia": false }""")
            .ExpectAsync(HttpStatusCode.Created);
        var loopbacks = await _host.Client.CreatePlainTransportAsync("lan-rtp-own", """{ "comedia": false }""");

        await lan.Lan.PostJsonAsync($"api/v1/mediasoup/transport/{own.Id()}/connect", """{ "ip": "127.0.0.1", "port": 5004 }""")
            .ExpectAsync(HttpStatusCode.OK);
        await lan.Lan.PostJsonAsync($"api/v1/mediasoup/transport/{loopbacks.Id()}/connect", """{ "ip": "127.0.0.1", "port": 5004 }""")
            .ExpectProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task From_another_address_a_camera_channel_takes_no_publisher()
    {
        await _host.Client.PostJsonAsync("api/v1/channels", $$"""{ "channel_id": "lan-camera", "rtsp": { "url": "rtsp://127.0.0.1:{{AuthCalls.ClosedPort()}}/live" } }""")
            .ExpectAsync(HttpStatusCode.Created);

        await lan.Lan.PostJsonAsync("api/v1/mediasoup/router/lan-camera/rtp-transport", """{ "comedia": true }""").ExpectProblemAsync(HttpStatusCode.Forbidden);
        using var offer = await lan.Lan.PostOfferAsync("lan-camera", Offers.Obs);
        Assert.Equal(HttpStatusCode.Forbidden, offer.StatusCode);
    }

    [Fact]
    public async Task The_open_default_is_announced_with_a_warning_at_start()
    {
        var logged = await StartReportAsync(new ApiOptions());

        var warning = Assert.Single(logged, e => e.Level == LogLevel.Warning);
        Assert.Contains("loopback", warning.Message, StringComparison.Ordinal);
        Assert.Contains("JWT_SECRET", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configured_credentials_are_announced_by_kind_and_count_never_by_value()
    {
        var logged = await StartReportAsync(new ApiOptions { JwtSecret = SecuredHost.JwtSecret, ApiKeys = $"{SecuredHost.ApiKey},{SecuredHost.OtherApiKey}" });

        Assert.DoesNotContain(logged, e => e.Level >= LogLevel.Warning);
        Assert.Contains(logged, e => e.Message.Contains("2 API keys", StringComparison.Ordinal));
        Assert.All(logged, e =>
        {
            Assert.DoesNotContain(SecuredHost.JwtSecret, e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(SecuredHost.ApiKey, e.Message, StringComparison.Ordinal);
        });
    }

    private static async Task<List<(LogLevel Level, string Message)>> StartReportAsync(ApiOptions api)
    {
        var logged = new List<(LogLevel, string)>();
        var services = new ServiceCollection()
            .AddSingleton(Microsoft.Extensions.Options.Options.Create(api))
            .AddSingleton(Microsoft.Extensions.Options.Options.Create(new RateLimitOptions()))
            .AddSingleton<ApiKeyRing>()
            .AddSingleton(sp => HlsUrlSigner.From(api))
            .BuildServiceProvider();
        var report = new SecurityStartupReport(services, new ListLogger<SecurityStartupReport>(logged));
        await report.StartAsync(CancellationToken.None);
        return logged;
    }

    private sealed class ListLogger<T>(List<(LogLevel, string)> entries) : ILogger<T>
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Add((logLevel, formatter(state, exception)));
    }
}

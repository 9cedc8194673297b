using Broadcast.Ingest.Protocols.Rtcp;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Sources;
using Broadcast.Ingest.Transports;
using Broadcast.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Broadcast.Ingest.Tests.Sources;

/// <summary>Component tests: the RTSP client state machine against a scripted camera on loopback, media into a real router.</summary>
public sealed class RtspSourceTests : IAsyncLifetime
{
    private readonly PortLease _ports = TestPorts.Lease();
    private readonly MediaServer _server;
    private readonly RtspSourceRegistry _sources;
    private readonly List<FakeRtspCamera> _cameras = [];
    private readonly List<MediaServer> _fakeClockServers = [];

    public RtspSourceTests()
    {
        _server = new MediaServer(Options.Create(new MediaOptions { ListenIp = "127.0.0.1", MinPort = _ports.MinPort, MaxPort = _ports.MinPort + 49, Workers = 1 }),
            TimeProvider.System);
        _sources = new RtspSourceRegistry(_server, new TransportFactory(_server), Options.Create(FastOptions), NullLoggerFactory.Instance, TimeProvider.System);
    }

    private static RtspOptions FastOptions => new()
    {
        BackoffInitial = TimeSpan.FromMilliseconds(100),
        BackoffMax = TimeSpan.FromMilliseconds(400),
        AuthBackoffInitial = TimeSpan.FromSeconds(20),
        MediaTimeout = TimeSpan.FromSeconds(5),
        UdpFallbackTimeout = TimeSpan.FromSeconds(1),
        ReceiverReportInterval = TimeSpan.FromMilliseconds(500),
        RequestTimeout = TimeSpan.FromSeconds(10),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var server in _fakeClockServers.Append(_server))
        {
            await server.CloseAllAsync();
        }

        foreach (var camera in _cameras)
        {
            await camera.DisposeAsync();
        }

        foreach (var server in _fakeClockServers.Append(_server))
        {
            await server.DisposeAsync();
        }

        _ports.Dispose();
    }

    private FakeRtspCamera Camera(FakeCameraOptions? options = null)
    {
        var camera = new FakeRtspCamera(options);
        _cameras.Add(camera);
        return camera;
    }

    private Task<RtspSource> StartAsync(string url, string transport = "tcp", string? username = null, string? password = null) =>
        _sources.CreateAsync(null, RtspSourceSettings.Create(url, transport, username, password));

    private static Task<RtspSourceStatus> WaitForAsync(RtspSource source, Func<RtspSourceStatus, bool> condition) =>
        Eventually.ValueAsync(source.GetStatusAsync, condition, status =>
            $"state {status.State}, error '{status.LastError}', tracks {status.Tracks.Count}, packets {status.Tracks.Sum(t => t.Packets)}");

    /// <summary>Sources on a media server of their own whose clock moves only when the test says.</summary>
    private (RtspSourceRegistry Sources, ObservedClock Clock) OnFakeClock()
    {
        var clock = new ObservedClock();
        var server = new MediaServer(Options.Create(new MediaOptions { ListenIp = "127.0.0.1", MinPort = _ports.MinPort + 50, MaxPort = _ports.MaxPort, Workers = 1 }),
            clock);
        _fakeClockServers.Add(server);
        // Packets are stamped with this clock too: with no media timeout, the camera's packets need not arrive between two steps.
        var options = FastOptions;
        options.MediaTimeout = TimeSpan.FromMinutes(10);
        return (new RtspSourceRegistry(server, new TransportFactory(server), Options.Create(options), NullLoggerFactory.Instance, clock), clock);
    }

    private static bool HasMedia(RtspSourceStatus status, long packets = 10) =>
        status.State == RtspSourceState.Playing && status.Tracks.Where(t => t.Used).All(t => t.Packets >= packets);

    [Fact]
    public async Task Over_TCP_the_camera_video_becomes_a_producer_and_the_stream_is_measured()
    {
        var camera = Camera();
        var source = await StartAsync(camera.Url);

        var status = await WaitForAsync(source, s => HasMedia(s, 60) && s.Tracks[0].KeyFrameIntervalSeconds is not null && s.Tracks[0].FrameRate is not null);

        var track = Assert.Single(status.Tracks);
        Assert.Equal(("video", "H264", "video/H264"), (track.Kind, track.Codec, track.MimeType));
        Assert.Equal((640, 360), (track.Width, track.Height));
        Assert.InRange(track.FrameRate!.Value, 24.5, 25.5);
        Assert.Equal(1.0, track.KeyFrameIntervalSeconds);
        Assert.False(track.BFrames);
        Assert.Equal("tcp", status.ActiveTransport);
        Assert.Equal(1, status.Sessions);
        Assert.Equal(60, status.SessionTimeoutSeconds);
        var producer = _server.GetProducer(track.ProducerId!);
        Assert.Equal(source.Router, producer.Router);
        Assert.True(await source.Router.Worker.InvokeAsync(() => producer.Streams[0].KeyFrames) > 0);
        Assert.Equal(["OPTIONS", "DESCRIBE", "SETUP", "PLAY"], camera.Requests.Select(r => r.Method).Take(4));
        // Media only enters through a camera's transport: a consumer on it is refused, not silently starved.
        Assert.False(producer.Transport.CanConsume);
        await Assert.ThrowsAsync<TransportCannotConsumeException>(() =>
            producer.Transport.ConsumeAsync(null, producer.Id, source.Router.RtpCapabilities, paused: false));
        Assert.Equal("RTP/AVP/TCP;unicast;interleaved=0-1", camera.RequestsOf("SETUP").Single().Headers.Get("Transport"));
    }

    [Fact]
    public async Task Interleaved_channels_the_camera_chose_itself_are_used_and_audio_becomes_a_second_producer()
    {
        var camera = Camera(new FakeCameraOptions { ChannelShift = 4, WithAudio = true });
        var source = await StartAsync(camera.Url);

        var status = await WaitForAsync(source, s => HasMedia(s));

        Assert.Equal(["video/H264", "audio/PCMU"], status.Tracks.Select(t => t.MimeType));
        Assert.Equal(2, await source.Router.Worker.InvokeAsync(() => source.Router.Producers.Count));
        Assert.Equal(0, status.Counters.DroppedUnknownChannel);
    }

    [Fact]
    public async Task Receiver_reports_and_key_frame_requests_reach_the_camera_naming_its_own_ssrc()
    {
        var camera = Camera();
        var source = await StartAsync(camera.Url);
        await WaitForAsync(source, s => HasMedia(s));

        await Eventually.HoldsAsync(() => camera.RtcpReceived.Any(IsReceiverReport), () => "no receiver report");

        var compound = camera.RtcpReceived.First(IsReceiverReport);
        var reports = new ReceptionReport[1];
        Assert.True(ReceiverReport.TryParse(compound, out _, reports, out var count));
        Assert.Equal(1, count);
        Assert.Equal(0x0CA11A00u, reports[0].Ssrc);
        Assert.Equal(0, reports[0].CumulativeLost);
        Assert.True(reports[0].ExtendedHighestSequence >= 1000);
        // A new video stream gets a key frame request (FIR: the camera negotiated no PLI), for the camera's SSRC.
        var fir = camera.RtcpReceived.First(p => p.Length >= 2 && p[1] == RtcpPacketType.PayloadFeedback);
        Assert.True(FullIntraRequest.TryParse(fir, out _, out var firSsrc, out _));
        Assert.Equal(0x0CA11A00u, firSsrc);
    }

    private static bool IsReceiverReport(byte[] packet) => packet.Length >= 2 && packet[1] == RtcpPacketType.ReceiverReport;

    [Fact]
    public async Task Digest_with_qop_and_a_stale_nonce_is_answered_and_the_camera_plays()
    {
        var camera = Camera(new FakeCameraOptions { Username = "admin", Password = "s3cret", Digest = true, Qop = true, StaleOnce = true });
        var source = await StartAsync(camera.Url, username: "admin", password: "s3cret");

        var status = await WaitForAsync(source, s => HasMedia(s));

        Assert.Equal("Digest", status.AuthScheme);
        Assert.True(status.HasCredentials);
        var authorizations = camera.Requests.Select(r => r.Headers.Get("Authorization")).OfType<string>().ToList();
        Assert.Contains(authorizations, a => a.Contains("nonce=\"f00dfeedf00dfeed\"", StringComparison.Ordinal));
        Assert.Contains(authorizations, a => a.Contains("nc=00000002", StringComparison.Ordinal));
        Assert.DoesNotContain("s3cret", status.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Basic_credentials_from_the_url_are_used_and_never_shown()
    {
        var camera = Camera(new FakeCameraOptions { Username = "viewer", Password = "p@ss" });
        var url = camera.Url.Replace("rtsp://", "rtsp://viewer:p%40ss@", StringComparison.Ordinal);
        var source = await StartAsync(url);

        var status = await WaitForAsync(source, s => HasMedia(s));

        Assert.Equal("Basic", status.AuthScheme);
        Assert.Equal(camera.Url, status.Url);
        Assert.DoesNotContain("p@ss", status.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_is_reported_as_auth_failed_and_retried_only_after_the_long_backoff()
    {
        var (sources, clock) = OnFakeClock();
        var camera = Camera(new FakeCameraOptions { Username = "admin", Password = "right", Digest = true });
        var source = await sources.CreateAsync(null, RtspSourceSettings.Create(camera.Url, "tcp", "admin", "wrong"));

        await clock.WaitForTimerAsync(0, FastOptions.AuthBackoffInitial);
        var status = await source.GetStatusAsync();

        Assert.Equal(RtspSourceState.AuthFailed, status.State);
        Assert.Contains("401", status.LastError, StringComparison.Ordinal);
        Assert.Equal(clock.GetUtcNow() + FastOptions.AuthBackoffInitial, status.NextAttemptAt);
        clock.Advance(FastOptions.AuthBackoffInitial - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, camera.Connections);
        Assert.Equal(RtspSourceState.AuthFailed, (await source.GetStatusAsync()).State);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        await Eventually.HoldsAsync(() => camera.Connections == 2, () => "no second attempt once the backoff was over");
    }

    [Fact]
    public async Task Passwords_never_reach_the_log_whether_from_the_url_or_a_field()
    {
        var logs = new CapturingLoggerFactory();
        var sources = new RtspSourceRegistry(_server, new TransportFactory(_server), Options.Create(FastOptions), logs, TimeProvider.System);
        var refusing = Camera(new FakeCameraOptions { Username = "admin", Password = "right", Digest = true });
        var redirecting = Camera(new FakeCameraOptions { Username = "admin", Password = "Url-Secret-1", RedirectFrom = "/old", Path = "/new" });

        var refused = await sources.CreateAsync(null, RtspSourceSettings.Create(refusing.Url, "tcp", "admin", "Field-Secret-2"));
        var played = await sources.CreateAsync(null, RtspSourceSettings.Create(
            redirecting.Url.Replace("rtsp://", "rtsp://admin:Url-Secret-1@", StringComparison.Ordinal), "tcp", null, null));
        await WaitForAsync(refused, s => s.State == RtspSourceState.AuthFailed);
        await WaitForAsync(played, s => HasMedia(s));
        await played.Router.CloseAsync();
        await refused.Router.CloseAsync();

        Assert.Contains(logs.Messages, m => m.StartsWith("2002 ", StringComparison.Ordinal));
        Assert.Contains(logs.Messages, m => m.StartsWith("2003 ", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Messages, m => m.Contains("Secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_camera_wanting_credentials_when_none_are_configured_is_an_auth_failure()
    {
        var camera = Camera(new FakeCameraOptions { Username = "admin", Password = "x" });
        var source = await StartAsync(camera.Url);

        var status = await WaitForAsync(source, s => s.State == RtspSourceState.AuthFailed);

        Assert.Contains("none are configured", status.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_redirect_is_followed_to_the_stream()
    {
        var camera = Camera(new FakeCameraOptions { RedirectFrom = "/old", Path = "/new" });
        var source = await StartAsync(camera.Url);

        await WaitForAsync(source, s => HasMedia(s));

        Assert.EndsWith("/new/trackID=0", camera.RequestsOf("SETUP").Single().Uri, StringComparison.Ordinal);
        Assert.Equal(2, camera.Connections);
    }

    [Fact]
    public async Task Keep_alives_go_out_every_half_session_timeout_with_the_session()
    {
        var (sources, clock) = OnFakeClock();
        var camera = Camera(new FakeCameraOptions { SessionTimeout = 4 });
        var source = await sources.CreateAsync(null, RtspSourceSettings.Create(camera.Url, "tcp", null, null));
        await WaitForAsync(source, s => HasMedia(s, 1));

        // One step is one turn of the session's loop: the clock moves only while the loop waits for it.
        var tick = TimeSpan.FromMilliseconds(250);
        var keepAlivesAt = new List<TimeSpan>();
        await clock.WaitForTimerAsync(0, tick);
        for (var step = 1; step <= 24; step++)
        {
            var seen = clock.TimersStarted;
            clock.Advance(tick);
            await clock.WaitForTimerAsync(seen, tick);
            if (camera.RequestsOf("GET_PARAMETER").Count() > keepAlivesAt.Count)
            {
                keepAlivesAt.Add(tick * step);
            }
        }

        Assert.Equal(new[] { TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(6) }, keepAlivesAt);
        Assert.All(camera.RequestsOf("GET_PARAMETER"), k => Assert.NotNull(k.Headers.Get("Session")));
        Assert.Equal(4, (await source.GetStatusAsync()).SessionTimeoutSeconds);
    }

    [Fact]
    public async Task A_camera_that_drops_the_connection_is_reconnected_with_new_producers()
    {
        var camera = Camera();
        var source = await StartAsync(camera.Url);
        var first = await WaitForAsync(source, s => HasMedia(s));

        camera.DropConnections();

        var again = await WaitForAsync(source, s => s.Sessions == 2 && HasMedia(s));
        Assert.NotEqual(first.Tracks[0].ProducerId, again.Tracks[0].ProducerId);
        Assert.Equal(1, await source.Router.Worker.InvokeAsync(() => source.Router.Producers.Count));
        Assert.True(again.Attempts >= 2);
    }

    [Fact]
    public async Task A_camera_that_is_not_there_is_unreachable_with_a_next_attempt_time()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }

        var source = await StartAsync($"rtsp://127.0.0.1:{port}/cam");

        var status = await WaitForAsync(source, s => s.State == RtspSourceState.Unreachable);

        Assert.Contains("refused", status.LastError, StringComparison.Ordinal);
        Assert.NotNull(status.NextAttemptAt);
    }

    [Fact]
    public async Task Over_UDP_the_media_comes_to_client_ports_of_the_range_and_reports_go_to_the_server_port()
    {
        var camera = Camera(new FakeCameraOptions { WithAudio = true });
        var source = await StartAsync(camera.Url, "udp");

        var status = await WaitForAsync(source, s => HasMedia(s));

        Assert.Equal("udp", status.ActiveTransport);
        foreach (var setup in camera.RequestsOf("SETUP"))
        {
            Assert.True(Broadcast.Ingest.Protocols.Rtsp.RtspTransportHeader.TryParse(setup.Headers.Get("Transport"), out var offer));
            Assert.InRange(offer.ClientPorts!.Value.Rtp, _server.Ports.MinPort, _server.Ports.MaxPort);
            Assert.Equal(0, offer.ClientPorts.Value.Rtp % 2);
        }

        await Eventually.HoldsAsync(() => !camera.RtcpReceived.IsEmpty, () => "no receiver report over UDP");
    }

    [Fact]
    public async Task Auto_falls_back_to_TCP_when_nothing_arrives_over_UDP()
    {
        var camera = Camera(new FakeCameraOptions { UdpBlackHole = true });
        var source = await StartAsync(camera.Url, "auto");

        var status = await WaitForAsync(source, s => HasMedia(s));

        Assert.Equal("tcp", status.ActiveTransport);
        var setups = camera.RequestsOf("SETUP").Select(r => r.Headers.Get("Transport")!).ToList();
        Assert.StartsWith("RTP/AVP;unicast;client_port=", setups[0], StringComparison.Ordinal);
        Assert.StartsWith("RTP/AVP/TCP", setups[^1], StringComparison.Ordinal);
        Assert.Contains(camera.Requests, r => r.Method == "TEARDOWN");
    }

    [Fact]
    public async Task Deleting_the_channel_tears_the_session_down_and_frees_its_ports()
    {
        var camera = Camera();
        var source = await StartAsync(camera.Url, "udp");
        await WaitForAsync(source, s => HasMedia(s));

        await source.Router.CloseAsync();

        Assert.Contains(camera.Requests, r => r.Method == "TEARDOWN");
        Assert.Equal(RtspSourceState.Stopped, source.State);
        Assert.Equal(0, _server.Ports.InUseCount);
        Assert.Null(_sources.Find(source.ChannelId));
    }
}

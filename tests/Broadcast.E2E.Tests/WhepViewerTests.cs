using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Broadcast.Testing;
using Xunit.Abstractions;

namespace Broadcast.E2E.Tests;

/// <summary>
/// A bare RTCPeerConnection in headless Chromium watches a channel over WHEP while FFmpeg publishes it over plain RTP:
/// the answer, ICE-lite, DTLS-SRTP towards the viewer, the consumers' SSRCs, payload types and key frames.
/// </summary>
[Collection(E2ECollection.Browser)]
public sealed class WhepViewerTests(ITestOutputHelper output) : IAsyncLifetime
{
    // A WHEP player as the draft describes it: recvonly transceivers, a complete offer, POST, the answer.
    internal const string WhepPlayer = """
        window.whep = async (url, relayPort) => {
          const started = performance.now();
          const pc = new RTCPeerConnection();
          window.pc = pc;
          pc.addTransceiver('video', { direction: 'recvonly' });
          pc.addTransceiver('audio', { direction: 'recvonly' });
          const video = document.createElement('video');
          video.muted = true; video.autoplay = true; video.playsInline = true;
          document.body.appendChild(video);
          window.frames = 0;
          const stream = new MediaStream();
          pc.ontrack = e => { stream.addTrack(e.track); video.srcObject = stream; };
          const count = () => {
            window.frames++;
            if (window.firstFrameMs === undefined) {
              window.firstFrameMs = performance.now() - started;
              window.firstFrameAfterPostMs = performance.now() - window.postedAt;
            }
            video.requestVideoFrameCallback(count);
          };
          video.requestVideoFrameCallback(count);
          await pc.setLocalDescription(await pc.createOffer());
          await new Promise(resolve => {
            if (pc.iceGatheringState === 'complete') return resolve();
            pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
            setTimeout(resolve, 2000);
          });
          window.postedAt = performance.now();
          const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp });
          window.whepStatus = response.status;
          window.whepLocation = response.headers.get('Location');
          const answer = await response.text();
          if (response.status !== 201) return response.status;
          // Through a relay: our candidates point at it instead of the appliance.
          const sdp = relayPort ? answer.replace(/(a=candidate:\S+ 1 udp \d+ \S+ )(\d+)( typ host)/g, '$1' + relayPort + '$3') : answer;
          await pc.setRemoteDescription({ type: 'answer', sdp });
          window.video = video;
          return response.status;
        };
        window.inbound = async (kind) => {
          const stats = await window.pc.getStats();
          let found = null;
          stats.forEach(s => { if (s.type === 'inbound-rtp' && s.kind === kind) found = s; });
          return found ? { packets: found.packetsReceived || 0, frames: found.framesDecoded || 0, nacks: found.nackCount || 0,
            plis: found.pliCount || 0, lost: found.packetsLost || 0, keyFrames: found.keyFramesDecoded || 0 } : null;
        };
        true
        """;

    private BroadcastHost _host = null!;

    public async Task InitializeAsync() => _host = await BroadcastHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_WHEP_viewer_plays_a_plain_RTP_channel_in_real_time_with_live_audio_and_DELETE_ends_the_session()
    {
        var channel = await PlainRtpChannel.CreateAsync(_host, "whep-plain", "video/H264");
        using var publisher = channel.StartPublisher("h264");
        await PlainRtpChannel.WaitForAsync(async () => await channel.VideoPacketsReceivedAsync() > 0, "the publisher's first packets");

        await using var chromium = await HeadlessChromium.StartAsync("--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required");
        await chromium.NavigateAsync(new Uri(_host.BaseAddress, "viewer.html"));
        Assert.True((await chromium.EvaluateAsync(WhepPlayer))!.GetValue<bool>());
        var status = (await chromium.EvaluateAsync($"window.whep('/whep/{channel.Id}')"))!.GetValue<int>();
        Assert.Equal(201, status);

        await PlainRtpChannel.WaitForAsync(async () => (await chromium.EvaluateAsync("window.frames"))!.GetValue<int>() >= 30, "30 frames shown");
        var firstFrame = (await chromium.EvaluateAsync("window.firstFrameMs"))!.GetValue<double>();
        var firstFrameAfterPost = (await chromium.EvaluateAsync("window.firstFrameAfterPostMs"))!.GetValue<double>();
        var (width, height) = ((await chromium.EvaluateAsync("window.video.videoWidth"))!.GetValue<int>(),
            (await chromium.EvaluateAsync("window.video.videoHeight"))!.GetValue<int>());
        Assert.Equal((640, 360), (width, height));
        var audioBefore = (await chromium.EvaluateAsync("window.inbound('audio')"))!["packets"]!.GetValue<long>();
        await PlainRtpChannel.WaitForAsync(async () =>
            (await chromium.EvaluateAsync("window.inbound('audio')"))!["packets"]!.GetValue<long>() > audioBefore + 50, "audio packets arriving");
        var video = (await chromium.EvaluateAsync("window.inbound('video')"))!;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"WHEP: first frame {firstFrameAfterPost:F0} ms after the POST, {firstFrame:F0} ms after the offer was made; video {video.ToJsonString()}"));

        var location = (await chromium.EvaluateAsync("window.whepLocation"))!.GetValue<string>();
        var transportId = location[(location.LastIndexOf('/') + 1)..];
        var transport = await _host.Client.GetFromJsonAsync<JsonNode>($"api/v1/mediasoup/transport/{transportId}");
        Assert.Equal("webrtc", transport!["type"]!.GetValue<string>());

        using var deleted = await _host.Client.DeleteAsync(location);
        Assert.Equal(System.Net.HttpStatusCode.OK, deleted.StatusCode);
        using var gone = await _host.Client.GetAsync($"api/v1/mediasoup/transport/{transportId}");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Behind_5_percent_loss_a_WHEP_viewer_keeps_playing_and_its_NACKs_are_answered_with_retransmissions()
    {
        var channel = await PlainRtpChannel.CreateAsync(_host, "whep-lossy", "video/H264");
        using var publisher = channel.StartPublisher("h264");
        await PlainRtpChannel.WaitForAsync(async () => await channel.VideoPacketsReceivedAsync() > 0, "the publisher's first packets");
        await using var relay = new LossyRelay(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, _host.MinPort), 0.05, seed: 7);

        await using var chromium = await HeadlessChromium.StartAsync("--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required");
        await chromium.NavigateAsync(new Uri(_host.BaseAddress, "viewer.html"));
        Assert.True((await chromium.EvaluateAsync(WhepPlayer))!.GetValue<bool>());
        Assert.Equal(201, (await chromium.EvaluateAsync($"window.whep('/whep/{channel.Id}', {relay.Port})"))!.GetValue<int>());

        await PlainRtpChannel.WaitForAsync(async () => (await chromium.EvaluateAsync("window.frames"))!.GetValue<int>() >= 150, "150 frames shown through the lossy relay");
        var location = (await chromium.EvaluateAsync("window.whepLocation"))!.GetValue<string>();
        var transport = await _host.Client.GetFromJsonAsync<JsonNode>($"api/v1/mediasoup/transport/{location[(location.LastIndexOf('/') + 1)..]}");
        var consumers = transport!["consumerIds"]!.AsArray().Select(id => id!.GetValue<string>()).ToList();
        JsonNode? videoStats = null;
        foreach (var id in consumers)
        {
            var consumer = await _host.Client.GetFromJsonAsync<JsonNode>($"api/v1/mediasoup/consumer/{id}");
            if (consumer!["kind"]!.GetValue<string>() == "video")
            {
                videoStats = consumer["stats"];
            }
        }

        var browser = (await chromium.EvaluateAsync("window.inbound('video')"))!;
        output.WriteLine($"relay dropped {relay.Dropped} of {relay.Dropped + relay.Forwarded}; server video consumer {videoStats!.ToJsonString()}; Chromium {browser.ToJsonString()}");
        Assert.True(relay.Dropped > 0, "the relay dropped nothing");
        Assert.True(browser["nacks"]!.GetValue<long>() > 0, "Chromium sent no NACK");
        Assert.True(videoStats["nackedPackets"]!.GetValue<long>() > 0, "the consumer read no NACK");
        Assert.True(videoStats["retransmittedPackets"]!.GetValue<long>() > 0, "the consumer resent nothing");
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Broadcast.Testing;
using Xunit.Abstractions;

namespace Broadcast.E2E.Tests;

/// <summary>
/// The publisher page in headless Chromium (fake camera and microphone) publishes through the real mediasoup-client
/// over WebSocket signaling: ICE-lite, DTLS-SRTP, the router and the HLS pipeline, checked with ffprobe.
/// </summary>
[Collection(E2ECollection.Browser)]
public sealed class WebRtcPublisherTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] FakeMedia =
    [
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--allow-loopback-in-peer-connection",
    ];

    private BroadcastHost _host = null!;

    public async Task InitializeAsync() => _host = await BroadcastHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData("H264", "mediasoup")]
    [InlineData("VP8", "mediasoup")]
    [InlineData("H264", "whip")]
    [InlineData("VP8", "whip")]
    public async Task The_publisher_page_publishes_and_the_channel_becomes_HLS(string codec, string mode)
    {
        var channel = $"{mode}-{codec.ToLowerInvariant()}";
        await using var chromium = await HeadlessChromium.StartAsync(FakeMedia);
        await chromium.NavigateAsync(new Uri(_host.BaseAddress, $"publisher.html?channel={channel}&codec={codec}&mode={mode}"));
        await PlainRtpChannel.WaitForAsync(async () => (await chromium.EvaluateAsync("typeof window.publish === 'function'"))!.GetValue<bool>(), "the publisher page");

        var clock = Stopwatch.StartNew();
        await chromium.EvaluateAsync("window.publish()");
        await PlainRtpChannel.WaitForAsync(async () =>
            (await chromium.EvaluateAsync("document.getElementById('state').textContent"))!.GetValue<string>() == "connection connected", "ICE and DTLS to connect");
        var connectedAt = clock.Elapsed;
        var playlist = Path.Combine(_host.HlsRoot, channel, "index.m3u8");
        await PlainRtpChannel.WaitForAsync(() => Task.FromResult(Segments(playlist).Count >= 2), "two HLS segments");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{codec} over {mode}: ICE+DTLS connected {connectedAt.TotalSeconds:F2} s after publish(); two segments at {clock.Elapsed.TotalSeconds:F2} s"));

        var analysis = await HlsMedia.ProbeAsync(Path.Combine(_host.HlsRoot, channel), File.ReadAllText(playlist), Segments(playlist)[1]);
        Assert.Equal("h264", Assert.Single(analysis.VideoStreams).CodecName);
        Assert.Equal("aac", Assert.Single(analysis.AudioStreams).CodecName);

        var router = await _host.Client.GetFromJsonAsync<JsonNode>($"api/v1/mediasoup/router/{channel}");
        var producers = router!["producerIds"]!.AsArray();
        Assert.Equal(2, producers.Count);
        var kbps = (await chromium.EvaluateAsync("window.publisherStats ? window.publisherStats.kbps : 0"))!.GetValue<double>();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{codec} over {mode}: Chrome sending {kbps:F0} kbit/s"));
        Assert.True(kbps > 0, "Chrome reports no bitrate");

        if (codec == "H264" && mode == "whip")
        {
            // hls.js at its defaults plays the browser's stream as Low-Latency HLS.
            var hls = await HlsJsPlayback.AssertPlaysLowLatencyAsync(_host, channel);
            output.WriteLine($"hls.js on the WHIP publisher: {hls.ToJsonString()}");
        }

        // Closed while the browser still sends, so FFmpeg quits on 'q' and ends the playlist.
        using var deleted = await _host.Client.DeleteAsync($"api/v1/mediasoup/router/{channel}");
        Assert.True(deleted.IsSuccessStatusCode);
        Assert.EndsWith("#EXT-X-ENDLIST", (await File.ReadAllTextAsync(playlist)).TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fuzzed_datagrams_on_the_shared_port_do_not_disturb_a_live_publisher_and_a_publisher_that_leaves_leaves_an_idle_channel()
    {
        const string channel = "webrtc-fuzz";
        await using var chromium = await HeadlessChromium.StartAsync(FakeMedia);
        await chromium.NavigateAsync(new Uri(_host.BaseAddress, $"publisher.html?channel={channel}&codec=H264"));
        await PlainRtpChannel.WaitForAsync(async () => (await chromium.EvaluateAsync("typeof window.publish === 'function'"))!.GetValue<bool>(), "the publisher page");
        await chromium.EvaluateAsync("window.publish()");
        var playlist = Path.Combine(_host.HlsRoot, channel, "index.m3u8");
        await PlainRtpChannel.WaitForAsync(() => Task.FromResult(Segments(playlist).Count >= 1), "the first segment");
        var transportId = (await _host.Client.GetFromJsonAsync<JsonNode>($"api/v1/mediasoup/router/{channel}"))!["transportIds"]!.AsArray()[0]!
            .GetValue<string>();
        var ufrag = (await _host.Client.GetFromJsonAsync<JsonNode>($"api/v1/mediasoup/transport/{transportId}"))!["iceParameters"]!
            ["usernameFragment"]!.GetValue<string>();

        var sent = await DatagramFuzzer.SendAsync(_host.MinPort, ufrag, count: 3000, seed: 7);
        output.WriteLine($"sent {sent} fuzzed datagrams to the shared WebRTC port");

        var before = Segments(playlist).Count;
        await PlainRtpChannel.WaitForAsync(() => Task.FromResult(Segments(playlist).Count >= before + 2), "two more segments after the fuzz");
        var transport = await _host.Client.GetFromJsonAsync<JsonNode>($"api/v1/mediasoup/transport/{transportId}");
        Assert.Equal("connected", transport!["dtlsState"]!.GetValue<string>());

        // The publisher stops: its transport closes, the producers go, FFmpeg stops and the playlist ends.
        await chromium.EvaluateAsync("window.unpublish()");
        await PlainRtpChannel.WaitForAsync(async () =>
        {
            var status = await _host.Client.GetFromJsonAsync<JsonNode>($"api/v1/channels/{channel}/hls");
            return status!["state"]!.GetValue<string>() == "idle";
        }, "the channel to become idle");
        Assert.EndsWith("#EXT-X-ENDLIST", (await File.ReadAllTextAsync(playlist)).TrimEnd(), StringComparison.Ordinal);
        var router = await _host.Client.GetFromJsonAsync<JsonNode>($"api/v1/mediasoup/router/{channel}");
        Assert.Empty(router!["producerIds"]!.AsArray());
    }

    [Fact]
    public async Task The_viewer_page_plays_a_channel_published_from_the_browser_while_REMB_lets_Chrome_ramp_up()
    {
        const string channel = "webrtc-viewer";
        await using var publisher = await HeadlessChromium.StartAsync(FakeMedia);
        await publisher.NavigateAsync(new Uri(_host.BaseAddress, $"publisher.html?channel={channel}&codec=H264&mode=whip"));
        await PlainRtpChannel.WaitForAsync(async () => (await publisher.EvaluateAsync("typeof window.publish === 'function'"))!.GetValue<bool>(), "the publisher page");
        var clock = Stopwatch.StartNew();
        await publisher.EvaluateAsync("window.publish()");
        var playlist = Path.Combine(_host.HlsRoot, channel, "index.m3u8");
        await PlainRtpChannel.WaitForAsync(() => Task.FromResult(Segments(playlist).Count >= 1), "the first segment");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"first segment {clock.Elapsed.TotalSeconds:F2} s after publish()"));

        await using var viewer = await HeadlessChromium.StartAsync();
        await viewer.NavigateAsync(new Uri(_host.BaseAddress, $"viewer.html?channel={channel}"));
        double start = 0;
        await PlainRtpChannel.WaitForAsync(async () =>
        {
            start = (await viewer.EvaluateAsync("document.getElementById('video')?.currentTime ?? 0"))!.GetValue<double>();
            return start > 0;
        }, "playback to start");
        var rates = new List<double>();
        await PlainRtpChannel.WaitForAsync(async () =>
        {
            rates.Add((await publisher.EvaluateAsync("window.publisherStats ? window.publisherStats.targetKbps : 0"))!.GetValue<double>());
            await Task.Delay(1000);
            return (await viewer.EvaluateAsync("document.getElementById('video')?.currentTime ?? 0"))!.GetValue<double>() >= start + 3;
        }, "three seconds of playback");

        Assert.True((await viewer.EvaluateAsync("document.getElementById('video').videoWidth"))!.GetValue<int>() > 0);
        output.WriteLine($"Chrome's encoder target bitrate, kbit/s, once a second: {string.Join(", ", rates.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))}");
        using var deleted = await _host.Client.DeleteAsync($"api/v1/mediasoup/router/{channel}");
    }

    private static List<string> Segments(string playlist) =>
        File.Exists(playlist)
            ? HlsMedia.Segments(File.ReadAllText(playlist))
            : [];
}

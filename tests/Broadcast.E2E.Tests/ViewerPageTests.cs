using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Broadcast.Testing;
using Xunit.Abstractions;

namespace Broadcast.E2E.Tests;

/// <summary>The viewer page in headless Chromium plays a channel published over plain RTP, in real time (WHEP) and over HLS (hls.js).</summary>
[Collection(E2ECollection.Browser)]
public sealed class ViewerPageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private BroadcastHost _host = null!;

    public async Task InitializeAsync() => _host = await BroadcastHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task The_viewer_page_plays_a_channel_over_HLS_and_its_time_advances()
    {
        var channel = await PlainRtpChannel.CreateAsync(_host, "e2e-viewer", "video/H264");
        using var publisher = channel.StartPublisher("h264");
        await using var chromium = await HeadlessChromium.StartAsync();
        var clock = Stopwatch.StartNew();

        // Opened before the playlist exists: the page must retry until it appears.
        await chromium.NavigateAsync(new Uri(_host.BaseAddress, $"viewer.html?channel={channel.Id}&mode=hls"));
        double start = 0;
        await PlainRtpChannel.WaitForAsync(async () =>
        {
            start = (await chromium.EvaluateAsync("document.getElementById('video')?.currentTime ?? 0"))!.GetValue<double>();
            return start > 0;
        }, "playback to start");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"playback started {clock.Elapsed.TotalSeconds:F1} s after the page opened"));

        await PlainRtpChannel.WaitForAsync(async () =>
            (await chromium.EvaluateAsync("document.getElementById('video')?.currentTime ?? 0"))!.GetValue<double>() >= start + 3,
            "three seconds of playback");
        var width = (await chromium.EvaluateAsync("document.getElementById('video').videoWidth"))!.GetValue<int>();
        Assert.Equal(640, width);
        await PlainRtpChannel.WaitForAsync(async () =>
            (await chromium.EvaluateAsync("!!window.viewerStats && window.viewerStats.mode === 'hls' && window.viewerStats.kbps > 0"))!.GetValue<bool>(),
            "HLS stats with the stream's bitrate");
        var stats = (await chromium.EvaluateAsync("document.getElementById('stats').textContent"))!.GetValue<string>();
        output.WriteLine($"HLS stats: {stats}");
        Assert.Contains("latency", stats, StringComparison.Ordinal);
        Assert.Contains("kbit/s", stats, StringComparison.Ordinal);
        // hls.js in low-latency mode (it aims at PART-HOLD-BACK and moves its target back a second per stall).
        Assert.True((await chromium.EvaluateAsync("window.viewerStats.lowLatency === true"))!.GetValue<bool>(), $"not low-latency: {stats}");

        // One rendition: no quality menu. Its entries for a ladder (the page's own function): Auto naming what plays,
        // then each level, the playing one marked.
        Assert.True((await chromium.EvaluateAsync("document.getElementById('quality').parentElement.hidden"))!.GetValue<bool>());
        var menu = (await chromium.EvaluateAsync(
            "window.viewerQualityOptions([{ height: 360, bitrate: 800000 }, { height: 720, bitrate: 2800000 }], -1, 1).map(o => o.label).join('|')"))!
            .GetValue<string>();
        Assert.Equal("Auto (720p · 2800 kbit/s)|360p · 800 kbit/s|● 720p · 2800 kbit/s", menu);
    }

    [Fact]
    public async Task A_live_channel_plays_in_real_time_with_its_stats_and_the_switch_to_HLS_plays_it_over_HLS()
    {
        var channel = await PlainRtpChannel.CreateAsync(_host, "e2e-viewer-rtc", "video/H264");
        using var publisher = channel.StartPublisher("h264");
        await PlainRtpChannel.WaitForAsync(async () => await channel.VideoPacketsReceivedAsync() > 0, "the publisher's first packets");
        await using var chromium = await HeadlessChromium.StartAsync("--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required");
        var clock = Stopwatch.StartNew();

        await chromium.NavigateAsync(new Uri(_host.BaseAddress, $"viewer.html?channel={channel.Id}"));
        await PlainRtpChannel.WaitForAsync(async () => await ModeAsync(chromium) == "rtc", "the real-time mode");
        double start = 0;
        await PlainRtpChannel.WaitForAsync(async () => (start = await CurrentTimeAsync(chromium)) > 0, "real-time playback to start");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"real-time playback started {clock.Elapsed.TotalSeconds:F2} s after the page opened"));
        await PlainRtpChannel.WaitForAsync(async () => await CurrentTimeAsync(chromium) >= start + 2, "two seconds of real-time playback");
        await PlainRtpChannel.WaitForAsync(async () =>
            (await chromium.EvaluateAsync("!!window.viewerStats && window.viewerStats.mode === 'rtc' && window.viewerStats.kbps > 0"))!.GetValue<bool>(),
            "real-time stats with a bitrate");
        var stats = (await chromium.EvaluateAsync("document.getElementById('stats').textContent"))!.GetValue<string>();
        output.WriteLine($"real-time stats: {stats}");
        Assert.Contains("kbit/s", stats, StringComparison.Ordinal);
        Assert.Contains("lost", stats, StringComparison.Ordinal);
        Assert.Contains("latency", stats, StringComparison.Ordinal);
        Assert.Equal(640, (await chromium.EvaluateAsync("document.getElementById('video').videoWidth"))!.GetValue<int>());

        await chromium.EvaluateAsync("(() => { const m = document.getElementById('mode'); m.value = 'hls'; m.dispatchEvent(new Event('change')); return true; })()");
        await PlainRtpChannel.WaitForAsync(async () => await ModeAsync(chromium) == "hls", "the switch to HLS");
        await PlainRtpChannel.WaitForAsync(async () => (start = await CurrentTimeAsync(chromium)) > 0, "HLS playback to start");
        await PlainRtpChannel.WaitForAsync(async () => await CurrentTimeAsync(chromium) >= start + 2, "two seconds of HLS playback");
        // Leaving real time ended the WHEP session: no WebRTC transport is left on the channel.
        await PlainRtpChannel.WaitForAsync(async () =>
        {
            var router = await _host.Client.GetFromJsonAsync<JsonNode>($"api/v1/mediasoup/router/{channel.Id}");
            var types = new List<string>();
            foreach (var id in router!["transportIds"]!.AsArray())
            {
                var transport = await _host.Client.GetFromJsonAsync<JsonNode>($"api/v1/mediasoup/transport/{id!.GetValue<string>()}");
                types.Add(transport!["type"]!.GetValue<string>());
            }

            return !types.Contains("webrtc");
        }, "the WHEP session to end");
    }

    private static async Task<string> ModeAsync(HeadlessChromium chromium) =>
        (await chromium.EvaluateAsync("document.getElementById('state')?.dataset.mode || ''"))!.GetValue<string>();

    private static async Task<double> CurrentTimeAsync(HeadlessChromium chromium) =>
        (await chromium.EvaluateAsync("document.getElementById('video')?.currentTime ?? 0"))!.GetValue<double>();
}

using System.Globalization;
using Broadcast.Testing;
using Xunit.Abstractions;

namespace Broadcast.E2E.Tests;

/// <summary>
/// The real mediasoup-client in headless Chromium watches a channel through a recv transport over WebSocket signaling
/// (watch.bundle.js): consumers created paused, resumed once the track exists, producers announced as they come.
/// Publishers: FFmpeg over plain RTP, the publisher page over WHIP in a second Chromium, and an RTSP camera.
/// </summary>
[Collection(E2ECollection.Browser)]
public sealed class MediasoupViewerTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Watch = """
        (async () => {
          const video = document.createElement('video');
          video.muted = true; video.autoplay = true; video.playsInline = true;
          document.body.appendChild(video);
          window.watchVideo = video;
          window.watching = await window.BroadcastWatch.watch(window.channelToWatch, video);
          return true;
        })()
        """;

    private BroadcastHost _host = null!;

    public async Task InitializeAsync() => _host = await BroadcastHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_mediasoup_client_viewer_plays_a_plain_RTP_channel_with_the_right_size_and_live_audio()
    {
        var channel = await PlainRtpChannel.CreateAsync(_host, "ms-view-plain", "video/H264");
        using var publisher = channel.StartPublisher("h264");
        await PlainRtpChannel.WaitForAsync(async () => await channel.VideoPacketsReceivedAsync() > 0, "the publisher's first packets");

        await using var viewer = await OpenViewerAsync(channel.Id);

        await AssertPlaysAsync(viewer, "plain RTP", (640, 360), withAudio: true);
    }

    [Fact]
    public async Task A_mediasoup_client_viewer_plays_a_WHIP_publisher_from_a_browser()
    {
        const string channel = "ms-view-whip";
        await using var publisherPage = await HeadlessChromium.StartAsync(
            "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--allow-loopback-in-peer-connection");
        await publisherPage.NavigateAsync(new Uri(_host.BaseAddress, $"publisher.html?channel={channel}&codec=H264&mode=whip"));
        await PlainRtpChannel.WaitForAsync(async () => (await publisherPage.EvaluateAsync("typeof window.publish === 'function'"))!.GetValue<bool>(), "the publisher page");
        await publisherPage.EvaluateAsync("window.publish()");
        await PlainRtpChannel.WaitForAsync(async () =>
            (await publisherPage.EvaluateAsync("document.getElementById('state').textContent"))!.GetValue<string>() == "connection connected", "the WHIP publisher to connect");

        await using var viewer = await OpenViewerAsync(channel);

        // Chromium's fake camera at the publisher page's 1280x720 request may be scaled down by its encoder at first.
        var (width, height) = await AssertPlaysAsync(viewer, "WHIP", expectedSize: null, withAudio: true);
        Assert.True(width >= 320 && height >= 180, $"frames of {width}x{height}");
    }

    [Fact]
    public async Task A_mediasoup_client_viewer_plays_an_RTSP_camera_with_Opus()
    {
        using var camera = await RtspCamera.StartAsync("--audio", "opus");
        var channel = await CameraChannel.CreateAsync(_host, "ms-view-rtsp", camera.Url, "tcp");
        await PlainRtpChannel.WaitForAsync(async () => await channel.StateAsync() == "playing", "the camera to play");

        await using var viewer = await OpenViewerAsync(channel.Id);

        var (width, height) = await AssertPlaysAsync(viewer, "RTSP camera", expectedSize: null, withAudio: true);
        Assert.True(width > 0 && height > 0, $"frames of {width}x{height}");
    }

    private async Task<HeadlessChromium> OpenViewerAsync(string channel)
    {
        var chromium = await HeadlessChromium.StartAsync("--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required");
        await chromium.NavigateAsync(new Uri(_host.BaseAddress, "viewer.html"));
        await PlainRtpChannel.WaitForAsync(async () => (await chromium.EvaluateAsync("document.readyState === 'complete'"))!.GetValue<bool>(), "the page");
        await chromium.EvaluateAsync("""
            new Promise((resolve, reject) => {
              const script = document.createElement('script');
              script.src = 'watch.bundle.js'; script.onload = () => resolve(true); script.onerror = () => reject(new Error('watch.bundle.js'));
              document.head.appendChild(script);
            })
            """);
        await chromium.EvaluateAsync($"window.channelToWatch = '{channel}'; true");
        Assert.True((await chromium.EvaluateAsync(Watch))!.GetValue<bool>());
        return chromium;
    }

    private async Task<(int Width, int Height)> AssertPlaysAsync(HeadlessChromium viewer, string publisher, (int, int)? expectedSize, bool withAudio)
    {
        await PlainRtpChannel.WaitForAsync(async () => (await viewer.EvaluateAsync("window.watching.frames"))!.GetValue<int>() >= 30, "30 frames shown");
        var join = (await viewer.EvaluateAsync("window.watching.firstFrameMs"))!.GetValue<double>();
        var size = ((await viewer.EvaluateAsync("window.watchVideo.videoWidth"))!.GetValue<int>(), (await viewer.EvaluateAsync("window.watchVideo.videoHeight"))!.GetValue<int>());
        if (expectedSize is { } expected)
        {
            Assert.Equal(expected, size);
        }

        var framesBefore = (await viewer.EvaluateAsync("window.watching.stats('video')"))!["frames"]!.GetValue<long>();
        await PlainRtpChannel.WaitForAsync(async () =>
            (await viewer.EvaluateAsync("window.watching.stats('video')"))!["frames"]!.GetValue<long>() > framesBefore + 30, "frames decoded to advance");
        if (withAudio)
        {
            var audioBefore = (await viewer.EvaluateAsync("window.watching.stats('audio')"))!["packets"]!.GetValue<long>();
            await PlainRtpChannel.WaitForAsync(async () =>
                (await viewer.EvaluateAsync("window.watching.stats('audio')"))!["packets"]!.GetValue<long>() > audioBefore + 25, "audio packets to arrive");
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"mediasoup-client viewer of a {publisher} publisher: first frame {join:F0} ms after watch() began (signaling, device.load, transport, consume, resume), {size.Item1}x{size.Item2}"));
        return size;
    }
}

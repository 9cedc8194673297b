using System.Diagnostics;
using System.Globalization;
using Broadcast.Testing;
using Xunit.Abstractions;

namespace Broadcast.E2E.Tests;

/// <summary>The viewer page (hls.js) in headless Chromium plays a channel published over plain RTP.</summary>
[Collection(E2ECollection.Browser)]
public sealed class ViewerPageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private BroadcastHost _host = null!;

    public async Task InitializeAsync() => _host = await BroadcastHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task The_viewer_page_plays_a_channel_and_its_time_advances()
    {
        var channel = await PlainRtpChannel.CreateAsync(_host, "e2e-viewer", "video/H264");
        using var publisher = channel.StartPublisher("h264");
        await using var chromium = await HeadlessChromium.StartAsync();
        var clock = Stopwatch.StartNew();

        // Opened before the playlist exists: the page must retry until it appears.
        await chromium.NavigateAsync(new Uri(_host.BaseAddress, $"viewer.html?channel={channel.Id}"));
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
        var stats = (await chromium.EvaluateAsync("document.getElementById('stats').textContent"))!.GetValue<string>();
        Assert.Contains("latency", stats, StringComparison.Ordinal);
    }
}

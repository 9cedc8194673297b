using System.Globalization;
using System.Text.Json.Nodes;
using Broadcast.Testing;

namespace Broadcast.E2E.Tests;

/// <summary>
/// hls.js at its defaults (low-latency mode) in headless Chromium on a channel's playlist, through the test page
/// latency.html: playback starts and advances, and hls.js loaded the playlist's parts (it plays Low-Latency HLS).
/// </summary>
internal sealed class HlsJsPlayback : IAsyncDisposable
{
    private readonly HeadlessChromium _chromium;

    private HlsJsPlayback(HeadlessChromium chromium) => _chromium = chromium;

    public HeadlessChromium Chromium => _chromium;

    /// <summary>Starts hls.js on <c>/hls/&lt;channelId&gt;/index.m3u8</c> of <paramref name="host"/> and waits for it to play.</summary>
    public static async Task<HlsJsPlayback> StartAsync(BroadcastHost host, string channelId)
    {
        var chromium = await HeadlessChromium.StartAsync();
        try
        {
            await chromium.NavigateAsync(new Uri(host.BaseAddress, "latency/latency.html"));
            await PlainRtpChannel.WaitForAsync(async () => (await chromium.EvaluateAsync("typeof Hls === 'function'"))!.GetValue<bool>(), "hls.js");
            await chromium.EvaluateAsync($"window.startHls('/hls/{channelId}/index.m3u8', 'll')");
            return new HlsJsPlayback(chromium);
        }
        catch
        {
            await chromium.DisposeAsync();
            throw;
        }
    }

    public async Task<double> CurrentTimeAsync() =>
        (await _chromium.EvaluateAsync("window.latencyHls.ll.media ? window.latencyHls.ll.media.currentTime : 0"))!.GetValue<double>();

    /// <summary>Waits until playback has advanced <paramref name="seconds"/> from its start; returns hls.js' view of it.</summary>
    public async Task<JsonNode> PlaysAsync(double seconds = 3)
    {
        double start = 0;
        await PlainRtpChannel.WaitForAsync(async () => (start = await CurrentTimeAsync()) > 0, "hls.js playback to start");
        await PlainRtpChannel.WaitForAsync(async () => await CurrentTimeAsync() >= start + seconds,
            string.Create(CultureInfo.InvariantCulture, $"{seconds} s of hls.js playback"));
        return (await _chromium.EvaluateAsync("""
            (() => {
              const hls = window.latencyHls.ll;
              const level = hls.levels[hls.currentLevel] || hls.levels[0];
              const details = level && level.details;
              return {
                parts: details && details.partList ? details.partList.length : 0,
                lowLatency: hls.config.lowLatencyMode,
                latency: hls.latency || 0,
                height: hls.media.videoHeight,
                levels: hls.levels.length,
                error: window.latency.ll.error || null,
              };
            })()
            """))!;
    }

    /// <summary>Asserts playback advances and that hls.js plays it as Low-Latency HLS (parts loaded).</summary>
    public static async Task<JsonNode> AssertPlaysLowLatencyAsync(BroadcastHost host, string channelId)
    {
        await using var playback = await StartAsync(host, channelId);
        var state = await playback.PlaysAsync();
        Assert.True(state["lowLatency"]!.GetValue<bool>());
        Assert.True(state["parts"]!.GetValue<int>() > 0, $"hls.js loaded no parts: {state.ToJsonString()}");
        return state;
    }

    public ValueTask DisposeAsync() => _chromium.DisposeAsync();
}

using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Broadcast.Testing;
using Xunit.Abstractions;

namespace Broadcast.E2E.Tests;

/// <summary>
/// End to end: GStreamer's RTSP server as the camera (TCP and UDP, no auth, Basic, Digest, H.264 with AAC or Opus),
/// the real host pulling it into a channel, the channel's FFmpeg writing HLS, checked with ffprobe. Each test is
/// bounded in time and kills the cameras it started.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class RtspCameraToHlsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private BroadcastHost _host = null!;

    public async Task InitializeAsync() => _host = await BroadcastHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_TCP_camera_with_H264_and_AAC_becomes_HLS_with_the_video_copied_and_the_AAC_kept()
    {
        using var camera = await RtspCamera.StartAsync("--audio", "aac");
        var channel = await CameraChannel.CreateAsync(_host, "e2e-rtsp-tcp", camera.Url, "tcp");

        await WaitForAsync(async () =>
        {
            using var response = await _host.Client.GetAsync($"hls/{channel.Id}/index.m3u8");
            return response.IsSuccessStatusCode && (await response.Content.ReadAsStringAsync()).Contains("#EXT-X-PART:", StringComparison.Ordinal);
        }, "the first LL-HLS part");
        Report("TCP", "channel creation to the first playable LL-HLS part", channel.SinceCreation.Elapsed);
        await WaitForAsync(() => Task.FromResult(channel.ListedSegments().Count >= 1), "the first segment");
        Report("TCP", "channel creation to the first playable segment", channel.SinceCreation.Elapsed);
        await WaitForAsync(() => Task.FromResult(channel.ListedSegments().Count >= 3), "three segments");

        var analysis = await channel.ProbeAsync(channel.ListedSegments()[1]);
        Assert.Equal("h264", Assert.Single(analysis.VideoStreams).CodecName);
        Assert.Equal((640, 360), (analysis.PrimaryVideoStream!.Width, analysis.PrimaryVideoStream.Height));
        Assert.Equal("aac", Assert.Single(analysis.AudioStreams).CodecName);
        Assert.Equal(48000, analysis.PrimaryAudioStream!.SampleRateHz);
        // Copied video is cut at key frames only: the camera's own each second, and those the pipeline asks for when it
        // starts (their time depends on the machine's load). So near the 2 s target, never longer than a GOP past it.
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"second segment: {analysis.PlaySeconds():F2} s"));
        Assert.InRange(analysis.PlaySeconds(), 0.5, 3.2);

        var status = await channel.StatusAsync();
        Assert.Equal("playing", status["state"]!.GetValue<string>());
        Assert.Equal("tcp", status["rtsp"]!["activeTransport"]!.GetValue<string>());
        var video = status["tracks"]!.AsArray().Single(t => t!["kind"]!.GetValue<string>() == "video")!;
        Assert.Equal((640, 360), (video["width"]!.GetValue<int>(), video["height"]!.GetValue<int>()));
        Assert.InRange(video["frameRate"]!.GetValue<double>(), 24, 26);
        Assert.Equal(1.0, video["keyFrameIntervalSeconds"]!.GetValue<double>(), 1);
        Assert.False(video["bFrames"]!.GetValue<bool>());
        var audio = status["tracks"]!.AsArray().Single(t => t!["kind"]!.GetValue<string>() == "audio")!;
        Assert.Equal("audio/MPEG4-GENERIC", audio["mimeType"]!.GetValue<string>());
        Assert.Empty(status["warnings"]!.AsArray());
        Assert.Equal("running", status["hls"]!["state"]!.GetValue<string>());
        // H.264 and AAC are only copied: the appliance packages them itself and runs no FFmpeg for the channel.
        Assert.Equal("appliance", status["hls"]!["muxer"]!.GetValue<string>());
        // Its counts: over TCP nothing is lost or refused; pictures and AAC frames are written.
        var pipeline = (await channel.Host.Client.GetFromJsonAsync<JsonNode>($"api/v1/channels/{channel.Id}/hls"))!;
        var counters = pipeline["muxerCounters"]!;
        Assert.True(counters["picturesWritten"]!.GetValue<long>() > 0, counters.ToJsonString());
        Assert.True(counters["audioFramesWritten"]!.GetValue<long>() > 0, counters.ToJsonString());
        Assert.Equal(0, counters["packetsLost"]!.GetValue<long>());
        Assert.Equal(0, counters["packetsDropped"]!.GetValue<long>());

        // hls.js at its defaults plays the camera as Low-Latency HLS.
        var hls = await HlsJsPlayback.AssertPlaysLowLatencyAsync(channel.Host, channel.Id);
        output.WriteLine($"hls.js on the camera: {hls.ToJsonString()}");
    }

    [Fact]
    public async Task A_UDP_camera_with_H264_and_Opus_becomes_HLS_with_the_Opus_transcoded_to_AAC()
    {
        using var camera = await RtspCamera.StartAsync("--audio", "opus");
        var channel = await CameraChannel.CreateAsync(_host, "e2e-rtsp-udp", camera.Url, "udp");

        await WaitForAsync(() => Task.FromResult(channel.ListedSegments().Count >= 1), "the first segment");
        Report("UDP", "channel creation to the first playable segment", channel.SinceCreation.Elapsed);
        await WaitForAsync(() => Task.FromResult(channel.ListedSegments().Count >= 2), "two segments");

        var analysis = await channel.ProbeAsync(channel.ListedSegments()[1]);
        Assert.Equal("h264", Assert.Single(analysis.VideoStreams).CodecName);
        Assert.Equal("aac", Assert.Single(analysis.AudioStreams).CodecName);
        var status = await channel.StatusAsync();
        Assert.Equal("udp", status["rtsp"]!["activeTransport"]!.GetValue<string>());
        Assert.Contains(status["warnings"]!.AsArray(), w => w!.GetValue<string>().Contains("transcoded to AAC", StringComparison.Ordinal));
        // The session's transport is readable through the mediasoup API as type "rtsp".
        var router = await _host.Client.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>($"api/v1/mediasoup/router/{channel.Id}");
        var rtspTransports = new List<System.Text.Json.Nodes.JsonNode>();
        foreach (var id in router!["transportIds"]!.AsArray())
        {
            var transport = await _host.Client.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>($"api/v1/mediasoup/transport/{id}");
            if (transport!["type"]!.GetValue<string>() == "rtsp")
            {
                rtspTransports.Add(transport);
            }
        }

        Assert.True(Assert.Single(rtspTransports)["stats"]!["rtpPacketsReceived"]!.GetValue<long>() > 0);
    }

    [Theory]
    [InlineData("basic")]
    [InlineData("digest")]
    public async Task A_camera_asking_for_credentials_plays_with_the_right_ones(string scheme)
    {
        string[] options = scheme == "digest"
            ? ["--audio", "aac", "--user", "admin", "--password", "s3cret", "--digest"]
            : ["--audio", "aac", "--user", "admin", "--password", "s3cret"];
        using var camera = await RtspCamera.StartAsync(options);
        var channel = await CameraChannel.CreateAsync(_host, $"e2e-rtsp-{scheme}", camera.Url, "tcp", "admin", "s3cret");

        await WaitForAsync(() => Task.FromResult(channel.ListedSegments().Count >= 1), "the first segment");

        var status = await channel.StatusAsync();
        Assert.Equal("playing", status["state"]!.GetValue<string>());
        Assert.Equal(scheme, status["rtsp"]!["authScheme"]!.GetValue<string>().ToLowerInvariant());
        Assert.DoesNotContain("s3cret", status.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_is_reported_as_an_authentication_failure_with_a_long_wait()
    {
        using var camera = await RtspCamera.StartAsync("--audio", "none", "--user", "admin", "--password", "right", "--digest");
        var channel = await CameraChannel.CreateAsync(_host, "e2e-rtsp-refused", camera.Url, "tcp", "admin", "not-the-one");

        await WaitForAsync(async () => await channel.StateAsync() == "auth-failed", "auth-failed");

        var rtsp = (await channel.StatusAsync())["rtsp"]!;
        Assert.Contains("401", rtsp["lastError"]!.GetValue<string>(), StringComparison.Ordinal);
        // The appliance's own clock, not the test's: the next attempt is the 30 s authentication backoff after the failure.
        var wait = rtsp["nextAttemptAt"]!.GetValue<DateTimeOffset>() - rtsp["stateSince"]!.GetValue<DateTimeOffset>();
        Assert.InRange(wait.TotalSeconds, 30, 31);
        Assert.Empty(channel.ListedSegments());
    }

    [Fact]
    public async Task A_camera_killed_mid_stream_and_restarted_is_reconnected_and_the_playlist_continues_after_a_discontinuity()
    {
        using var camera = await RtspCamera.StartAsync("--audio", "aac");
        var channel = await CameraChannel.CreateAsync(_host, "e2e-rtsp-restart", camera.Url, "tcp");
        await WaitForAsync(() => Task.FromResult(channel.ListedSegments().Count >= 2), "two segments");
        var before = channel.ListedSegments();

        camera.Kill();
        await WaitForAsync(async () => await channel.StateAsync() is "backing-off" or "unreachable" or "connecting", "the lost session");
        var restart = Stopwatch.StartNew();
        await camera.StartAgainAsync();
        var cameraReady = restart.Elapsed;
        await WaitForAsync(async () => (await channel.StatusAsync())["rtsp"]!["sessions"]!.GetValue<int>() == 2
            && await channel.StateAsync() == "playing", "the second session");
        var playing = restart.Elapsed;
        try
        {
            await WaitForAsync(() => Task.FromResult(channel.SegmentsAfterDiscontinuityFollowing(before[^1]) >= 1),
                "a segment after the discontinuity");
        }
        catch
        {
            output.WriteLine((await channel.StatusAsync()).ToJsonString());
            output.WriteLine(channel.Playlist());
            throw;
        }

        var segment = restart.Elapsed;
        Report("TCP", "camera restart (process start) to playing again", playing);
        Report("TCP", "camera restart (process start) to the first segment after the discontinuity", segment);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"(the camera itself took {cameraReady.TotalSeconds:F2} s to listen again)"));

        await WaitForAsync(() => Task.FromResult(channel.SegmentsAfterDiscontinuityFollowing(before[^1]) >= 2), "two segments after the discontinuity");
        Assert.All(before, s => Assert.True(File.Exists(channel.SegmentPath(s)), $"{s} was lost"));
        Assert.DoesNotContain("#EXT-X-ENDLIST", channel.Playlist(), StringComparison.Ordinal);
        var analysis = await channel.ProbeAsync(channel.ListedSegments()[^1]);
        Assert.Equal("h264", Assert.Single(analysis.VideoStreams).CodecName);
    }

    [Fact]
    public async Task Two_cameras_at_once_feed_two_channels()
    {
        using var first = await RtspCamera.StartAsync("--audio", "aac");
        using var second = await RtspCamera.StartAsync("--audio", "opus");
        var one = await CameraChannel.CreateAsync(_host, "e2e-rtsp-one", first.Url, "tcp");
        var two = await CameraChannel.CreateAsync(_host, "e2e-rtsp-two", second.Url, "auto");

        await WaitForAsync(() => Task.FromResult(one.ListedSegments().Count >= 2 && two.ListedSegments().Count >= 2), "two segments in each");

        foreach (var channel in new[] { one, two })
        {
            var analysis = await channel.ProbeAsync(channel.ListedSegments()[1]);
            Assert.Equal("h264", Assert.Single(analysis.VideoStreams).CodecName);
            Assert.Equal("aac", Assert.Single(analysis.AudioStreams).CodecName);
        }

        Assert.Equal("udp", (await two.StatusAsync())["rtsp"]!["activeTransport"]!.GetValue<string>());
        await one.DeleteAsync();
        Assert.EndsWith("#EXT-X-ENDLIST", one.Playlist().TrimEnd(), StringComparison.Ordinal);
        Assert.Equal("playing", await two.StateAsync());
    }

    [Fact]
    public async Task An_H265_camera_with_PCMU_is_transcoded_to_H264_and_AAC_with_warnings_saying_so()
    {
        // Small and slow: the camera encodes H.265 and the channel's FFmpeg decodes it and encodes H.264 on two cores.
        using var camera = await RtspCamera.StartAsync("--video", "h265", "--audio", "pcmu", "--size", "320x180", "--fps", "15");
        var channel = await CameraChannel.CreateAsync(_host, "e2e-rtsp-h265", camera.Url, "tcp");

        await WaitForAsync(() => Task.FromResult(channel.ListedSegments().Count >= 2), "two segments");

        var analysis = await channel.ProbeAsync(channel.ListedSegments()[1]);
        Assert.Equal("h264", Assert.Single(analysis.VideoStreams).CodecName);
        Assert.Equal((320, 180), (analysis.PrimaryVideoStream!.Width, analysis.PrimaryVideoStream.Height));
        Assert.Equal("aac", Assert.Single(analysis.AudioStreams).CodecName);
        var status = await channel.StatusAsync();
        var video = status["tracks"]!.AsArray().Single(t => t!["kind"]!.GetValue<string>() == "video")!;
        Assert.Equal(("video/H265", 320, 180), (video["mimeType"]!.GetValue<string>(), video["width"]!.GetValue<int>(), video["height"]!.GetValue<int>()));
        var warnings = status["warnings"]!.AsArray().Select(w => w!.GetValue<string>()).ToList();
        Assert.Contains(warnings, w => w.Contains("H.265", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith("PCMU audio", StringComparison.Ordinal));
    }

    private void Report(string transport, string what, TimeSpan elapsed) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{transport}: {what}: {elapsed.TotalSeconds:F2} s"));

    private static Task WaitForAsync(Func<Task<bool>> condition, string what) => E2EWait.ForAsync(condition, what);
}

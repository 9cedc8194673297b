using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Broadcast.Testing;
using Xunit.Abstractions;

namespace Broadcast.E2E.Tests;

/// <summary>
/// End to end on loopback: the real host, a real FFmpeg publishing over plain RTP, the channel's supervised FFmpeg
/// writing HLS, checked with ffprobe.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class PlainRtpToHlsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private BroadcastHost _host = null!;

    public async Task InitializeAsync() => _host = await BroadcastHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task FFmpeg_publishing_H264_and_Opus_over_plain_RTP_becomes_HLS_with_H264_and_AAC_segments()
    {
        var channel = await PlainRtpChannel.CreateAsync(_host, "e2e-h264", "video/H264");
        var clock = Stopwatch.StartNew();
        using var publisher = channel.StartPublisher("h264");
        await PlainRtpChannel.WaitForAsync(async () => await channel.VideoPacketsReceivedAsync() > 0, "the first RTP packet");
        var firstPacketAt = clock.Elapsed;
        await PlainRtpChannel.WaitForAsync(async () =>
        {
            using var response = await _host.Client.GetAsync($"hls/{channel.Id}/index.m3u8");
            return response.IsSuccessStatusCode && (await response.Content.ReadAsStringAsync()).Contains("#EXT-X-PART:", StringComparison.Ordinal);
        }, "the first part");
        var firstPartAt = clock.Elapsed;
        await PlainRtpChannel.WaitForAsync(() => Task.FromResult(channel.ListedSegments().Count >= 1), "the first segment");
        var firstSegmentAt = clock.Elapsed;
        output.WriteLine(FormattableString.Invariant(
            $"first RTP packet {firstPacketAt.TotalSeconds:F2} s after the publisher started; first playable LL-HLS part {(firstPartAt - firstPacketAt).TotalSeconds:F2} s and first segment {(firstSegmentAt - firstPacketAt).TotalSeconds:F2} s after the first packet"));
        await PlainRtpChannel.WaitForAsync(() => Task.FromResult(channel.ListedSegments().Count >= 3), "three segments");

        var segments = channel.ListedSegments();
        foreach (var segment in segments.Take(3).Skip(1))
        {
            var analysis = await HlsMedia.ProbeAsync(Path.Combine(_host.HlsRoot, channel.Id), channel.Playlist(), segment);
            Assert.Equal("h264", Assert.Single(analysis.VideoStreams).CodecName);
            Assert.Equal(640, analysis.PrimaryVideoStream!.Width);
            Assert.Equal("aac", Assert.Single(analysis.AudioStreams).CodecName);
            // Copied video is cut at the publisher's key frames (1 s apart) when the running total passes 2 s per
            // segment: 2 s, or 1 s and 3 s around a key frame a loaded machine delayed at the start.
            output.WriteLine(FormattableString.Invariant($"{segment}: {analysis.PlaySeconds():F2} s ({analysis.DescribeStreams()})"));
            Assert.InRange(analysis.PlaySeconds(), 0.9, 3.3);
        }

        var status = await channel.HlsStatusAsync();
        Assert.Equal("running", status["state"]!.GetValue<string>());
        Assert.True(status["processId"]!.GetValue<int>() > 0);
        Assert.True(status["segmentCount"]!.GetValue<int>() >= 3);
        Assert.Equal(2, status["streams"]!.AsArray().Count);

        // Served over HTTP as a player would fetch it.
        using var playlist = await _host.Client.GetAsync($"hls/{channel.Id}/index.m3u8");
        Assert.Equal(HttpStatusCode.OK, playlist.StatusCode);
        Assert.Equal("application/vnd.apple.mpegurl", playlist.Content.Headers.ContentType!.MediaType);
        using var segmentResponse = await _host.Client.GetAsync($"hls/{channel.Id}/{segments[0]}");
        Assert.Equal("video/mp4", segmentResponse.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task H264_with_B_frames_is_handed_from_the_appliance_muxer_to_FFmpeg_and_the_channel_plays_on()
    {
        // Video alone, copied: the appliance's own muxer takes it first, and gives it to FFmpeg once pictures arrive out
        // of presentation order, which it does not reorder.
        const string id = "e2e-bframes";
        await _host.Client.PostAsJsonAsync("api/v1/mediasoup/router", new { router_id = id });
        using var transportResponse = await _host.Client.PostAsJsonAsync($"api/v1/mediasoup/router/{id}/rtp-transport", new { rtcpMux = false, comedia = true });
        var transport = (await transportResponse.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonNode>())!;
        using var producer = await _host.Client.PostAsJsonAsync($"api/v1/mediasoup/transport/{transport["id"]}/producer", new
        {
            kind = "video",
            rtpParameters = new
            {
                codecs = new[]
                {
                    new
                    {
                        mimeType = "video/H264", payloadType = (int)FfmpegPublisher.VideoPayloadType, clockRate = 90000,
                        parameters = new Dictionary<string, object> { ["packetization-mode"] = 1, ["profile-level-id"] = "42e01f" },
                    },
                },
                encodings = new[] { new { ssrc = FfmpegPublisher.VideoSsrc } },
            },
        });
        Assert.Equal(HttpStatusCode.Created, producer.StatusCode);
        async Task<System.Text.Json.Nodes.JsonNode> StatusAsync() => (await _host.Client.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>($"api/v1/channels/{id}/hls"))!;
        await PlainRtpChannel.WaitForAsync(async () => (await StatusAsync())["muxer"]!.GetValue<string>() == "appliance", "the appliance's muxer");

        using var publisher = FfmpegPublisher.Start("h264-bframes", PlainRtpChannel.Port(transport, "tuple"), PlainRtpChannel.Port(transport, "rtcpTuple"), 0, null);

        await PlainRtpChannel.WaitForAsync(async () =>
        {
            var status = await StatusAsync();
            return status["muxer"]!.GetValue<string>() == "ffmpeg" && status["state"]!.GetValue<string>() == "running" && status["segmentCount"]!.GetValue<int>() >= 2;
        }, "FFmpeg taking over and two segments");
        var folder = Path.Combine(_host.HlsRoot, id);
        var playlist = File.ReadAllText(Path.Combine(folder, "index.m3u8"));
        var analysis = await HlsMedia.ProbeAsync(folder, playlist, HlsMedia.Segments(playlist)[^1]);
        Assert.Equal("h264", Assert.Single(analysis.VideoStreams).CodecName);
        Assert.True((await StatusAsync())["processId"]!.GetValue<int>() > 0);
    }

    [Fact]
    public async Task VP8_over_plain_RTP_is_transcoded_to_H264_in_HLS()
    {
        var channel = await PlainRtpChannel.CreateAsync(_host, "e2e-vp8", "video/VP8");
        using var publisher = channel.StartPublisher("vp8");
        await PlainRtpChannel.WaitForAsync(() => Task.FromResult(channel.ListedSegments().Count >= 2), "two segments");

        var analysis = await HlsMedia.ProbeAsync(Path.Combine(_host.HlsRoot, channel.Id), channel.Playlist(), channel.ListedSegments()[1]);
        Assert.Equal("h264", Assert.Single(analysis.VideoStreams).CodecName);
        Assert.Equal("aac", Assert.Single(analysis.AudioStreams).CodecName);
        output.WriteLine(FormattableString.Invariant($"second segment: {analysis.PlaySeconds():F2} s ({analysis.DescribeStreams()})"));
        // About the 2 s target, within the H.264 test's bounds: this checks the transcode, not the machine's timing
        // (2.47 s once in a loaded full run).
        Assert.InRange(analysis.PlaySeconds(), 0.9, 3.3);
    }

    [Fact]
    public async Task Killing_the_channel_FFmpeg_mid_stream_restarts_it_and_the_playlist_continues_after_a_discontinuity()
    {
        var channel = await PlainRtpChannel.CreateAsync(_host, "e2e-restart", "video/H264");
        using var publisher = channel.StartPublisher("h264");
        await PlainRtpChannel.WaitForAsync(() => Task.FromResult(channel.ListedSegments().Count >= 2), "two segments");
        var before = channel.ListedSegments();
        var processId = (await channel.HlsStatusAsync())["processId"]!.GetValue<int>();

        using (var ffmpeg = Process.GetProcessById(processId))
        {
            ffmpeg.Kill();
        }

        await PlainRtpChannel.WaitForAsync(async () => (await channel.HlsStatusAsync())["restarts"]!.GetValue<int>() == 1, "the restart");
        await PlainRtpChannel.WaitForAsync(() => Task.FromResult(SegmentsAfterDiscontinuityFollowing(channel.Playlist(), before[^1]) >= 2),
            "two segments after a discontinuity that follows the last segment before the kill");

        var status = await channel.HlsStatusAsync();
        Assert.Equal("running", status["state"]!.GetValue<string>());
        Assert.NotEqual(processId, status["processId"]!.GetValue<int>());
        Assert.All(before, s => Assert.True(File.Exists(Path.Combine(_host.HlsRoot, channel.Id, s)), $"{s} was lost"));
        Assert.Contains("#EXT-X-DISCONTINUITY", channel.Playlist(), StringComparison.Ordinal);
        // The new FFmpeg's stream has an init segment of its own, named right after the discontinuity.
        var lines = channel.Playlist().Split('\n').Select(l => l.Trim()).ToList();
        var tag = lines.FindIndex(lines.IndexOf(before[^1]), l => l == "#EXT-X-DISCONTINUITY");
        Assert.StartsWith("#EXT-X-MAP:URI=", lines[tag + 1], StringComparison.Ordinal);
        Assert.NotEqual(lines.First(l => l.StartsWith("#EXT-X-MAP:", StringComparison.Ordinal)), lines[tag + 1]);
        var after = lines.Skip(tag).First(HlsMedia.IsSegment);
        var analysis = await HlsMedia.ProbeAsync(Path.Combine(_host.HlsRoot, channel.Id), channel.Playlist(), after);
        Assert.Equal("h264", Assert.Single(analysis.VideoStreams).CodecName);
    }

    [Fact]
    public async Task Deleting_the_channel_router_stops_its_FFmpeg_gracefully_and_frees_every_port()
    {
        var channel = await PlainRtpChannel.CreateAsync(_host, "e2e-close", "video/H264");
        using var publisher = channel.StartPublisher("h264");
        await PlainRtpChannel.WaitForAsync(() => Task.FromResult(channel.ListedSegments().Count >= 1), "the first segment");
        var status = await channel.HlsStatusAsync();
        var processId = status["processId"]!.GetValue<int>();
        var ffmpegPorts = status["streams"]!.AsArray().Select(s => s!["port"]!.GetValue<int>()).SelectMany(p => new[] { p, p + 1 }).ToList();
        var transportPorts = new[] { channel.Video, channel.Audio }
            .SelectMany(t => new[] { PlainRtpChannel.Port(t, "tuple"), PlainRtpChannel.Port(t, "rtcpTuple") }).ToList();
        var sdpFile = Path.Combine(_host.HlsWorkRoot, channel.Id + ".sdp");
        Assert.True(File.Exists(sdpFile));

        var clock = Stopwatch.StartNew();
        using var deleted = await _host.Client.DeleteAsync($"api/v1/mediasoup/router/{channel.Id}");
        Assert.True(deleted.IsSuccessStatusCode);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"router deleted, FFmpeg stopped in {clock.Elapsed.TotalSeconds:F2} s"));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), "FFmpeg did not stop on 'q' while packets flowed");
        Assert.False(ProcessExists(processId), "FFmpeg is still running");
        Assert.False(File.Exists(sdpFile), "the SDP file is left behind");
        Assert.EndsWith("#EXT-X-ENDLIST", channel.Playlist().TrimEnd(), StringComparison.Ordinal);
        Assert.All(ffmpegPorts.Concat(transportPorts), p => Assert.True(BroadcastHost.CanBindUdp(p), $"port {p} is still bound"));
        using var gone = await _host.Client.GetAsync($"api/v1/channels/{channel.Id}/hls");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    // FFmpeg's append_list tags the very first segment too, so only a tag after a segment written before the kill counts.
    private static int SegmentsAfterDiscontinuityFollowing(string playlist, string segmentBeforeKill)
    {
        var lines = playlist.Split('\n').Select(l => l.Trim()).ToList();
        var known = lines.IndexOf(segmentBeforeKill);
        var discontinuity = lines.FindIndex(Math.Max(known, 0), l => l == "#EXT-X-DISCONTINUITY");
        return known < 0 || discontinuity < 0 ? 0 : lines.Skip(discontinuity).Count(HlsMedia.IsSegment);
    }

    private static bool ProcessExists(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

/// <summary>
/// End-to-end tests run one at a time within a collection: each drives FFmpeg encoders or transcoders, a camera or a
/// browser on a 2-core machine. The browser tests and the FFmpeg/camera tests are two collections that run side by
/// side: most of their time is spent waiting for real-time media (segments of 2 s), not computing.
/// </summary>
[CollectionDefinition(Name)]
public sealed class E2ECollection
{
    public const string Name = "end-to-end";

    public const string Browser = "end-to-end in a browser";
}

[CollectionDefinition(E2ECollection.Browser)]
public sealed class E2EBrowserCollection;

using System.Globalization;
using System.Net;
using Broadcast.Testing;
using Xunit.Abstractions;

namespace Broadcast.E2E.Tests;

/// <summary>
/// An adaptive channel: the one FFmpeg of a plain RTP H.264 channel copies the source and encodes two smaller rungs
/// with key frames where the source has them; index.m3u8 is the multivariant playlist and every rung a Low-Latency
/// media playlist with rendition reports; ffprobe decodes each rung's segments at its size.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class AdaptiveBitrateTests(ITestOutputHelper output) : IAsyncLifetime
{
    private BroadcastHost _host = null!;

    public async Task InitializeAsync() => _host = await BroadcastHost.StartAsync(new Dictionary<string, string?>
    {
        ["Hls:Renditions:0:Name"] = "src",
        ["Hls:Renditions:0:Copy"] = "true",
        ["Hls:Renditions:1:Name"] = "240p",
        ["Hls:Renditions:1:Height"] = "240",
        ["Hls:Renditions:1:VideoKbps"] = "500",
        ["Hls:Renditions:2:Name"] = "144p",
        ["Hls:Renditions:2:Height"] = "144",
        ["Hls:Renditions:2:VideoKbps"] = "200",
        ["Hls:X264Preset"] = "ultrafast",
    });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Three_renditions_from_one_FFmpeg_are_listed_aligned_and_decodable()
    {
        var channel = await PlainRtpChannel.CreateAsync(_host, "abr", "video/H264");
        using var publisher = channel.StartPublisher("h264");
        var folder = Path.Combine(_host.HlsRoot, channel.Id);
        string[] names = ["src", "240p", "144p"];
        await PlainRtpChannel.WaitForAsync(() => Task.FromResult(names.All(n => Segments(folder, n).Count >= 3)), "three segments of every rendition");

        using var response = await _host.Client.GetAsync($"hls/{channel.Id}/index.m3u8");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var multivariant = await response.Content.ReadAsStringAsync();
        output.WriteLine(multivariant);
        var variants = multivariant.Split('\n').Where(l => l.StartsWith("#EXT-X-STREAM-INF:", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, variants.Count);
        Assert.Contains(variants, v => v.Contains("RESOLUTION=640x360", StringComparison.Ordinal));
        Assert.Contains(variants, v => v.Contains("RESOLUTION=426x240", StringComparison.Ordinal));
        Assert.Contains(variants, v => v.Contains("RESOLUTION=256x144", StringComparison.Ordinal));
        Assert.All(variants, v => Assert.Contains("CODECS=\"avc1.", v, StringComparison.Ordinal));
        Assert.All(variants, v => Assert.Contains("FRAME-RATE=", v, StringComparison.Ordinal));
        Assert.Equal("src.m3u8", multivariant.Split('\n')[multivariant.Split('\n').ToList().IndexOf(variants[0]) + 1]);

        foreach (var (name, height) in names.Zip(new[] { 360, 240, 144 }))
        {
            var media = await _host.Client.GetStringAsync($"hls/{channel.Id}/{name}.m3u8");
            Assert.Contains("#EXT-X-PART:", media, StringComparison.Ordinal);
            Assert.Equal(2, media.Split('\n').Count(l => l.StartsWith("#EXT-X-RENDITION-REPORT:", StringComparison.Ordinal)));
            var onDisk = File.ReadAllText(Path.Combine(folder, name + ".m3u8"));
            var analysis = await HlsMedia.ProbeAsync(folder, onDisk, HlsMedia.Segments(onDisk)[1]);
            Assert.Equal(height, Assert.Single(analysis.VideoStreams).Height);
            Assert.Equal("aac", Assert.Single(analysis.AudioStreams).CodecName);
        }

        // hls.js plays the ladder and switches to the smallest rung when told.
        await using (var playback = await HlsJsPlayback.StartAsync(_host, channel.Id))
        {
            var state = await playback.PlaysAsync(2);
            Assert.Equal(3, state["levels"]!.GetValue<int>());
            await playback.Chromium.EvaluateAsync("window.latencyHls.ll.currentLevel = window.latencyHls.ll.levels.findIndex(l => l.height === 144)");
            await PlainRtpChannel.WaitForAsync(async () =>
                (await playback.Chromium.EvaluateAsync("window.latencyHls.ll.media.videoHeight"))!.GetValue<int>() == 144, "hls.js to switch to 144p");
            output.WriteLine($"hls.js on the ladder: {(await playback.PlaysAsync(1)).ToJsonString()}");
        }

        // Aligned key frames: a sequence number covers the same stretch of media in every rendition.
        var durations = names.Select(n => Durations(File.ReadAllText(Path.Combine(folder, n + ".m3u8")))).ToList();
        foreach (var msn in durations[0].Keys.Intersect(durations[1].Keys).Intersect(durations[2].Keys))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"segment {msn}: {string.Join(" / ", durations.Select(d => d[msn].ToString("F3", CultureInfo.InvariantCulture)))} s"));
            // The encoded rungs keep the source's timestamps (passthrough): the very same stretch, to the millisecond.
            Assert.All(durations, d => Assert.InRange(d[msn], durations[0][msn] - 0.001, durations[0][msn] + 0.001));
        }
    }

    private static List<string> Segments(string folder, string name)
    {
        var path = Path.Combine(folder, name + ".m3u8");
        return File.Exists(path) ? HlsMedia.Segments(File.ReadAllText(path)) : [];
    }

    // Media sequence number → EXTINF seconds.
    private static Dictionary<long, double> Durations(string playlist)
    {
        var lines = playlist.Split('\n');
        var msn = long.Parse(lines.Single(l => l.StartsWith("#EXT-X-MEDIA-SEQUENCE:", StringComparison.Ordinal)).Split(':')[1], CultureInfo.InvariantCulture);
        var result = new Dictionary<long, double>();
        foreach (var line in lines.Where(l => l.StartsWith("#EXTINF:", StringComparison.Ordinal)))
        {
            result[msn++] = double.Parse(line["#EXTINF:".Length..].TrimEnd(','), CultureInfo.InvariantCulture);
        }

        return result;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using Broadcast.Testing;
using Xunit.Abstractions;

namespace Broadcast.E2E.Tests;

/// <summary>
/// LL-HLS served by the real host on loopback from a live plain RTP channel (a real FFmpeg publisher): blocking
/// playlist reload, delta updates, preload-hinted parts, init and part bytes, cache headers and the 400s of
/// draft-pantos-hls-rfc8216bis §6.2.5. The 503 after three target durations is tested on a fake clock
/// (LiveMediaPlaylistTests).
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class LowLatencyHlsServingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private BroadcastHost _host = null!;

    public async Task InitializeAsync() => _host = await BroadcastHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_live_channel_serves_blocking_reloads_delta_updates_and_hinted_parts()
    {
        var channel = await PlainRtpChannel.CreateAsync(_host, "ll-serve", "video/H264");
        using var publisher = channel.StartPublisher("h264");
        var playlistUrl = $"hls/{channel.Id}/index.m3u8";
        await PlainRtpChannel.WaitForAsync(async () =>
        {
            using var response = await _host.Client.GetAsync(playlistUrl);
            return response.IsSuccessStatusCode && (await response.Content.ReadAsStringAsync()).Contains("#EXTINF:", StringComparison.Ordinal);
        }, "a complete segment in the live playlist");

        using var first = await _host.Client.GetAsync(playlistUrl);
        Assert.Equal("application/vnd.apple.mpegurl", first.Content.Headers.ContentType!.MediaType);
        Assert.Equal("no-cache", first.Headers.CacheControl!.ToString());
        var text = await first.Content.ReadAsStringAsync();
        foreach (var tag in new[] { "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES", "#EXT-X-PART-INF:PART-TARGET=", "#EXT-X-PART:", "#EXT-X-MAP:URI=", "#EXT-X-PROGRAM-DATE-TIME:", "#EXT-X-PRELOAD-HINT:TYPE=PART" })
        {
            Assert.Contains(tag, text, StringComparison.Ordinal);
        }

        // The next part, as hls.js asks for it: held until it exists, then the playlist that lists it.
        var (msn, part, hint) = Hint(text);
        var clock = Stopwatch.StartNew();
        using var held = await _host.Client.GetAsync($"{playlistUrl}?_HLS_msn={msn}&_HLS_part={part}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"blocking reload for {msn}.{part} answered after {clock.ElapsedMilliseconds} ms"));
        Assert.Equal(HttpStatusCode.OK, held.StatusCode);
        Assert.Contains($"URI=\"{hint}\"", await held.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The hinted part's URL: held until the part is complete, then its bytes (a moof first).
        var (_, _, nextHint) = Hint(await _host.Client.GetStringAsync(playlistUrl));
        using var partResponse = await _host.Client.GetAsync($"hls/{channel.Id}/{nextHint}");
        Assert.Equal(HttpStatusCode.OK, partResponse.StatusCode);
        Assert.Equal("video/mp4", partResponse.Content.Headers.ContentType!.MediaType);
        Assert.Equal("public, max-age=3600", partResponse.Headers.CacheControl!.ToString());
        var partBytes = await partResponse.Content.ReadAsByteArrayAsync();
        Assert.Equal("moof"u8.ToArray(), partBytes[4..8]);

        var map = text.Split('\n').First(l => l.StartsWith("#EXT-X-MAP:URI=", StringComparison.Ordinal)).Split('"')[1];
        var init = await _host.Client.GetByteArrayAsync($"hls/{channel.Id}/{map}");
        Assert.Equal("ftyp"u8.ToArray(), init[4..8]);

        // Delta update: allowed, and a whole playlist when nothing is old enough to skip.
        using var delta = await _host.Client.GetAsync($"{playlistUrl}?_HLS_skip=YES");
        Assert.Equal(HttpStatusCode.OK, delta.StatusCode);

        // The spec's refusals.
        foreach (var query in new[] { "_HLS_part=1", "_HLS_msn=abc", "_HLS_msn=1&_HLS_part=-1", $"_HLS_msn={msn + 50}", $"_HLS_msn={msn}&_HLS_part=500" })
        {
            using var refused = await _host.Client.GetAsync($"{playlistUrl}?{query}");
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"{query} → {(int)refused.StatusCode}");
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        }

        // A part name that is neither held nor hinted.
        using var unknown = await _host.Client.GetAsync($"hls/{channel.Id}/{hint.Split('_')[0]}_{hint.Split('_')[1]}_p99999.m4s");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    // The preload hint's URI, and where the next part will be as hls.js counts: the segment being built (media sequence
    // plus complete segments) and the parts it has so far.
    private static (long Msn, int Part, string Uri) Hint(string playlist)
    {
        var lines = playlist.Split('\n');
        var uri = lines.Single(l => l.StartsWith("#EXT-X-PRELOAD-HINT:", StringComparison.Ordinal)).Split('"')[1];
        var sequence = long.Parse(lines.Single(l => l.StartsWith("#EXT-X-MEDIA-SEQUENCE:", StringComparison.Ordinal)).Split(':')[1], CultureInfo.InvariantCulture);
        var lastUri = Array.FindLastIndex(lines, HlsMedia.IsSegment);
        var partsSince = lines.Skip(lastUri + 1).Count(l => l.StartsWith("#EXT-X-PART:", StringComparison.Ordinal));
        return (sequence + lines.Count(l => l.StartsWith("#EXTINF:", StringComparison.Ordinal)), partsSince, uri);
    }
}

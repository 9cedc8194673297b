using System.Globalization;
using System.Net;
using Broadcast.Api.Tests.Auth;
using Broadcast.Testing;

namespace Broadcast.Api.Tests;

/// <summary>
/// The real host on Kestrel with a live plain RTP channel (a real FFmpeg publisher), 1 s segments and room for a
/// delta update (20 segments listed, skip boundary 6 × TD), and an HLS signing key for a signed channel.
/// </summary>
public sealed class LowLatencyHlsHost : IAsyncLifetime
{
    private BroadcastHost? _host;
    private LivePlainRtpChannel? _channel;

    public BroadcastHost Host => _host ?? throw new InvalidOperationException("Not started.");

    internal LivePlainRtpChannel Channel => _channel ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _host = await BroadcastHost.StartAsync(new Dictionary<string, string?>
        {
            ["Api:HlsSigningKey"] = SignedHlsHost.SigningKey,
            ["Hls:SegmentSeconds"] = "1",
            ["Hls:PartSeconds"] = "0.25",
            ["Hls:PlaylistSize"] = "20",
        });
        _channel = await LivePlainRtpChannel.StartAsync(_host, "ll-open");
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

/// <summary>
/// Low-Latency HLS over HTTP from a live channel (draft-pantos-hls-rfc8216bis §6.2.5, §6.2.6): blocking playlist reload,
/// preload-hinted parts, delta updates, the 400s of the delivery directives, cache headers and a signed channel. The 503
/// after three target durations is tested on a fake clock (LiveMediaPlaylistTests): here the publisher never stops.
/// </summary>
public sealed class LowLatencyHlsApiTests(LowLatencyHlsHost fixture) : IClassFixture<LowLatencyHlsHost>
{
    private readonly HttpClient _client = fixture.Host.Client;
    private readonly LivePlainRtpChannel _channel = fixture.Channel;

    [Fact]
    public async Task The_live_playlist_carries_the_low_latency_tags_and_is_never_cached()
    {
        using var response = await _client.GetAsync(_channel.PlaylistUrl);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.apple.mpegurl", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        var playlist = new Playlist(await response.Content.ReadAsStringAsync());
        var td = playlist.TargetDuration;
        Assert.Equal(
            ["#EXTM3U", "#EXT-X-VERSION:9", $"#EXT-X-TARGETDURATION:{td}",
             $"#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL={6 * td},PART-HOLD-BACK=0.75",
             "#EXT-X-PART-INF:PART-TARGET=0.25"],
            playlist.Lines[..5]);
        Assert.StartsWith("#EXT-X-MEDIA-SEQUENCE:", playlist.Lines[5], StringComparison.Ordinal);
        foreach (var tag in new[] { "#EXT-X-MAP:URI=", "#EXT-X-PROGRAM-DATE-TIME:", "#EXT-X-PART:DURATION=" })
        {
            Assert.Contains(playlist.Lines, l => l.StartsWith(tag, StringComparison.Ordinal));
        }

        Assert.Contains(playlist.Lines, l => l.StartsWith("#EXT-X-PART:", StringComparison.Ordinal) && l.EndsWith(",INDEPENDENT=YES", StringComparison.Ordinal));
        Assert.Single(playlist.Lines, l => l.StartsWith("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=", StringComparison.Ordinal));
        Assert.DoesNotContain("#EXT-X-ENDLIST", playlist.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reload_for_the_next_part_is_held_until_that_part_exists_and_answers_with_it()
    {
        var before = await PlaylistAsync();
        var (msn, part) = before.NextPart;

        using var response = await _client.GetAsync($"{_channel.PlaylistUrl}?_HLS_msn={msn}&_HLS_part={part}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        var after = new Playlist(await response.Content.ReadAsStringAsync());
        Assert.DoesNotContain(before.Lines, l => l.StartsWith("#EXT-X-PART:", StringComparison.Ordinal) && l.Contains($"URI=\"{before.Hint}\"", StringComparison.Ordinal));
        Assert.Contains(after.Lines, l => l.StartsWith("#EXT-X-PART:", StringComparison.Ordinal) && l.Contains($"URI=\"{before.Hint}\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_reload_for_a_segment_number_alone_is_held_until_the_whole_segment_is_listed()
    {
        var before = await PlaylistAsync();
        var (msn, _) = before.NextPart; // the segment being built (or the next one)
        var segment = before.SegmentUri(msn);
        Assert.DoesNotContain(segment, before.Lines);

        using var response = await _client.GetAsync($"{_channel.PlaylistUrl}?_HLS_msn={msn}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var after = new Playlist(await response.Content.ReadAsStringAsync());
        Assert.Contains(segment, after.Lines);
        Assert.StartsWith("#EXTINF:", after.Lines[after.Lines.IndexOf(segment) - 1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_preload_hinted_part_is_held_then_served_with_its_bytes_which_its_segment_then_carries()
    {
        var before = await PlaylistAsync();
        var (msn, _) = before.NextPart;

        using var response = await _client.GetAsync($"hls/{_channel.Id}/{before.Hint}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("video/mp4", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("public, max-age=3600", response.Headers.CacheControl?.ToString());
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        var part = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("moof"u8.ToArray(), part[4..8]);

        // The part opens the segment being built or, at a key frame, the next one: once both are complete, one holds it.
        using var reload = await _client.GetAsync($"{_channel.PlaylistUrl}?_HLS_msn={msn + 1}");
        Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        var segments = await Task.WhenAll(_client.GetByteArrayAsync($"hls/{_channel.Id}/{before.SegmentUri(msn)}"),
            _client.GetByteArrayAsync($"hls/{_channel.Id}/{before.SegmentUri(msn + 1)}"));
        Assert.Contains(segments, s => s.AsSpan().IndexOf(part) >= 0);
        Assert.Equal(part, await _client.GetByteArrayAsync($"hls/{_channel.Id}/{before.Hint}"));
    }

    [Fact]
    public async Task The_init_segment_is_served_from_memory_as_mp4()
    {
        var map = (await PlaylistAsync()).Lines.First(l => l.StartsWith("#EXT-X-MAP:URI=", StringComparison.Ordinal)).Split('"')[1];

        using var response = await _client.GetAsync($"hls/{_channel.Id}/{map}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("public, max-age=3600", response.Headers.CacheControl?.ToString());
        Assert.Equal("ftyp"u8.ToArray(), (await response.Content.ReadAsByteArrayAsync())[4..8]);
    }

    [Fact]
    public async Task Delivery_directives_that_cannot_be_met_are_400_problems_at_once()
    {
        var (msn, _) = (await PlaylistAsync()).NextPart;

        foreach (var query in new[]
        {
            "_HLS_part=1", // a part without a segment number: MUST be 400
            "_HLS_msn=abc", "_HLS_msn=-1", "_HLS_msn=1.5", "_HLS_msn=%201", "_HLS_msn=99999999999999999999",
            "_HLS_msn=1&_HLS_part=x", "_HLS_msn=1&_HLS_part=-1", "_HLS_msn=1&_HLS_part=99999999999",
            $"_HLS_msn={msn + 50}", // more than two segments ahead
            $"_HLS_msn={msn + 1}&_HLS_part=500", // beyond the Advance Part Limit (3 / 0.25 s = 12 parts)
        })
        {
            var problem = await _client.GetAsync($"{_channel.PlaylistUrl}?{query}").ExpectProblemAsync(HttpStatusCode.BadRequest);
            Assert.Contains("_HLS_", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_delta_update_skips_the_segments_beyond_the_skip_boundary()
    {
        // Reload as a player does until more than the skip boundary (6 × TD) and one segment are listed.
        var playlist = await PlaylistAsync();
        while (playlist.ListedSeconds <= (6 * playlist.TargetDuration) + playlist.TargetDuration)
        {
            using var reload = await _client.GetAsync($"{_channel.PlaylistUrl}?_HLS_msn={playlist.NextPart.Msn}");
            Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
            playlist = new Playlist(await reload.Content.ReadAsStringAsync());
        }

        Assert.DoesNotContain("#EXT-X-SKIP", playlist.Text, StringComparison.Ordinal);
        foreach (var skip in new[] { "YES", "v2" })
        {
            var delta = new Playlist(await _client.GetStringAsync($"{_channel.PlaylistUrl}?_HLS_skip={skip}"));

            var skipped = delta.Skipped;
            Assert.True(skipped > 0, delta.Text);
            var first = delta.Lines.FindIndex(Playlist.IsUri);
            Assert.Equal(delta.SegmentUri(delta.MediaSequence + skipped), delta.Lines[first]);
            var map = delta.Lines.FindIndex(l => l.StartsWith("#EXT-X-MAP:URI=", StringComparison.Ordinal));
            Assert.InRange(map, delta.Lines.FindIndex(l => l.StartsWith("#EXT-X-SKIP:", StringComparison.Ordinal)), first);
            Assert.True(delta.ListedSeconds > 6 * delta.TargetDuration - delta.TargetDuration, delta.Text);
            Assert.Contains(delta.Lines, l => l.StartsWith("#EXT-X-PRELOAD-HINT:", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task An_unknown_part_or_segment_is_404()
    {
        var playlist = await PlaylistAsync();

        await _client.GetAsync($"hls/{_channel.Id}/{playlist.Prefix}_p99999999.m4s").ExpectProblemAsync(HttpStatusCode.NotFound);
        await _client.GetAsync($"hls/{_channel.Id}/{playlist.Prefix}_99999999.m4s").ExpectProblemAsync(HttpStatusCode.NotFound);
        await _client.GetAsync($"hls/{_channel.Id}/{playlist.Prefix}_init99.mp4").ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_signed_live_channel_needs_its_signature_and_never_carries_the_directives_into_its_URIs()
    {
        const string id = "ll-sealed";
        await fixture.Host.DefineChannelAsync(id, withToken: false, signedHls: true);
        var query = SignedHlsHost.Query(id, SignedHlsHost.InAnHour);
        using var channel = await LivePlainRtpChannel.StartAsync(fixture.Host, id, query);
        var before = new Playlist(await _client.GetStringAsync($"{channel.PlaylistUrl}?{query}"));
        var (msn, part) = before.NextPart;

        await _client.GetAsync($"{channel.PlaylistUrl}?_HLS_msn={msn}&_HLS_part={part}").ExpectProblemAsync(HttpStatusCode.Forbidden);
        var hintName = before.Hint.Split('?')[0];
        Assert.Equal($"{hintName}?{query}", before.Hint);
        await _client.GetAsync($"hls/{id}/{hintName}").ExpectProblemAsync(HttpStatusCode.Forbidden);
        await _client.GetAsync($"{channel.PlaylistUrl}?{query}&_HLS_part=1").ExpectProblemAsync(HttpStatusCode.BadRequest);

        using var held = await _client.GetAsync($"{channel.PlaylistUrl}?_HLS_msn={msn}&{query}&_HLS_part={part}&_HLS_skip=YES");
        Assert.Equal(HttpStatusCode.OK, held.StatusCode);
        Assert.Equal("no-cache, private", held.Headers.CacheControl?.ToString());
        var text = await held.Content.ReadAsStringAsync();
        Assert.DoesNotContain("_HLS_", text, StringComparison.Ordinal);
        var playlist = new Playlist(text);
        var uris = playlist.Lines.Where(Playlist.IsUri)
            .Concat(playlist.Lines.Where(l => l.Contains("URI=\"", StringComparison.Ordinal)).Select(l => l.Split('"')[1]))
            .ToList();
        Assert.Contains(before.Hint, uris); // the part hinted before, now listed
        Assert.All(uris, uri => Assert.EndsWith($"?{query}", uri, StringComparison.Ordinal));

        using var hinted = await _client.GetAsync($"hls/{id}/{playlist.Hint}");
        Assert.Equal(HttpStatusCode.OK, hinted.StatusCode);
        Assert.Equal("video/mp4", hinted.Content.Headers.ContentType?.MediaType);
        var cacheControl = hinted.Headers.CacheControl!;
        Assert.True(cacheControl.Private && !cacheControl.Public, cacheControl.ToString());
        Assert.Equal(TimeSpan.FromHours(1), cacheControl.MaxAge);
        Assert.Equal("moof"u8.ToArray(), (await hinted.Content.ReadAsByteArrayAsync())[4..8]);
    }

    private async Task<Playlist> PlaylistAsync() => new(await _client.GetStringAsync(_channel.PlaylistUrl));

    /// <summary>A media playlist as a player reads it.</summary>
    private sealed class Playlist(string text)
    {
        public string Text { get; } = text;

        public List<string> Lines { get; } = [.. text.Split('\n')];

        public int TargetDuration => int.Parse(Value("#EXT-X-TARGETDURATION:"), CultureInfo.InvariantCulture);

        public long MediaSequence => long.Parse(Value("#EXT-X-MEDIA-SEQUENCE:"), CultureInfo.InvariantCulture);

        public int Skipped => Lines.Any(l => l.StartsWith("#EXT-X-SKIP:", StringComparison.Ordinal))
            ? int.Parse(Value("#EXT-X-SKIP:SKIPPED-SEGMENTS="), CultureInfo.InvariantCulture)
            : 0;

        /// <summary>The preload hint's URI (as written, with any query).</summary>
        public string Hint => Value("#EXT-X-PRELOAD-HINT:").Split('"')[1];

        /// <summary>"&lt;name&gt;_&lt;session&gt;": the stem of this playlist's media names.</summary>
        public string Prefix => Hint.Split('?')[0][..Hint.Split('?')[0].LastIndexOf("_p", StringComparison.Ordinal)];

        /// <summary>Where the hinted part will be as hls.js counts: the segment after the listed ones, the parts it has so far.</summary>
        public (long Msn, int Part) NextPart
        {
            get
            {
                var last = Lines.FindLastIndex(IsUri);
                var parts = Lines.Skip(last + 1).Count(l => l.StartsWith("#EXT-X-PART:", StringComparison.Ordinal));
                return (MediaSequence + Skipped + Lines.Count(IsUri), parts);
            }
        }

        /// <summary>Seconds of the complete segments listed (not skipped).</summary>
        public double ListedSeconds => Lines.Where(l => l.StartsWith("#EXTINF:", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[8..].TrimEnd(','), CultureInfo.InvariantCulture));

        public string SegmentUri(long msn) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}_{msn}.m4s");

        public static bool IsUri(string line) => line.Length > 0 && line[0] != '#';

        private string Value(string prefix) => Lines.First(l => l.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..];
    }
}

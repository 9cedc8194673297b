using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Broadcast.Testing;

namespace Broadcast.Api.Tests.Auth;

/// <summary>An open-default host with a configured HLS signing key, a signed channel and a public one.</summary>
public sealed class SignedHlsHost : IAsyncLifetime
{
    public const string SigningKey = "hls-signing-key-of-the-tests-0123456789";
    public const string Signed = "sealed";
    public const string Public = "open";

    public const string MasterPlaylist = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=2500000\n720p/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nhttps://cdn.example/360p/index.m3u8\n";

    public const string MediaPlaylist = "#EXTM3U\r\n#EXT-X-VERSION:7\r\n#EXT-X-TARGETDURATION:2\r\n#EXT-X-MAP:URI=\"init.mp4\"\r\n#EXTINF:2.000,\r\nseg0.m4s\r\n#EXTINF:2.000,\r\nseg1.m4s?part=1\r\n#EXTINF:2.000,\r\n/hls/elsewhere/seg2.m4s\r\n";

    private BroadcastHost? _host;

    public BroadcastHost Host => _host ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _host = await BroadcastHost.StartAsync(new Dictionary<string, string?> { ["Api:HlsSigningKey"] = SigningKey });
        await _host.DefineChannelAsync(Signed, withToken: false, signedHls: true);
        await _host.DefineChannelAsync(Public, withToken: false);
        foreach (var channel in new[] { Signed, Public })
        {
            Write(channel, "index.m3u8", MasterPlaylist);
            Write(channel, "720p/index.m3u8", MediaPlaylist);
            Write(channel, "720p/init.mp4", "init");
            Write(channel, "720p/seg0.m4s", new string('S', 1000));
        }
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    /// <summary>The signature computed here from the documented format, not by the appliance's code.</summary>
    public static string Query(string channel, long expires)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(SigningKey), Encoding.UTF8.GetBytes($"{channel}\n{expires}"));
        return $"expires={expires}&sig={Base64Url.EncodeToString(mac)}";
    }

    public static long InAnHour => DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();

    private void Write(string channel, string relative, string content)
    {
        var path = Path.Combine(Host.HlsRoot, channel, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }
}

public sealed class SignedHlsAuthTests(SignedHlsHost fixture) : IClassFixture<SignedHlsHost>
{
    private const string Signed = SignedHlsHost.Signed;
    private readonly HttpClient _client = fixture.Host.Client;

    [Theory]
    [InlineData("index.m3u8")]
    [InlineData("720p/index.m3u8")]
    [InlineData("720p/seg0.m4s")]
    [InlineData("720p/nothing-here.m4s")]
    public async Task A_signed_channel_refuses_requests_without_a_signature_with_403(string file)
    {
        var problem = await _client.GetAsync($"hls/{Signed}/{file}").ExpectProblemAsync(HttpStatusCode.Forbidden);

        Assert.Contains("hls-url", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signed_URL_opens_the_playlists_and_segments_of_its_channel()
    {
        var query = SignedHlsHost.Query(Signed, SignedHlsHost.InAnHour);

        using var segment = await _client.GetAsync($"hls/{Signed}/720p/seg0.m4s?{query}");
        using var init = await _client.GetAsync($"hls/{Signed}/720p/init.mp4?{query}");
        using var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"hls/{Signed}/index.m3u8?{query}"));

        Assert.Equal(HttpStatusCode.OK, segment.StatusCode);
        Assert.Equal(1000, (await segment.Content.ReadAsByteArrayAsync()).Length);
        Assert.Equal(HttpStatusCode.OK, init.StatusCode);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("*", Assert.Single(segment.Headers.GetValues("Access-Control-Allow-Origin")));
    }

    [Theory]
    [InlineData("index.m3u8", null)]
    [InlineData("720p/index.m3u8", null)]
    [InlineData("720p/seg0.m4s", 3600)]
    [InlineData("720p/init.mp4", 3600)]
    public async Task A_signed_channels_playlists_and_segments_may_be_kept_by_the_viewers_cache_only(string file, int? maxAgeSeconds)
    {
        using var response = await _client.GetAsync($"hls/{Signed}/{file}?{SignedHlsHost.Query(Signed, SignedHlsHost.InAnHour)}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cacheControl = response.Headers.CacheControl!;
        Assert.True(cacheControl.Private, $"Cache-Control: {cacheControl}");
        Assert.False(cacheControl.Public, $"Cache-Control: {cacheControl}");
        Assert.Equal(maxAgeSeconds is null, cacheControl.NoCache);
        Assert.Equal(maxAgeSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null, cacheControl.MaxAge);
    }

    [Fact]
    public async Task A_public_channels_segments_stay_publicly_cacheable_even_when_signed()
    {
        using var response = await _client.GetAsync($"hls/{SignedHlsHost.Public}/720p/seg0.m4s?{SignedHlsHost.Query(SignedHlsHost.Public, SignedHlsHost.InAnHour)}");

        Assert.Equal("public, max-age=3600", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task A_signed_URL_still_serves_byte_ranges()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"hls/{Signed}/720p/seg0.m4s?{SignedHlsHost.Query(Signed, SignedHlsHost.InAnHour)}");
        request.Headers.Range = new RangeHeaderValue(0, 99);

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(100, (await response.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task The_master_playlist_of_a_signed_channel_carries_the_query_to_its_relative_variants_only()
    {
        var query = SignedHlsHost.Query(Signed, SignedHlsHost.InAnHour);

        using var response = await _client.GetAsync($"hls/{Signed}/index.m3u8?{query}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.apple.mpegurl", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache, private", response.Headers.CacheControl?.ToString());
        var playlist = await response.Content.ReadAsStringAsync();
        Assert.Equal(
            $"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=2500000\n720p/index.m3u8?{query}\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nhttps://cdn.example/360p/index.m3u8\n",
            playlist);
    }

    [Fact]
    public async Task A_variant_playlist_of_a_signed_channel_carries_the_query_to_segments_and_the_init_section()
    {
        var query = SignedHlsHost.Query(Signed, SignedHlsHost.InAnHour);

        var playlist = await _client.GetStringAsync($"hls/{Signed}/720p/index.m3u8?{query}");

        Assert.Equal(
            $"#EXTM3U\r\n#EXT-X-VERSION:7\r\n#EXT-X-TARGETDURATION:2\r\n#EXT-X-MAP:URI=\"init.mp4?{query}\"\r\n#EXTINF:2.000,\r\nseg0.m4s?{query}\r\n" +
            $"#EXTINF:2.000,\r\nseg1.m4s?part=1&{query}\r\n#EXTINF:2.000,\r\n/hls/elsewhere/seg2.m4s\r\n",
            playlist);
    }

    [Fact]
    public async Task The_rewritten_playlist_carries_the_canonical_query_not_the_clients_bytes()
    {
        var expires = SignedHlsHost.InAnHour;
        var canonical = SignedHlsHost.Query(Signed, expires);

        var playlist = await _client.GetStringAsync($"hls/{Signed}/index.m3u8?sig={canonical.Split("sig=")[1]}&expires={expires}&extra=%0A%23EXT-X-ENDLIST");

        Assert.Contains($"720p/index.m3u8?{canonical}\n", playlist, StringComparison.Ordinal);
        Assert.DoesNotContain("ENDLIST", playlist, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadQueries()
    {
        var future = SignedHlsHost.InAnHour;
        var past = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds();
        var good = SignedHlsHost.Query(Signed, future);
        var signature = good.Split("sig=")[1];
        var flipped = (signature[0] == 'A' ? 'B' : 'A') + signature[1..];
        return new TheoryData<string, string>
        {
            { SignedHlsHost.Query(Signed, past), "expired" },
            { $"expires={future + 1}&sig={signature}", "not valid" },
            { $"expires={future}&sig={flipped}", "not valid" },
            { $"expires={future}&sig={signature[..^2]}", "not valid" },
            { $"expires={future}", "not valid" },
            { $"sig={signature}", "not valid" },
            { $"expires=-{future}&sig={signature}", "not valid" },
            { SignedHlsHost.Query(SignedHlsHost.Public, future), "not valid" },
            { SignedHlsHost.Query(Signed.ToUpperInvariant(), future), "not valid" },
            { $"expires={future}&sig=" + Base64Url.EncodeToString(HMACSHA256.HashData(Encoding.UTF8.GetBytes("another-key-0123456789-0123456789-x"), Encoding.UTF8.GetBytes($"{Signed}\n{future}"))), "not valid" },
        };
    }

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task An_expired_tampered_or_foreign_signature_is_403(string query, string reason)
    {
        var playlist = await _client.GetAsync($"hls/{Signed}/index.m3u8?{query}").ExpectProblemAsync(HttpStatusCode.Forbidden);
        var segment = await _client.GetAsync($"hls/{Signed}/720p/seg0.m4s?{query}").ExpectProblemAsync(HttpStatusCode.Forbidden);

        Assert.Contains(reason, playlist.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(reason, segment.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_public_channel_needs_no_signature_and_ignores_a_bad_one()
    {
        using var plain = await _client.GetAsync($"hls/{SignedHlsHost.Public}/720p/index.m3u8");
        using var bad = await _client.GetAsync($"hls/{SignedHlsHost.Public}/720p/index.m3u8?expires=1&sig=AAAA");

        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal(SignedHlsHost.MediaPlaylist, await plain.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, bad.StatusCode);
        Assert.Equal(SignedHlsHost.MediaPlaylist, await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_hls_url_endpoint_signs_a_URL_that_plays_until_it_expires()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var signed = await _client.PostJsonAsync($"api/v1/channels/{Signed}/hls-url", """{ "ttlSeconds": 120 }""").ExpectAsync(HttpStatusCode.OK);

        var expires = signed.GetProperty("expires").GetInt64();
        Assert.InRange(expires, before + 119, before + 122);
        var path = signed.GetProperty("path").GetString()!;
        Assert.Equal($"/hls/{Signed}/index.m3u8?{SignedHlsHost.Query(Signed, expires)}", path);
        Assert.Equal(new Uri(fixture.Host.BaseAddress, path), new Uri(signed.GetProperty("url").GetString()!));
        Assert.Equal(expires, signed.GetProperty("expiresAt").GetDateTimeOffset().ToUnixTimeSeconds());
        using var playlist = await _client.GetAsync(path.TrimStart('/'));
        Assert.Equal(HttpStatusCode.OK, playlist.StatusCode);
    }

    [Fact]
    public async Task The_hls_url_endpoint_defaults_to_an_hour()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var signed = await _client.PostAsync($"api/v1/channels/{Signed}/hls-url", null).ExpectAsync(HttpStatusCode.OK);

        Assert.InRange(signed.GetProperty("expires").GetInt64(), before + 3599, before + 3602);
    }

    [Theory]
    [InlineData("""{ "ttlSeconds": 0 }""")]
    [InlineData("""{ "ttlSeconds": 604801 }""")]
    [InlineData("""{ "ttlSeconds": "soon" }""")]
    public async Task The_hls_url_endpoint_refuses_a_bad_ttl(string body)
    {
        await _client.PostJsonAsync($"api/v1/channels/{Signed}/hls-url", body).ExpectFieldProblemAsync("ttlSeconds");
    }

    [Fact]
    public async Task A_deleted_signed_channel_is_404_while_its_folder_waits_for_the_cleanup()
    {
        await _client.PostJsonAsync("api/v1/channels", """{ "channel_id": "sealed-gone", "hls": { "signedUrls": true } }""")
            .ExpectAsync(HttpStatusCode.Created);
        var folder = Path.Combine(fixture.Host.HlsRoot, "sealed-gone");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "index.m3u8"), SignedHlsHost.MediaPlaylist);
        await File.WriteAllTextAsync(Path.Combine(folder, "seg0.m4s"), "segment");

        await _client.DeleteAsync("api/v1/channels/sealed-gone").ExpectAsync(HttpStatusCode.NoContent);

        var query = SignedHlsHost.Query("sealed-gone", SignedHlsHost.InAnHour);
        await _client.GetAsync("hls/sealed-gone/index.m3u8").ExpectProblemAsync(HttpStatusCode.NotFound);
        await _client.GetAsync("hls/sealed-gone/seg0.m4s").ExpectProblemAsync(HttpStatusCode.NotFound);
        await _client.GetAsync($"hls/sealed-gone/index.m3u8?{query}").ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.True(File.Exists(Path.Combine(folder, "seg0.m4s")));
    }

    [Fact]
    public async Task An_ad_hoc_channels_HLS_is_served_while_its_router_runs_and_404_once_it_closes()
    {
        await _client.CreateRouterAsync("adhoc-hls");
        var folder = Path.Combine(fixture.Host.HlsRoot, "adhoc-hls");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "index.m3u8"), SignedHlsHost.MediaPlaylist);

        using (var live = await _client.GetAsync("hls/adhoc-hls/index.m3u8"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        await _client.DeleteAsync($"{ApiCalls.Mediasoup}/router/adhoc-hls").ExpectAsync(HttpStatusCode.NoContent);
        await _client.GetAsync("hls/adhoc-hls/index.m3u8").ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_hls_url_endpoint_knows_defined_channels_and_live_routers_only()
    {
        await _client.PostJsonAsync("api/v1/channels/no-such-channel/hls-url", "{}").ExpectProblemAsync(HttpStatusCode.NotFound);
        await _client.CreateRouterAsync("signed-adhoc");
        await _client.PostJsonAsync("api/v1/channels/signed-adhoc/hls-url", "{}").ExpectAsync(HttpStatusCode.OK);
    }
}

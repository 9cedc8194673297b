using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Broadcast.Api.State;
using Broadcast.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Broadcast.Api.Tests;

/// <summary>HLS files of defined channels (cam1, cam2 public; sealed signed) on disk, served over HTTP.</summary>
public sealed class HlsServingTests : IClassFixture<BroadcastHost>, IAsyncLifetime
{
    private const string Outside = "OUTSIDE-THE-ROOT";
    private const string OtherChannel = "ANOTHER-CHANNEL";
    private const string SealedContent = "SEALED-CHANNEL";

    private readonly BroadcastHost _host;
    private readonly HttpClient _client;

    public HlsServingTests(BroadcastHost host)
    {
        _host = host;
        _client = host.Client;
        Write("cam1/index.m3u8", "#EXTM3U\n#EXT-X-VERSION:3\n");
        Write("cam1/seg0.ts", new string('T', 1000));
        Write("cam1/init.mp4", "init");
        Write("cam1/seg1.m4s", "fmp4");
        Write("cam1/audio.aac", "aac");
        Write("cam1/720p/index.m3u8", "#EXTM3U\n");
        Write("cam1/notes.txt", "not HLS");
        Write("cam2/index.m3u8", OtherChannel);
        Write("sealed/index.m3u8", SealedContent);
        Write("sealed/seg0.ts", SealedContent);
        File.WriteAllText(Path.Combine(host.TempRoot, "outside.ts"), Outside);
        File.WriteAllText(Path.Combine(host.TempRoot, "outside.m3u8"), Outside);
    }

    public async Task InitializeAsync()
    {
        await DefineAsync("cam1");
        await DefineAsync("cam2");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("cam1/index.m3u8", "application/vnd.apple.mpegurl", "no-cache")]
    [InlineData("cam1/720p/index.m3u8", "application/vnd.apple.mpegurl", "no-cache")]
    [InlineData("cam1/seg0.ts", "video/mp2t", "public, max-age=3600")]
    [InlineData("cam1/seg1.m4s", "video/iso.segment", "public, max-age=3600")]
    [InlineData("cam1/init.mp4", "video/mp4", "public, max-age=3600")]
    [InlineData("cam1/audio.aac", "audio/aac", "public, max-age=3600")]
    public async Task HLS_files_are_served_with_their_content_type_cache_policy_and_any_origin(string path, string contentType, string cacheControl)
    {
        using var response = await _client.GetAsync($"hls/{path}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(cacheControl, response.Headers.CacheControl?.ToString());
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(_host.HlsRoot, path)), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_range_request_gets_206_with_just_those_bytes()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "hls/cam1/seg0.ts");
        request.Headers.Range = new RangeHeaderValue(100, 199);

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal("bytes 100-199/1000", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(100, (await response.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task HEAD_gives_the_headers_without_the_body()
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, "hls/cam1/seg0.ts");

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1000, response.Content.Headers.ContentLength);
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_cors_preflight_is_answered_for_any_origin()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "hls/cam1/index.m3u8");
        request.Headers.Add("Origin", "https://player.example");
        request.Headers.Add("Access-Control-Request-Method", "GET");
        request.Headers.Add("Access-Control-Request-Headers", "range");

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("GET", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Methods")), StringComparison.Ordinal);
        Assert.Equal("range", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Headers")));
    }

    [Fact]
    public async Task A_missing_file_is_a_404_problem()
    {
        await _client.GetAsync("hls/cam1/seg99.ts").ExpectProblemAsync(HttpStatusCode.NotFound);
        await _client.GetAsync("hls/nochannel/index.m3u8").ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Files_of_a_channel_neither_defined_nor_live_are_a_404_problem()
    {
        Write("undefined/index.m3u8", "#EXTM3U\n");

        await _client.GetAsync("hls/undefined/index.m3u8").ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    /// <summary>
    /// Sent byte for byte (no client-side normalisation), so the server sees exactly these paths. A literal
    /// /hls/cam1/../cam2/x is simply cam2's URL (dot segments resolve before routing, RFC 3986 §5.2.4); the encoded
    /// forms are the ones that would reach the file system.
    /// </summary>
    [Theory]
    [InlineData("/hls/cam1/../../outside.ts")]
    [InlineData("/hls/cam1/../../../etc/passwd")]
    [InlineData("/hls/cam1/..%2f..%2foutside.ts")]
    [InlineData("/hls/cam1/..%2Fcam2%2Findex.m3u8")]
    [InlineData("/hls/cam1/%2e%2e/%2e%2e/outside.ts")]
    [InlineData("/hls/cam1/%2e%2e%2f%2e%2e%2foutside.ts")]
    [InlineData("/hls/cam1/..%5c..%5coutside.ts")]
    [InlineData("/hls/cam1/..\\..\\outside.ts")]
    [InlineData("/hls/cam1//etc/passwd")]
    [InlineData("/hls/cam1/%2fetc%2fpasswd")]
    [InlineData("/hls/cam1/%252e%252e%252foutside.ts")]
    [InlineData("/hls/../outside.ts")]
    [InlineData("/hls/..%2f/outside.ts")]
    [InlineData("/hls/%2e%2e/outside.m3u8")]
    [InlineData("/hls/cam1/notes.txt")]
    [InlineData("/hls/cam1/index.m3u8.txt")]
    [InlineData("/hls/cam1/../../hls/cam1/notes.txt")]
    [InlineData("/hls/cam1/C:%5cWindows%5cwin.ini")]
    [InlineData("/hls/cam1/index.m3u8%00.txt")]
    public async Task A_path_that_leaves_the_channel_folder_or_is_not_hls_is_refused(string path)
    {
        var (status, body) = await RawGetAsync(path);

        Assert.True(status is 400 or 404, $"{path} gave {status}");
        Assert.DoesNotContain(Outside, body, StringComparison.Ordinal);
        Assert.DoesNotContain(OtherChannel, body, StringComparison.Ordinal);
        Assert.DoesNotContain("not HLS", body, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", body, StringComparison.Ordinal);
    }

    /// <summary>"sealed" requires signed URLs: no path through another channel, encoded or not, reaches its files.</summary>
    [Theory]
    [InlineData("/hls/cam1/../sealed/index.m3u8")]
    [InlineData("/hls/cam1/..%2fsealed%2findex.m3u8")]
    [InlineData("/hls/cam1/%2e%2e%2fsealed%2fseg0.ts")]
    [InlineData("/hls/cam1/..%5csealed%5cindex.m3u8")]
    [InlineData("/hls/cam1/%252e%252e%252fsealed%252findex.m3u8")]
    [InlineData("/hls/cam1/./../sealed/seg0.ts")]
    [InlineData("/hls/SEALED/index.m3u8")]
    [InlineData("/hls/sealed%2findex.m3u8")]
    [InlineData("/hls/sealed/./index.m3u8")]
    [InlineData("/hls/sealed//index.m3u8")]
    public async Task A_path_into_a_signed_channel_without_its_signature_is_refused(string path)
    {
        await DefineSealedAsync();

        var (status, body) = await RawGetAsync(path);

        Assert.True(status is 400 or 403 or 404, $"{path} gave {status}");
        Assert.DoesNotContain(SealedContent, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signature_of_the_signed_channel_opens_no_path_through_another_channel()
    {
        await DefineSealedAsync();
        var signed = await _client.PostJsonAsync("api/v1/channels/sealed/hls-url", "{}").ExpectAsync(HttpStatusCode.OK);
        var query = signed.GetProperty("path").GetString()!.Split('?')[1];

        var (direct, _) = await RawGetAsync($"/hls/sealed/index.m3u8?{query}");
        var (traversal, body) = await RawGetAsync($"/hls/cam1/..%2fsealed%2findex.m3u8?{query}");

        Assert.Equal(200, direct);
        Assert.Equal(400, traversal);
        Assert.DoesNotContain(SealedContent, body, StringComparison.Ordinal);
    }

    private Task DefineSealedAsync() => DefineAsync("sealed", signedUrls: true);

    // Every test of the class defines its channels on the shared host: the first one wins.
    private async Task DefineAsync(string id, bool signedUrls = false)
    {
        var store = _host.Services.GetRequiredService<IChannelStore>();
        var now = DateTimeOffset.UtcNow;
        await store.TryAddAsync(new ChannelDefinition(id, ChannelSource.WebRtc, null, new ChannelHlsProfile(SignedUrls: signedUrls),
            ChannelRetentionSettings.Default, null, null, now, now));
    }

    private void Write(string relative, string content)
    {
        var path = Path.Combine(_host.HlsRoot, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private async Task<(int Status, string Body)> RawGetAsync(string path)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_host.BaseAddress.Host, _host.BaseAddress.Port);
        await using var stream = tcp.GetStream();
        var request = $"GET {path} HTTP/1.1\r\nHost: {_host.BaseAddress.Authority}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync();
        var status = int.Parse(response.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, response);
    }
}

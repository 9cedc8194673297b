using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Broadcast.Api.State;
using Broadcast.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Broadcast.E2E.Tests;

/// <summary>
/// A channel with a publish token and signed HLS on an appliance with admin credentials: the publisher page (both
/// ways) is refused without the token and publishes with it; the viewer page plays the signed URL through hls.js.
/// </summary>
[Collection(E2ECollection.Browser)]
public sealed class ProtectedChannelTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string ApiKey = "api-key-of-the-e2e-tests-0123";

    private static readonly string[] FakeMedia =
    [
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--allow-loopback-in-peer-connection",
    ];

    private BroadcastHost _host = null!;

    public async Task InitializeAsync() => _host = await BroadcastHost.StartAsync(new Dictionary<string, string?>
    {
        ["Api:JwtSecret"] = "jwt-secret-of-the-e2e-tests-0123456789",
        ["Api:ApiKeys"] = ApiKey,
    });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData("mediasoup")]
    [InlineData("whip")]
    public async Task The_publisher_page_needs_the_channels_token_and_the_viewer_plays_the_signed_URL(string mode)
    {
        var channel = $"protected-{mode}";
        var token = PublishToken.Create();
        var now = DateTimeOffset.UtcNow;
        await _host.Services.GetRequiredService<IChannelStore>().TryAddAsync(new ChannelDefinition(channel, ChannelSource.WebRtc, null,
            new ChannelHlsProfile(SignedUrls: true), ChannelRetentionSettings.Default, null, PublishToken.Hash(token), now, now));

        await using var publisher = await HeadlessChromium.StartAsync(FakeMedia);
        await publisher.NavigateAsync(new Uri(_host.BaseAddress, $"publisher.html?channel={channel}&codec=H264&mode={mode}"));
        await PlainRtpChannel.WaitForAsync(async () => (await publisher.EvaluateAsync("typeof window.publish === 'function'"))!.GetValue<bool>(), "the publisher page");

        await publisher.EvaluateAsync("document.getElementById('token').value = 'not-the-token'");
        await publisher.EvaluateAsync("window.publish()");
        var refusal = await StateAsync(publisher);
        output.WriteLine($"{mode} with a wrong token: {refusal}");
        Assert.StartsWith("failed", refusal, StringComparison.Ordinal);

        await publisher.EvaluateAsync($"document.getElementById('token').value = '{token}'");
        await publisher.EvaluateAsync("window.publish()");
        await PlainRtpChannel.WaitForAsync(async () => await StateAsync(publisher) == "connection connected", "ICE and DTLS to connect");
        var playlist = Path.Combine(_host.HlsRoot, channel, "index.m3u8");
        await PlainRtpChannel.WaitForAsync(() => Task.FromResult(File.Exists(playlist) && HlsMedia.Segments(File.ReadAllText(playlist)).Count > 0), "the first segment");

        using var unsigned = await _host.Client.GetAsync($"hls/{channel}/index.m3u8");
        Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/channels/{channel}/hls-url")
        {
            Content = new StringContent("""{ "ttlSeconds": 300 }""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Api-Key", ApiKey);
        using var signed = await _host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        var query = JsonNode.Parse(await signed.Content.ReadAsStringAsync())!["path"]!.GetValue<string>().Split('?')[1];

        await using var viewer = await HeadlessChromium.StartAsync();
        await viewer.NavigateAsync(new Uri(_host.BaseAddress, $"viewer.html?channel={channel}&{query}"));
        await PlainRtpChannel.WaitForAsync(async () =>
            (await viewer.EvaluateAsync("document.getElementById('video')?.currentTime ?? 0"))!.GetValue<double>() > 0, "signed playback to start");
        var played = (await viewer.EvaluateAsync("document.getElementById('video').currentTime"))!.GetValue<double>();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{mode}: the viewer plays the signed URL ({played:F1} s)"));
    }

    private static async Task<string> StateAsync(HeadlessChromium page)
    {
        string state = "";
        await PlainRtpChannel.WaitForAsync(async () =>
        {
            state = (await page.EvaluateAsync("document.getElementById('state').textContent"))!.GetValue<string>();
            return state.StartsWith("failed", StringComparison.Ordinal) || state.StartsWith("connection", StringComparison.Ordinal);
        }, "the publisher to connect or fail");
        return state;
    }
}

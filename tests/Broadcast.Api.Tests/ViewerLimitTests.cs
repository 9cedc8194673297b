using System.Net;
using System.Text;
using Broadcast.Testing;

namespace Broadcast.Api.Tests;

/// <summary>Media:MaxViewersPerChannel and Media:MaxViewers: a viewer beyond them is a 503 with Retry-After, and a slot frees when a viewer leaves.</summary>
public sealed class ViewerLimitTests : IAsyncLifetime
{
    private BroadcastHost _host = null!;

    public async Task InitializeAsync() => _host = await BroadcastHost.StartAsync(new Dictionary<string, string?>
    {
        ["Media:MaxViewersPerChannel"] = "1",
        ["Media:MaxViewers"] = "2",
    });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_second_viewer_of_a_channel_is_a_503_with_Retry_After_until_the_first_leaves()
    {
        var client = _host.Client;
        await LiveChannelAsync("limit-a");

        using var first = await PostOfferAsync("limit-a");
        using var second = await PostOfferAsync("limit-a");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(10), second.Headers.RetryAfter!.Delta);
        Assert.Contains("MaxViewersPerChannel", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The refused session left nothing behind; the first one leaving frees the slot.
        using (await client.DeleteAsync(first.Headers.Location)) { }
        using var third = await PostOfferAsync("limit-a");
        Assert.Equal(HttpStatusCode.Created, third.StatusCode);
    }

    [Fact]
    public async Task The_appliance_limit_counts_viewers_of_every_channel_and_applies_to_REST_consumers_too()
    {
        var client = _host.Client;
        var producers = new Dictionary<string, string>();
        foreach (var channel in new[] { "limit-b", "limit-c", "limit-d" })
        {
            producers[channel] = await LiveChannelAsync(channel);
        }

        using var b = await PostOfferAsync("limit-b");
        using var c = await PostOfferAsync("limit-c");
        Assert.Equal(HttpStatusCode.Created, b.StatusCode);
        Assert.Equal(HttpStatusCode.Created, c.StatusCode);

        var router = await client.GetAsync($"{ApiCalls.Mediasoup}/router/limit-d").ExpectAsync(HttpStatusCode.OK);
        var webRtc = await client.PostJsonAsync($"{ApiCalls.Mediasoup}/router/limit-d/webrtc-transport", "{}").ExpectAsync(HttpStatusCode.Created);
        var refused = await client.PostJsonAsync($"{ApiCalls.Mediasoup}/transport/{webRtc.Id()}/consumer",
                ProducerBodies.Consumer(producers["limit-d"], router.GetProperty("rtpCapabilities")))
            .ExpectProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Contains("MaxViewers", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private async Task<string> LiveChannelAsync(string channelId)
    {
        await _host.Client.CreateRouterAsync(channelId);
        var plain = await _host.Client.CreatePlainTransportAsync(channelId, """{ "comedia": true }""");
        return (await _host.Client.CreateProducerAsync(plain.Id(), ProducerBodies.H264WithRtx(4242))).Id();
    }

    private Task<HttpResponseMessage> PostOfferAsync(string channelId) =>
        _host.Client.PostAsync($"/whep/{channelId}", new StringContent(WhepApiTests.ChromeOffer.ReplaceLineEndings("\r\n"), Encoding.UTF8, "application/sdp"));
}

using System.Net;
using System.Net.Http.Headers;
using Broadcast.Api.Channels;
using Broadcast.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Broadcast.Api.Tests;

/// <summary>GET /api/v1/channels/{id}/thumbnail.jpg from a live channel's own segments, and the HLS viewers of a channel.</summary>
public sealed class ThumbnailAndAudienceTests(BroadcastHost host) : IClassFixture<BroadcastHost>
{
    [Fact]
    public async Task A_live_channel_has_a_jpeg_of_its_newest_segment_decoded_once_for_everyone_who_asks()
    {
        using var channel = await LivePlainRtpChannel.StartAsync(host, "thumb-live");
        var thumbnails = host.Services.GetRequiredService<ChannelThumbnails>();
        // Until the first segment is complete there is no picture (503).
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            using var first = await host.Client.GetAsync($"api/v1/channels/{channel.Id}/thumbnail.jpg");
            return first.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(60)), "no thumbnail within 60 s");
        var before = thumbnails.Decodes;

        // Several at once: one decode of that segment.
        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => host.Client.GetAsync($"api/v1/channels/{channel.Id}/thumbnail.jpg")));
        var etags = new List<string>();
        foreach (var response in responses)
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal("image/jpeg", response.Content.Headers.ContentType!.MediaType);
                var jpeg = await response.Content.ReadAsByteArrayAsync();
                Assert.Equal([0xFF, 0xD8, 0xFF], jpeg[..3]); // JPEG SOI and the next marker
                Assert.True(jpeg.Length > 1000, $"{jpeg.Length} bytes");
                etags.Add(response.Headers.ETag!.Tag);
            }
        }

        // The segment may change between two requests; never more decodes than new segments seen.
        Assert.InRange(thumbnails.Decodes - before, 0, etags.Distinct().Count());

        // The same segment again: 304.
        using var again = new HttpRequestMessage(HttpMethod.Get, $"api/v1/channels/{channel.Id}/thumbnail.jpg");
        again.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(etags[^1]));
        using var conditional = await host.Client.SendAsync(again);
        Assert.True(conditional.StatusCode is HttpStatusCode.NotModified or HttpStatusCode.OK, conditional.StatusCode.ToString());
        if (conditional.StatusCode == HttpStatusCode.OK)
        {
            Assert.NotEqual(etags[^1], conditional.Headers.ETag!.Tag); // a newer segment came meanwhile
        }
    }

    [Fact]
    public async Task A_channel_without_segments_answers_503_with_retry_after_and_an_unknown_one_404()
    {
        await host.Client.CreateRouterAsync("thumb-empty");

        using var empty = await host.Client.GetAsync("api/v1/channels/thumb-empty/thumbnail.jpg");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, empty.StatusCode);
        Assert.Equal("application/problem+json", empty.Content.Headers.ContentType!.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(2), empty.Headers.RetryAfter!.Delta);
        await host.Client.GetAsync("api/v1/channels/thumb-nowhere/thumbnail.jpg").ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task HLS_viewers_are_the_distinct_clients_that_loaded_a_playlist_lately()
    {
        using var channel = await LivePlainRtpChannel.StartAsync(host, "audience-live");

        foreach (var agent in (string[])["hls.js test viewer A", "hls.js test viewer B", "hls.js test viewer A"])
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, channel.PlaylistUrl);
            request.Headers.UserAgent.ParseAdd(agent);
            using var response = await host.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var stats = await host.Client.GetAsync($"api/webrtc/channels/{channel.Id}/stats").ExpectAsync(HttpStatusCode.OK);
        // Two agents here; the channel's own start-up check loaded the playlist as a third client.
        Assert.InRange(stats.GetProperty("data").GetProperty("hlsViewers").GetInt32(), 2, 3);
    }
}

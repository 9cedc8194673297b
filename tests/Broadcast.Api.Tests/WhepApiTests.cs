using System.Net;
using System.Text;
using Broadcast.Api.State;
using Broadcast.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Broadcast.Api.Tests;

public sealed class WhepApiTests(BroadcastHost host) : IClassFixture<BroadcastHost>
{
    // The shape of a Chrome 120 WHEP offer: two recvonly transceivers, media-level ICE and fingerprint, Chrome's own
    // payload types (H.264 under 102 with RTX 103, VP8 96) and extension ids (MID is 4 in audio, 9 in video).
    internal const string ChromeOffer = """
        v=0
        o=- 4611731400430051336 2 IN IP4 127.0.0.1
        s=-
        t=0 0
        a=group:BUNDLE 0 1
        a=extmap-allow-mixed
        a=msid-semantic: WMS
        m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 45 46
        c=IN IP4 0.0.0.0
        a=rtcp:9 IN IP4 0.0.0.0
        a=ice-ufrag:Tz1c
        a=ice-pwd:XQ0h2ZfRk9h+7Sw5nG9QxV1Y
        a=ice-options:trickle
        a=fingerprint:sha-256 0E:7A:3F:6C:61:2B:77:49:D7:9B:80:D5:1A:9A:0A:0F:4E:5F:4E:70:FA:0B:2C:8F:0D:6C:7A:43:1E:2A:62:11
        a=setup:actpass
        a=mid:0
        a=extmap:1 urn:ietf:params:rtp-hdrext:toffset
        a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
        a=extmap:3 urn:3gpp:video-orientation
        a=extmap:4 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01
        a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid
        a=recvonly
        a=rtcp-mux
        a=rtcp-rsize
        a=rtpmap:96 VP8/90000
        a=rtcp-fb:96 goog-remb
        a=rtcp-fb:96 transport-cc
        a=rtcp-fb:96 ccm fir
        a=rtcp-fb:96 nack
        a=rtcp-fb:96 nack pli
        a=rtpmap:97 rtx/90000
        a=fmtp:97 apt=96
        a=rtpmap:102 H264/90000
        a=rtcp-fb:102 goog-remb
        a=rtcp-fb:102 transport-cc
        a=rtcp-fb:102 ccm fir
        a=rtcp-fb:102 nack
        a=rtcp-fb:102 nack pli
        a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f
        a=rtpmap:103 rtx/90000
        a=fmtp:103 apt=102
        a=rtpmap:45 AV1/90000
        a=rtcp-fb:45 nack
        a=rtpmap:46 rtx/90000
        a=fmtp:46 apt=45
        m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8
        c=IN IP4 0.0.0.0
        a=rtcp:9 IN IP4 0.0.0.0
        a=ice-ufrag:Tz1c
        a=ice-pwd:XQ0h2ZfRk9h+7Sw5nG9QxV1Y
        a=ice-options:trickle
        a=fingerprint:sha-256 0E:7A:3F:6C:61:2B:77:49:D7:9B:80:D5:1A:9A:0A:0F:4E:5F:4E:70:FA:0B:2C:8F:0D:6C:7A:43:1E:2A:62:11
        a=setup:actpass
        a=mid:1
        a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level
        a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
        a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01
        a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid
        a=recvonly
        a=rtcp-mux
        a=rtcp-rsize
        a=rtpmap:111 opus/48000/2
        a=rtcp-fb:111 transport-cc
        a=fmtp:111 minptime=10;useinbandfec=1
        a=rtpmap:63 red/48000/2
        a=fmtp:63 111/111
        a=rtpmap:9 G722/8000
        a=rtpmap:0 PCMU/8000
        a=rtpmap:8 PCMA/8000
        """;

    private readonly HttpClient _client = host.Client;

    [Fact]
    public async Task A_Chrome_offer_gets_a_sendonly_answer_with_its_own_payload_types_our_ssrcs_and_one_media_stream()
    {
        var transport = await LiveChannelAsync("whep-chrome");

        using var response = await PostOfferAsync("whep-chrome", ChromeOffer);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/sdp", response.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("/whep/whep-chrome/", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.NotNull(response.Headers.ETag);
        var answer = await response.Content.ReadAsStringAsync();
        Assert.Contains("a=ice-lite", answer, StringComparison.Ordinal);
        Assert.Contains("a=group:BUNDLE 0", answer, StringComparison.Ordinal);
        Assert.Contains("a=setup:passive", answer, StringComparison.Ordinal);
        Assert.Contains("a=sendonly", answer, StringComparison.Ordinal);
        Assert.Contains("m=video 9 UDP/TLS/RTP/SAVPF 102 103", answer, StringComparison.Ordinal);
        Assert.Contains("a=fmtp:103 apt=102", answer, StringComparison.Ordinal);
        Assert.Contains("a=rtcp-fb:102 nack pli", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("transport-cc", answer, StringComparison.Ordinal);
        // Only the audio section has nothing to play (the channel has video only): port 0.
        Assert.Contains("m=audio 0 UDP/TLS/RTP/SAVPF", answer, StringComparison.Ordinal);
        // Chrome's extension ids differ from the router's: none is used, and Chrome finds the stream by its SSRC.
        Assert.DoesNotContain("a=extmap", answer, StringComparison.Ordinal);
        var ssrcLines = answer.Split("\r\n").Where(l => l.StartsWith("a=ssrc:", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, ssrcLines.Count); // cname and msid of the media SSRC and of its RTX
        Assert.Contains(answer.Split("\r\n"), l => l.StartsWith("a=ssrc-group:FID ", StringComparison.Ordinal));
        Assert.Contains("a=msid:broadcast-whep-chrome ", answer, StringComparison.Ordinal);

        var sessionId = response.Headers.Location!.OriginalString.Split('/')[^1];
        var session = await _client.GetAsync($"{ApiCalls.Mediasoup}/transport/{sessionId}").ExpectAsync(HttpStatusCode.OK);
        var consumerId = Assert.Single(session.GetProperty("consumerIds").EnumerateArray()).GetString();
        var consumer = await _client.GetAsync($"{ApiCalls.Mediasoup}/consumer/{consumerId}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("0", consumer.GetProperty("rtpParameters").GetProperty("mid").GetString());
        Assert.Equal(102, consumer.GetProperty("rtpParameters").GetProperty("codecs")[0].GetProperty("payloadType").GetInt32());
        Assert.False(consumer.GetProperty("paused").GetBoolean());
        Assert.NotEqual(transport, sessionId);

        using var ended = await _client.DeleteAsync(response.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
        await _client.GetAsync($"{ApiCalls.Mediasoup}/transport/{sessionId}").ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task When_the_publisher_leaves_the_session_ends()
    {
        await LiveChannelAsync("whep-leaving");
        using var response = await PostOfferAsync("whep-leaving", ChromeOffer);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var sessionId = response.Headers.Location!.OriginalString.Split('/')[^1];
        var router = await _client.GetAsync($"{ApiCalls.Mediasoup}/router/whep-leaving").ExpectAsync(HttpStatusCode.OK);

        foreach (var producer in router.GetProperty("producerIds").EnumerateArray())
        {
            using (await _client.DeleteAsync($"{ApiCalls.Mediasoup}/producer/{producer.GetString()}")) { }
        }

        Assert.True(await Eventually.TrueAsync(async () =>
        {
            using var read = await _client.GetAsync($"{ApiCalls.Mediasoup}/transport/{sessionId}");
            return read.StatusCode == HttpStatusCode.NotFound;
        }), "The WHEP session outlived its channel's producers.");
    }

    [Fact]
    public async Task A_channel_with_nothing_published_is_a_409_with_Retry_After()
    {
        await _client.CreateRouterAsync("whep-idle");

        using var idle = await PostOfferAsync("whep-idle", ChromeOffer);
        using var unknown = await PostOfferAsync("whep-nobody", ChromeOffer);

        Assert.Equal(HttpStatusCode.Conflict, idle.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), idle.Headers.RetryAfter!.Delta);
        Assert.Equal("application/problem+json", idle.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode); // neither defined nor live: as for HLS
    }

    [Fact]
    public async Task An_offer_the_channel_cannot_serve_is_a_422_saying_why_and_bad_requests_are_415_and_400()
    {
        await LiveChannelAsync("whep-vp8only");
        var vp8Only = ChromeOffer.Replace("96 97 102 103 45 46", "96 97", StringComparison.Ordinal);

        using var unplayable = await PostOfferAsync("whep-vp8only", vp8Only);
        using var text = await _client.PostAsync("/whep/whep-vp8only", new StringContent(ChromeOffer, Encoding.UTF8, "text/plain"));
        using var garbage = await PostOfferAsync("whep-vp8only", "hello");
        using var sendonly = await PostOfferAsync("whep-vp8only", ChromeOffer.Replace("a=recvonly", "a=sendonly", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, unplayable.StatusCode);
        Assert.Contains("video (mid 0)", await unplayable.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, sendonly.StatusCode);
        Assert.Contains("recvonly", await sendonly.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_advertises_application_sdp_and_PATCH_is_405()
    {
        using var options = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Options, "/whep/any"));
        using var patch = await _client.PatchAsync("/whep/any/session", new StringContent("a=candidate", Encoding.UTF8, "application/trickle-ice-sdpfrag"));

        Assert.Equal(HttpStatusCode.NoContent, options.StatusCode);
        Assert.Equal("application/sdp", options.Headers.GetValues("Accept-Post").Single());
        Assert.Equal("*", options.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal(HttpStatusCode.MethodNotAllowed, patch.StatusCode);
    }

    [Fact]
    public async Task A_channel_with_signed_HLS_needs_a_signed_query_for_WHEP_too()
    {
        var store = host.Services.GetRequiredService<IChannelStore>();
        var now = DateTimeOffset.UtcNow;
        await store.TryAddAsync(new ChannelDefinition("whep-sealed", ChannelSource.WebRtc, null, new ChannelHlsProfile(SignedUrls: true),
            ChannelRetentionSettings.Default, null, null, now, now));
        await LiveChannelAsync("whep-sealed");
        var signed = await _client.PostJsonAsync("api/v1/channels/whep-sealed/hls-url", "{}").ExpectAsync(HttpStatusCode.OK);
        var query = new Uri(new Uri("http://x"), signed.GetProperty("url").GetString()).Query;

        using var refused = await PostOfferAsync("whep-sealed", ChromeOffer);
        using var admitted = await PostOfferAsync("whep-sealed" + query, ChromeOffer);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Created, admitted.StatusCode);
    }

    /// <summary>A router with a plain-RTP H.264 producer; returns the plain transport's id.</summary>
    private async Task<string> LiveChannelAsync(string channelId)
    {
        await _client.CreateRouterAsync(channelId);
        var plain = await _client.CreatePlainTransportAsync(channelId, """{ "comedia": true }""");
        await _client.CreateProducerAsync(plain.Id(), ProducerBodies.H264WithRtx(4242));
        return plain.Id();
    }

    private Task<HttpResponseMessage> PostOfferAsync(string path, string sdp) =>
        _client.PostAsync($"/whep/{path}", new StringContent(sdp.ReplaceLineEndings("\r\n"), Encoding.UTF8, "application/sdp"));
}

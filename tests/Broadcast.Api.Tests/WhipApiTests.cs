using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Broadcast.Testing;

namespace Broadcast.Api.Tests;

public sealed class WhipApiTests(BroadcastHost host) : IClassFixture<BroadcastHost>
{
    // The shape of an OBS Studio 30 offer (libdatachannel): session-level ICE, fingerprint and setup, a 4-character
    // ufrag, a=group:LS, H.264 labelled 42e01f, no RTX, no extmap, one SSRC per track.
    internal const string ObsOffer = """
        v=0
        o=rtc 3722614224 0 IN IP4 127.0.0.1
        s=-
        t=0 0
        a=group:BUNDLE 0 1
        a=group:LS 0 1
        a=msid-semantic:WMS *
        a=setup:actpass
        a=ice-ufrag:Kx3a
        a=ice-pwd:9hCc9pK8bDtwzWLWuJwRLG
        a=ice-options:ice2,trickle
        a=fingerprint:sha-256 6A:4E:45:17:AE:2B:77:49:D7:9B:80:D5:1A:9A:0A:0F:4E:5F:4E:70:FA:0B:2C:8F:0D:6C:7A:43:1E:2A:62:11
        m=audio 63441 UDP/TLS/RTP/SAVPF 111
        c=IN IP4 127.0.0.1
        a=mid:0
        a=sendonly
        a=ssrc:1505338180 cname:aCtCaaNZCeT4ZlOA
        a=ssrc:1505338180 msid:obs obs-audio
        a=rtcp-mux
        a=rtpmap:111 opus/48000/2
        a=fmtp:111 minptime=10;maxaveragebitrate=96000;stereo=1;sprop-stereo=1;useinbandfec=1
        a=candidate:1 1 UDP 2122317823 127.0.0.1 63441 typ host
        m=video 63441 UDP/TLS/RTP/SAVPF 96
        c=IN IP4 127.0.0.1
        a=mid:1
        a=sendonly
        a=ssrc:1505338181 cname:aCtCaaNZCeT4ZlOA
        a=ssrc:1505338181 msid:obs obs-video
        a=rtcp-mux
        a=rtpmap:96 H264/90000
        a=rtcp-fb:96 nack
        a=rtcp-fb:96 nack pli
        a=rtcp-fb:96 goog-remb
        a=fmtp:96 profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1
        """;

    private readonly HttpClient _client = host.Client;

    [Fact]
    public async Task An_OBS_shaped_offer_gets_an_ice_lite_answer_and_becomes_two_producers_by_ssrc()
    {
        using var response = await PostOfferAsync("whip-obs", ObsOffer);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/sdp", response.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("/whip/whip-obs/", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.NotNull(response.Headers.ETag);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var answer = await response.Content.ReadAsStringAsync();
        Assert.Contains("a=ice-lite", answer, StringComparison.Ordinal);
        Assert.Contains("a=group:BUNDLE 0 1", answer, StringComparison.Ordinal);
        Assert.Contains("a=setup:passive", answer, StringComparison.Ordinal);
        Assert.Contains("a=recvonly", answer, StringComparison.Ordinal);
        Assert.Contains("m=audio 9 UDP/TLS/RTP/SAVPF 111", answer, StringComparison.Ordinal);
        Assert.Contains("m=video 9 UDP/TLS/RTP/SAVPF 96", answer, StringComparison.Ordinal);
        Assert.Contains("a=rtcp-fb:96 nack pli", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("transport-cc", answer, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1 {host.MinPort} typ host", answer, StringComparison.Ordinal);
        Assert.Contains("a=end-of-candidates", answer, StringComparison.Ordinal);

        var router = await _client.GetAsync($"{ApiCalls.Mediasoup}/router/whip-obs").ExpectAsync(HttpStatusCode.OK);
        var producerIds = router.GetProperty("producerIds").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Equal(2, producerIds.Count);
        var ssrcs = new List<long>();
        foreach (var id in producerIds)
        {
            var producer = await _client.GetAsync($"{ApiCalls.Mediasoup}/producer/{id}").ExpectAsync(HttpStatusCode.OK);
            ssrcs.Add(producer.GetProperty("rtpParameters").GetProperty("encodings")[0].GetProperty("ssrc").GetInt64());
        }

        Assert.Equal([1505338180L, 1505338181L], ssrcs.Order());
    }

    [Fact]
    public async Task Deleting_the_session_url_ends_it_and_patch_is_405()
    {
        using var created = await PostOfferAsync("whip-delete", ObsOffer);
        var session = created.Headers.Location!.OriginalString;

        using var patch = await _client.PatchAsync(session, new StringContent("a=ice-ufrag:x", Encoding.UTF8, "application/trickle-ice-sdpfrag"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, patch.StatusCode);

        using var deleted = await _client.DeleteAsync(session);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        var router = await _client.GetAsync($"{ApiCalls.Mediasoup}/router/whip-delete").ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(router.GetProperty("producerIds").EnumerateArray());
        using var again = await _client.DeleteAsync(session);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task A_preflight_is_answered_with_the_whip_cors_headers()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "whip/whip-cors");
        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Contains("POST", response.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
        Assert.Contains("Location", response.Headers.GetValues("Access-Control-Expose-Headers").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_offer_with_another_content_type_is_415()
    {
        using var response = await _client.PostAsync("whip/whip-415", new StringContent(ObsOffer, Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Theory]
    [InlineData("not an sdp")]
    [InlineData("v=0\r\ns=-\r\n")]
    public async Task A_malformed_offer_is_a_400(string offer)
    {
        using var response = await PostOfferAsync("whip-400", offer);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task An_offer_without_an_acceptable_codec_is_422_naming_why()
    {
        var av1Only = ObsOffer.Replace("m=video 63441 UDP/TLS/RTP/SAVPF 96", "m=video 63441 UDP/TLS/RTP/SAVPF 45", StringComparison.Ordinal)
            .Replace("a=rtpmap:96 H264/90000", "a=rtpmap:45 AV1/90000", StringComparison.Ordinal)
            .Replace("m=audio 63441 UDP/TLS/RTP/SAVPF 111", "m=audio 63441 UDP/TLS/RTP/SAVPF 9", StringComparison.Ordinal)
            .Replace("a=rtpmap:111 opus/48000/2", "a=rtpmap:9 G722/8000", StringComparison.Ordinal);

        using var response = await PostOfferAsync("whip-422", av1Only);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("H264", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_WHIP_publisher_to_a_defined_channel_gets_a_router_with_the_channels_hls_profile()
    {
        await _client.PostJsonAsync("api/v1/channels", """{ "channel_id": "whip-defined", "hls": { "segmentSeconds": 3, "playlistSize": 5 } }""")
            .ExpectAsync(HttpStatusCode.Created);

        using var response = await PostOfferAsync("whip-defined", ObsOffer);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var hls = await _client.GetAsync("api/v1/channels/whip-defined/hls").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal((3.0, 5), (hls.GetProperty("segmentSeconds").GetDouble(), hls.GetProperty("playlistSize").GetInt32()));
        var channel = await _client.GetAsync("api/v1/channels/whip-defined").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(("webrtc", "publishing"), (channel.GetProperty("source").GetString(), channel.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task A_WHIP_offer_to_a_camera_channel_is_a_conflict()
    {
        await _client.PostJsonAsync("api/v1/channels", """{ "channel_id": "whip-camera", "rtsp": { "url": "rtsp://127.0.0.1:1/x" } }""")
            .ExpectAsync(HttpStatusCode.Created);

        await PostOfferAsync("whip-camera", ObsOffer).ExpectProblemAsync(HttpStatusCode.Conflict);
    }

    private Task<HttpResponseMessage> PostOfferAsync(string channel, string sdp)
    {
        var content = new StringContent(sdp.Replace("\n", "\r\n", StringComparison.Ordinal), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/sdp");
        return _client.PostAsync($"whip/{channel}", content);
    }
}

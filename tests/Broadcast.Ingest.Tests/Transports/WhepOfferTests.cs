using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Transports.Whep;

namespace Broadcast.Ingest.Tests.Transports;

public sealed class WhepOfferTests
{
    private static readonly RtpCapabilities Router = Ortc.GenerateRouterRtpCapabilities(SupportedRtpCapabilities.DefaultMediaCodecs);

    // A Firefox-shaped recvonly offer: session-level fingerprint, H.264 under 126 with RTX 127, VP8 120, opus 109,
    // MID as extension 1 in video (the router's id) and 3 in audio (not the router's), and a second video section.
    private const string Offer = """
        v=0
        o=mozilla...THIS_IS_SDPARTA-99.0 1 0 IN IP4 0.0.0.0
        s=-
        t=0 0
        a=fingerprint:sha-256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89
        a=group:BUNDLE 0 1 2
        a=ice-options:trickle
        a=msid-semantic:WMS *
        m=video 9 UDP/TLS/RTP/SAVPF 120 126 127
        c=IN IP4 0.0.0.0
        a=recvonly
        a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid
        a=extmap:4 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
        a=fmtp:126 profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1
        a=fmtp:127 apt=126
        a=ice-pwd:4a1b2c3d4e5f60718293a4b5c6d7e8f9
        a=ice-ufrag:f00dbabe
        a=mid:0
        a=rtcp-fb:126 nack
        a=rtcp-fb:126 nack pli
        a=rtcp-fb:126 ccm fir
        a=rtcp-fb:126 goog-remb
        a=rtcp-mux
        a=rtpmap:120 VP8/90000
        a=rtpmap:126 H264/90000
        a=rtpmap:127 rtx/90000
        a=setup:actpass
        m=audio 9 UDP/TLS/RTP/SAVPF 109
        c=IN IP4 0.0.0.0
        a=recvonly
        a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid
        a=ice-pwd:4a1b2c3d4e5f60718293a4b5c6d7e8f9
        a=ice-ufrag:f00dbabe
        a=mid:1
        a=rtcp-mux
        a=rtpmap:109 opus/48000/2
        a=setup:actpass
        m=video 9 UDP/TLS/RTP/SAVPF 120
        c=IN IP4 0.0.0.0
        a=recvonly
        a=ice-pwd:4a1b2c3d4e5f60718293a4b5c6d7e8f9
        a=ice-ufrag:f00dbabe
        a=mid:2
        a=rtpmap:120 VP8/90000
        a=setup:actpass
        """;

    [Fact]
    public void Codecs_are_matched_to_the_routers_payload_types_and_mapped_back_to_the_offers()
    {
        var offer = WhepOffer.Parse(Offer, Router);

        Assert.Equal("f00dbabe", offer.IceUsernameFragment);
        Assert.Equal("sha-256", offer.Dtls.Fingerprints[0].Algorithm);
        var video = offer.Sections[0];
        Assert.Equal(("video", "0"), (video.Kind, video.Mid));
        var h264 = video.Capabilities!.Codecs.Single(c => c.MimeType == "video/H264");
        var routerH264 = Router.Codecs.First(c => c.MimeType == "video/H264");
        Assert.Equal(routerH264.PreferredPayloadType, h264.PreferredPayloadType);
        Assert.Equal(126, video.PayloadTypes[h264.PreferredPayloadType!.Value]);
        Assert.Contains(h264.RtcpFeedback, f => f.Type == "nack" && f.Parameter == "pli");
        var rtx = video.Capabilities.Codecs.Single(c => Ortc.IsRtx(c.MimeType));
        Assert.Equal(127, video.PayloadTypes[rtx.PreferredPayloadType!.Value]);
        var vp8 = video.Capabilities.Codecs.Single(c => c.MimeType == "video/VP8");
        Assert.Equal(120, video.PayloadTypes[vp8.PreferredPayloadType!.Value]);
        // Extension ids stay the offer's: MID 1 and abs-send-time 4 agree with the router, audio's MID 3 does not.
        Assert.Equal([(RtpHeaderExtensionUri.Mid, 1), (RtpHeaderExtensionUri.AbsSendTime, 4)],
            video.Capabilities.HeaderExtensions.Select(e => (e.Uri, e.PreferredId)));
        Assert.Equal(3, offer.Sections[1].Capabilities!.HeaderExtensions.Single().PreferredId);
    }

    [Fact]
    public void A_second_section_of_a_kind_and_a_sendonly_section_are_rejected_with_a_reason()
    {
        var offer = WhepOffer.Parse(Offer, Router);
        var sendonly = WhepOffer.Parse(Offer.Replace("a=mid:1\n", "a=mid:1\na=sendonly\n", StringComparison.Ordinal).Replace("m=audio 9 UDP/TLS/RTP/SAVPF 109\nc=IN IP4 0.0.0.0\na=recvonly", "m=audio 9 UDP/TLS/RTP/SAVPF 109\nc=IN IP4 0.0.0.0", StringComparison.Ordinal), Router);

        Assert.Null(offer.Sections[2].Capabilities);
        Assert.Contains("one video track", offer.Sections[2].Rejection, StringComparison.Ordinal);
        Assert.Equal([120], offer.Sections[2].OfferedPayloadTypes);
        Assert.Null(sendonly.Sections[1].Capabilities);
        Assert.Contains("recvonly", sendonly.Sections[1].Rejection, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not sdp at all")]
    [InlineData("v=0\r\ns=-\r\n")]
    public void Something_that_is_not_an_offer_is_a_field_error(string sdp) =>
        Assert.Equal("sdp", Assert.Throws<InvalidFieldException>(() => WhepOffer.Parse(sdp, Router)).Field);

    [Theory]
    [InlineData("passive", "DTLS client")]
    [InlineData("holdconn", "actpass or active")]
    public void An_offer_that_would_make_the_server_the_DTLS_client_is_a_field_error(string setup, string expected)
    {
        var error = Assert.Throws<InvalidFieldException>(() =>
            WhepOffer.Parse(WhepFixtures.Chrome.Replace("a=setup:actpass", $"a=setup:{setup}", StringComparison.Ordinal), Router));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_offer_that_takes_the_DTLS_client_role_is_accepted() =>
        Assert.Equal("client", WhepOffer.Parse(WhepFixtures.Chrome.Replace("a=setup:actpass", "a=setup:active", StringComparison.Ordinal), Router).Dtls.Role);

    [Fact]
    public void Two_servable_sections_without_BUNDLE_are_a_field_error_one_is_served_alone()
    {
        var unbundled = WhepFixtures.Chrome.Replace("a=group:BUNDLE 0 1\n", "", StringComparison.Ordinal);
        var videoOnly = unbundled[..unbundled.IndexOf("m=audio", StringComparison.Ordinal)];

        var error = Assert.Throws<InvalidFieldException>(() => WhepOffer.Parse(unbundled, Router));
        var alone = WhepOffer.Parse(videoOnly, Router);

        Assert.Contains("BUNDLE", error.Message, StringComparison.Ordinal);
        Assert.NotNull(Assert.Single(alone.Sections).Capabilities);
        Assert.Empty(alone.BundleMids);
    }

    [Fact]
    public void A_section_outside_the_BUNDLE_group_or_without_rtcp_mux_is_rejected_with_a_reason()
    {
        var outside = WhepOffer.Parse(WhepFixtures.Chrome.Replace("a=group:BUNDLE 0 1", "a=group:BUNDLE 0", StringComparison.Ordinal), Router);
        var audioStart = WhepFixtures.Chrome.IndexOf("m=audio", StringComparison.Ordinal);
        var noMux = WhepOffer.Parse(WhepFixtures.Chrome[..audioStart] + WhepFixtures.Chrome[audioStart..].Replace("a=rtcp-mux\n", "", StringComparison.Ordinal), Router);

        Assert.NotNull(outside.Sections[0].Capabilities);
        Assert.Null(outside.Sections[1].Capabilities);
        Assert.Contains("BUNDLE", outside.Sections[1].Rejection, StringComparison.Ordinal);
        Assert.NotNull(noMux.Sections[0].Capabilities);
        Assert.Null(noMux.Sections[1].Capabilities);
        Assert.Contains("a=rtcp-mux", noMux.Sections[1].Rejection, StringComparison.Ordinal);
    }

    [Fact]
    public void A_port_0_section_with_bundle_only_is_live_and_one_without_it_is_not()
    {
        var gstreamer = WhepOffer.Parse(WhepFixtures.GStreamer, Router);
        var disabled = WhepOffer.Parse(WhepFixtures.GStreamer.Replace("a=bundle-only\n", "", StringComparison.Ordinal), Router);

        Assert.Equal(["audio0", "video1"], gstreamer.BundleMids);
        Assert.All(gstreamer.Sections, s => Assert.NotNull(s.Capabilities));
        Assert.Contains(102, gstreamer.Sections[1].PayloadTypes.Values);
        Assert.Null(disabled.Sections[1].Capabilities);
    }

    [Fact]
    public void An_offer_without_a_fingerprint_is_a_field_error()
    {
        var error = Assert.Throws<InvalidFieldException>(() => WhepOffer.Parse(Offer.Replace("a=fingerprint:", "a=x-fingerprint:", StringComparison.Ordinal), Router));
        Assert.Contains("fingerprint", error.Message, StringComparison.Ordinal);
    }
}

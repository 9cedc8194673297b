using Broadcast.Ingest.Protocols.Sdp;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Transports;
using Broadcast.Ingest.Transports.Whep;

namespace Broadcast.Ingest.Tests.Transports;

/// <summary>
/// Players' offers through the whole pure path: the offer against the router's capabilities, the consumer's
/// parameters as <see cref="Transport.ConsumeAsync(ConsumeOptions)"/> derives them (ORTC, then the offer's payload
/// types), and the answer, read back with our SDP parser.
/// </summary>
public sealed class WhepAnswerTests
{
    private const string StreamId = "broadcast-lobby";

    private static readonly RtpCapabilities DefaultRouter = Ortc.GenerateRouterRtpCapabilities(SupportedRtpCapabilities.DefaultMediaCodecs);

    private static readonly IceParameters Ice = new("srvufrag", "serverpassword0123456789");
    private static readonly DtlsParameters Dtls = new("auto", [new DtlsFingerprintParameters("sha-256", "AA:BB:CC")]);
    private static readonly IceCandidate[] Candidates = [new("udpcandidate", 1076302079, "192.0.2.10", "192.0.2.10", "udp", 40000)];

    [Fact]
    public void A_Chrome_offer_is_answered_with_its_H264_and_Opus_payload_types_RTX_in_an_FID_group_and_one_media_stream()
    {
        var offer = WhepOffer.Parse(WhepFixtures.Chrome, DefaultRouter);
        var video = Track(offer.Sections[0], "video-consumer", H264("42e01f"), DefaultRouter);
        var audio = Track(offer.Sections[1], "audio-consumer", Opus(), DefaultRouter);

        var answer = Answer(offer, video, audio);

        Assert.Equal("BUNDLE 0 1", answer.Attributes.Single(a => a.Key == "group").Value);
        Assert.Contains(answer.Attributes, a => a.Key == "ice-lite");
        var (m0, m1) = (answer.Media[0], answer.Media[1]);
        // Chrome's Constrained Baseline in packetization-mode 1 is 108 with RTX 109; 102 (Baseline) is not the router's.
        Assert.Equal(("video", 9), (m0.Media, m0.Port));
        Assert.Equal([108, 109], m0.Formats);
        Assert.Equal("rtx", m0.GetRtpMap(109)!.EncodingName);
        Assert.Equal("108", m0.GetFormatParameters(109).Get("apt"));
        Assert.Equal("42e01f", m0.GetFormatParameters(108).Get("profile-level-id"));
        Assert.Equal(["nack", "nack pli", "ccm fir", "goog-remb"], Values(m0, "rtcp-fb").Select(v => v["108 ".Length..]));
        Assert.Equal(("audio", 9), (m1.Media, m1.Port));
        Assert.Equal([111], m1.Formats);
        Assert.Equal("opus", m1.GetRtpMap(111)!.EncodingName);
        foreach (var media in answer.Media)
        {
            Assert.NotNull(media.Attribute("sendonly"));
            Assert.NotNull(media.Attribute("rtcp-mux"));
            Assert.NotNull(media.Attribute("rtcp-rsize"));
            Assert.Null(media.Attribute("rtcp-mux-only")); // RFC 8858 §4.3: offers only
            Assert.Equal("passive", media.Attribute("setup"));
            Assert.Equal("srvufrag", media.Attribute("ice-ufrag"));
            Assert.Equal("udpcandidate 1 udp 1076302079 192.0.2.10 40000 typ host", media.Attribute("candidate"));
            Assert.NotNull(media.Attribute("end-of-candidates"));
            // Chrome's MID (9) and abs-send-time (2) ids are not the router's: no extension, streams found by SSRC.
            Assert.Empty(Values(media, "extmap"));
        }

        // One MediaStream: the same msid stream id in both sections, each with its own track.
        Assert.Equal($"{StreamId} video-consumer", m0.Attribute("msid"));
        Assert.Equal($"{StreamId} audio-consumer", m1.Attribute("msid"));
        var encoding = video.RtpParameters.Encodings[0];
        Assert.Equal($"FID {encoding.Ssrc} {encoding.Rtx!.Ssrc}", m0.Attribute("ssrc-group"));
        Assert.Equal(
            [$"{encoding.Ssrc} cname:publisher", $"{encoding.Ssrc} msid:{StreamId} video-consumer",
             $"{encoding.Rtx.Ssrc} cname:publisher", $"{encoding.Rtx.Ssrc} msid:{StreamId} video-consumer"],
            Values(m0, "ssrc"));
        Assert.Null(m1.Attribute("ssrc-group"));
        Assert.Equal(2, Values(m1, "ssrc").Count);
    }

    [Theory]
    [InlineData("VP8", null, 96)]
    [InlineData("H264", "4d001f", 116)] // Main, mode 1
    [InlineData("H264", "f4001f", 41)] // High 4:4:4 Predictive, mode 1
    [InlineData("VP9", null, 98)] // profile-id 0, not Chrome's 100 (profile 2), 35 (1) or 37 (3)
    public void A_Chrome_offer_gets_the_payload_type_it_gave_the_publishers_codec_and_profile(string codec, string? profile, int expected)
    {
        var router = Ortc.GenerateRouterRtpCapabilities([.. SupportedRtpCapabilities.CameraMediaCodecs,
            new RtpCodecCapability { Kind = MediaKinds.Video, MimeType = "video/VP8", ClockRate = 90000 },
            new RtpCodecCapability { Kind = MediaKinds.Video, MimeType = "video/VP9", ClockRate = 90000 }]);
        var offer = WhepOffer.Parse(WhepFixtures.Chrome, router);
        var producer = codec == "H264" ? H264(profile!) : Video(codec);

        var track = Track(offer.Sections[0], "v", producer, router);

        Assert.Equal(expected, track.RtpParameters.Codecs[0].PayloadType);
        Assert.Equal(expected, CodecParameters.GetInteger(track.RtpParameters.Codecs[1].Parameters, "apt", -1));
        Assert.Equal(expected, Answer(offer, track).Media[0].Formats[0]);
    }

    [Fact]
    public void A_Firefox_offer_keeps_H264_in_packetization_mode_1_and_the_one_extension_id_that_agrees_with_the_router()
    {
        var offer = WhepOffer.Parse(WhepFixtures.Firefox, DefaultRouter);
        var video = Track(offer.Sections[0], "v", H264("42e01f"), DefaultRouter);
        var audio = Track(offer.Sections[1], "a", Opus(), DefaultRouter);

        var answer = Answer(offer, video, audio);

        Assert.Equal("7e1c2a9d", offer.IceUsernameFragment);
        Assert.Equal([126, 127], answer.Media[0].Formats); // not 97/98, mode 0
        // abs-send-time is 4 for Firefox and the router; MID is 3 for Firefox and 1 for the router: left out.
        Assert.Equal(["4 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"], Values(answer.Media[0], "extmap"));
        Assert.Equal([109], answer.Media[1].Formats);
        Assert.Empty(Values(answer.Media[1], "extmap"));
        Assert.Equal("sha-256 AA:BB:CC", answer.Media[1].Attribute("fingerprint"));
    }

    [Fact]
    public void A_GStreamer_max_bundle_offer_has_its_bundle_only_video_section_served()
    {
        var offer = WhepOffer.Parse(WhepFixtures.GStreamer, DefaultRouter);
        var audio = Track(offer.Sections[0], "a", Opus(), DefaultRouter);
        var video = Track(offer.Sections[1], "v", H264("42e01f"), DefaultRouter);

        var answer = Answer(offer, audio, video);

        Assert.Equal(("audio0", "video1"), (offer.Sections[0].Mid, offer.Sections[1].Mid));
        Assert.Null(offer.Sections[1].Rejection);
        Assert.Equal("BUNDLE audio0 video1", answer.Attributes.Single(a => a.Key == "group").Value);
        Assert.Equal(("audio", 9), (answer.Media[0].Media, answer.Media[0].Port));
        Assert.Equal([111], answer.Media[0].Formats);
        Assert.Equal("opus", answer.Media[0].GetRtpMap(111)!.EncodingName, ignoreCase: true); // RFC 4855: names compare case-insensitively
        // No RTX offered: none answered, no FID group; NACK is answered by resending the packet itself.
        Assert.Equal(("video", 9), (answer.Media[1].Media, answer.Media[1].Port));
        Assert.Equal([102], answer.Media[1].Formats);
        Assert.Null(answer.Media[1].Attribute("ssrc-group"));
        Assert.Contains("102 nack", Values(answer.Media[1], "rtcp-fb"));
        Assert.Equal("video1", video.RtpParameters.Mid);
    }

    [Fact]
    public void A_section_without_a_consumer_is_answered_with_port_0_outside_the_bundle()
    {
        var offer = WhepOffer.Parse(WhepFixtures.Chrome, DefaultRouter);
        var video = Track(offer.Sections[0], "v", Video("VP8"), DefaultRouter);

        var answer = Answer(offer, video);

        Assert.Equal("BUNDLE 0", answer.Attributes.Single(a => a.Key == "group").Value);
        var audio = answer.Media[1];
        Assert.Equal((0, "1"), (audio.Port, audio.Attribute("mid")));
        Assert.NotNull(audio.Attribute("inactive"));
        Assert.Null(audio.Attribute("ssrc"));
    }

    /// <summary>The consumer's parameters for a section, derived as Transport.Consume does it.</summary>
    private static WhepTrack Track(WhepMediaSection section, string consumerId, (string Kind, RtpParameters Parameters) producer, RtpCapabilities router)
    {
        var mapping = Ortc.GetProducerRtpParametersMapping(producer.Parameters, router);
        var consumable = Ortc.GetConsumableRtpParameters(producer.Kind, producer.Parameters, router, mapping);
        Assert.True(Ortc.CanConsume(consumable, section.Capabilities!), section.Rejection);
        var parameters = Ortc.WithPayloadTypes(Ortc.GetConsumerRtpParameters(consumable, section.Capabilities!), section.PayloadTypes);
        return new WhepTrack(consumerId, parameters with { Mid = section.Mid });
    }

    private static SessionDescription Answer(WhepOffer offer, params WhepTrack[] tracks)
    {
        var byIndex = tracks.ToDictionary(t => offer.Sections.Single(s => s.Mid == t.RtpParameters.Mid).Index);
        var text = WhepAnswer.Write(offer, byIndex, StreamId, Ice, Dtls, Candidates, sessionId: 42);
        Assert.DoesNotContain("\n", text.Replace("\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.True(SessionDescription.TryParse(text, out var answer));
        return answer;
    }

    private static List<string> Values(MediaDescription media, string name) =>
        [.. media.Attributes.Where(a => a.Key == name).Select(a => a.Value)];

    private static (string, RtpParameters) H264(string profileLevelId) => (MediaKinds.Video, new RtpParameters
    {
        Codecs =
        [
            new RtpCodecParameters
            {
                MimeType = "video/H264", PayloadType = 96, ClockRate = 90000,
                Parameters = CodecParameters.Of(("packetization-mode", 1), ("profile-level-id", profileLevelId)),
            },
        ],
        Encodings = [new RtpEncodingParameters { Ssrc = 1111 }],
        Rtcp = new RtcpParameters { Cname = "publisher" },
    });

    private static (string, RtpParameters) Video(string codec) => (MediaKinds.Video, new RtpParameters
    {
        Codecs = [new RtpCodecParameters { MimeType = $"video/{codec}", PayloadType = 96, ClockRate = 90000 }],
        Encodings = [new RtpEncodingParameters { Ssrc = 2222 }],
        Rtcp = new RtcpParameters { Cname = "publisher" },
    });

    private static (string, RtpParameters) Opus() => (MediaKinds.Audio, new RtpParameters
    {
        Codecs = [new RtpCodecParameters { MimeType = "audio/opus", PayloadType = 100, ClockRate = 48000, Channels = 2 }],
        Encodings = [new RtpEncodingParameters { Ssrc = 3333 }],
        Rtcp = new RtcpParameters { Cname = "publisher" },
    });
}

using Broadcast.Ingest.Routing;

namespace Broadcast.Ingest.Tests.Routing;

public sealed class OrtcTests
{
    private static readonly RtpCapabilities RouterCaps =
        Ortc.GenerateRouterRtpCapabilities(SupportedRtpCapabilities.DefaultMediaCodecs);

    [Fact]
    public void Router_capabilities_list_H264_first_then_VP8_then_Opus_with_an_rtx_after_each_video_codec()
    {
        var codecs = RouterCaps.Codecs;
        Assert.Equal(["video/H264", "video/rtx", "video/VP8", "video/rtx", "audio/opus"], codecs.Select(c => c.MimeType));
        Assert.Equal([100, 101, 102, 103, 104], codecs.Select(c => c.PreferredPayloadType!.Value));
        Assert.Equal(100L, codecs[1].Parameters["apt"]);
        Assert.Equal(102L, codecs[3].Parameters["apt"]);
        Assert.Equal(1L, codecs[0].Parameters["packetization-mode"]);
        Assert.Equal("42e01f", codecs[0].Parameters["profile-level-id"]);
        Assert.Equal(2, codecs[4].Channels);
        Assert.Null(codecs[0].Channels);
    }

    [Fact]
    public void Router_capabilities_offer_no_video_orientation_and_no_transport_cc()
    {
        Assert.DoesNotContain(RouterCaps.HeaderExtensions, e => e.Uri.Contains("video-orientation", StringComparison.Ordinal));
        Assert.DoesNotContain(RouterCaps.HeaderExtensions, e => e.Uri.Contains("transport-wide-cc", StringComparison.Ordinal));
        Assert.DoesNotContain(RouterCaps.Codecs.SelectMany(c => c.RtcpFeedback), f => f.Type == "transport-cc");
        Assert.Contains(RouterCaps.HeaderExtensions, e => e.Uri == RtpHeaderExtensionUri.Mid && e.Kind == "audio");
        Assert.Contains(RouterCaps.HeaderExtensions, e => e.Uri == RtpHeaderExtensionUri.Mid && e.Kind == "video");
    }

    public static TheoryData<string, string, int, int?, string?> CameraCodecs => new()
    {
        // description, MIME type, clock rate, channels, profile-level-id
        { "H.264 constrained baseline", "video/H264", 90000, null, "42c01e" },
        { "H.264 main", "video/H264", 90000, null, "4d4028" },
        { "H.264 high", "video/H264", 90000, null, "640032" },
        { "H.264 without profile-level-id", "video/H264", 90000, null, null },
        { "H.265", "video/H265", 90000, null, null },
        { "AAC 48 kHz stereo", "audio/MPEG4-GENERIC", 48000, 2, null },
        { "AAC 16 kHz mono", "audio/MPEG4-GENERIC", 16000, 1, null },
        { "Opus", "audio/OPUS", 48000, 2, null },
        { "PCMU", "audio/PCMU", 8000, 1, null },
        { "PCMA", "audio/PCMA", 8000, null, null },
    };

    [Theory]
    [MemberData(nameof(CameraCodecs))]
    public void A_camera_router_accepts_what_ip_cameras_send(string description, string mimeType, int clockRate, int? channels, string? profile)
    {
        var caps = Ortc.GenerateRouterRtpCapabilities(SupportedRtpCapabilities.CameraMediaCodecs);
        var parameters = new RtpParameters
        {
            Codecs =
            [
                new RtpCodecParameters
                {
                    MimeType = mimeType, PayloadType = 96, ClockRate = clockRate, Channels = channels,
                    Parameters = profile is null ? CodecParameters.Of(("packetization-mode", 1)) : CodecParameters.Of(("packetization-mode", 1), ("profile-level-id", profile)),
                },
            ],
            Encodings = [new RtpEncodingParameters { Ssrc = 1 }],
        };

        var mapping = Ortc.GetProducerRtpParametersMapping(parameters, caps);
        var consumable = Ortc.GetConsumableRtpParameters(MediaKinds.FromMimeType(mimeType)!, parameters, caps, mapping);

        Assert.Equal(clockRate, consumable.Codecs[0].ClockRate);
        Assert.True(consumable.Codecs[0].MimeType.Equals(mimeType, StringComparison.OrdinalIgnoreCase), description);
        Assert.Contains(caps.Codecs, c => c.PreferredPayloadType == 0 && c.MimeType == "audio/PCMU");
    }

    [Fact]
    public void A_duplicate_preferred_payload_type_is_rejected()
    {
        var codecs = new List<RtpCodecCapability>
        {
            new() { MimeType = "audio/opus", ClockRate = 48000, Channels = 2, PreferredPayloadType = 111 },
            new() { MimeType = "video/VP8", ClockRate = 90000, PreferredPayloadType = 111 },
        };
        var error = Assert.Throws<InvalidFieldException>(() => Ortc.GenerateRouterRtpCapabilities(codecs));
        Assert.Equal("mediaCodecs[1].preferredPayloadType", error.Field);
    }

    [Fact]
    public void Chrome_H264_parameters_map_to_the_router_payload_types_including_rtx()
    {
        var parameters = ChromeH264();
        var mapping = Ortc.GetProducerRtpParametersMapping(parameters, RouterCaps);
        Assert.Contains(new RtpCodecMapping(102, 100), mapping.Codecs);
        Assert.Contains(new RtpCodecMapping(103, 101), mapping.Codecs);
        var encoding = Assert.Single(mapping.Encodings);
        Assert.Equal(1234567890u, encoding.Ssrc);
        Assert.NotEqual(0u, encoding.MappedSsrc);
    }

    [Fact]
    public void Constrained_baseline_and_baseline_H264_do_not_match_but_levels_may_differ()
    {
        var baseline = ChromeH264() with { Codecs = [ChromeH264().Codecs[0] with { Parameters = CodecParameters.Of(("packetization-mode", 1), ("profile-level-id", "42001f")) }] };
        var error = Assert.Throws<UnsupportedCodecException>(() => Ortc.GetProducerRtpParametersMapping(baseline, RouterCaps));
        Assert.Equal("rtpParameters.codecs[0]", error.Field);
        Assert.Contains("42001f", error.Message, StringComparison.Ordinal);

        var otherLevel = ChromeH264() with { Codecs = [ChromeH264().Codecs[0] with { Parameters = CodecParameters.Of(("packetization-mode", 1), ("profile-level-id", "42e034")) }] };
        Assert.Single(Ortc.GetProducerRtpParametersMapping(otherLevel, RouterCaps).Codecs);
    }

    [Fact]
    public void Packetization_mode_zero_does_not_match_the_router_H264()
    {
        var mode0 = ChromeH264() with { Codecs = [ChromeH264().Codecs[0] with { Parameters = CodecParameters.Of(("profile-level-id", "42e01f")) }] };
        Assert.Throws<UnsupportedCodecException>(() => Ortc.GetProducerRtpParametersMapping(mode0, RouterCaps));
    }

    [Fact]
    public void Opus_with_one_channel_does_not_match_the_router_opus()
    {
        var mono = new RtpParameters
        {
            Codecs = [new RtpCodecParameters { MimeType = "audio/opus", PayloadType = 111, ClockRate = 48000, Channels = 1 }],
            Encodings = [new RtpEncodingParameters { Ssrc = 1 }],
        };
        Assert.Throws<UnsupportedCodecException>(() => Ortc.GetProducerRtpParametersMapping(mono, RouterCaps));
    }

    [Fact]
    public void A_consumer_without_rtx_capabilities_gets_the_router_payload_type_and_no_rtx()
    {
        var parameters = ChromeH264();
        var mapping = Ortc.GetProducerRtpParametersMapping(parameters, RouterCaps);
        var consumable = Ortc.GetConsumableRtpParameters("video", parameters, RouterCaps, mapping);
        Assert.Equal(mapping.Encodings[0].MappedSsrc, consumable.Encodings[0].Ssrc);

        var noRtx = new RtpCapabilities { Codecs = [.. RouterCaps.Codecs.Where(c => !Ortc.IsRtx(c.MimeType))] };
        var consumer = Ortc.GetConsumerRtpParameters(consumable, noRtx);
        var codec = Assert.Single(consumer.Codecs);
        Assert.Equal(100, codec.PayloadType);
        Assert.Equal("42e01f", codec.Parameters["profile-level-id"]);
        Assert.Null(consumer.Encodings[0].Rtx);

        var withRtx = Ortc.GetConsumerRtpParameters(consumable, RouterCaps);
        Assert.Equal(2, withRtx.Codecs.Count);
        Assert.Equal(withRtx.Encodings[0].Ssrc + 1, withRtx.Encodings[0].Rtx!.Ssrc);
    }

    [Fact]
    public void A_receiver_that_named_its_own_payload_types_gets_them_for_the_media_the_rtx_and_its_apt()
    {
        var parameters = ChromeH264();
        var mapping = Ortc.GetProducerRtpParametersMapping(parameters, RouterCaps);
        var consumable = Ortc.GetConsumableRtpParameters("video", parameters, RouterCaps, mapping);
        var consumer = Ortc.GetConsumerRtpParameters(consumable, RouterCaps);
        var media = consumer.Codecs[0].PayloadType;
        var rtx = consumer.Codecs[1].PayloadType;

        var remote = Ortc.WithPayloadTypes(consumer, new Dictionary<int, int> { [media] = 102, [rtx] = 103 });

        Assert.Equal((102, 103), (remote.Codecs[0].PayloadType, remote.Codecs[1].PayloadType));
        Assert.Equal(102, CodecParameters.GetInteger(remote.Codecs[1].Parameters, "apt", -1));
        Assert.Equal(consumer.Encodings, remote.Encodings);
    }

    public static TheoryData<string, RtpParameters, string> InvalidProducers => new()
    {
        { "video", new RtpParameters(), "rtpParameters.codecs" },
        { "video", ChromeH264() with { Codecs = [ChromeH264().Codecs[0] with { MimeType = "H264" }] }, "rtpParameters.codecs[0].mimeType" },
        { "audio", ChromeH264(), "rtpParameters.codecs[0].mimeType" },
        { "video", ChromeH264() with { Codecs = [ChromeH264().Codecs[0] with { PayloadType = 200 }] }, "rtpParameters.codecs[0].payloadType" },
        { "video", ChromeH264() with { Codecs = [ChromeH264().Codecs[0] with { ClockRate = 0 }] }, "rtpParameters.codecs[0].clockRate" },
        { "video", ChromeH264() with { Codecs = [ChromeH264().Codecs[0], ChromeH264().Codecs[1] with { Parameters = CodecParameters.Empty }] }, "rtpParameters.codecs[1].parameters.apt" },
        { "video", ChromeH264() with { HeaderExtensions = [new RtpHeaderExtensionParameters { Uri = RtpHeaderExtensionUri.Mid, Id = 0 }] }, "rtpParameters.headerExtensions[0].id" },
        { "video", ChromeH264() with { Mid = null, Encodings = [new RtpEncodingParameters()] }, "rtpParameters.encodings" },
        { "video", ChromeH264() with { Encodings = [new RtpEncodingParameters { Ssrc = 5, Rtx = new RtxParameters { Ssrc = 5 } }] }, "rtpParameters.encodings[0].ssrc" },
    };

    [Theory]
    [MemberData(nameof(InvalidProducers))]
    public void Invalid_producer_parameters_are_rejected_naming_the_field(string kind, RtpParameters parameters, string field)
    {
        var error = Assert.Throws<InvalidFieldException>(() => RtpParametersValidator.ValidateProducer(kind, parameters));
        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void An_unknown_kind_is_rejected_naming_the_field()
    {
        var error = Assert.Throws<InvalidFieldException>(() => RtpParametersValidator.ValidateProducer("data", ChromeH264()));
        Assert.Equal("kind", error.Field);
    }

    [Theory]
    [InlineData("42e01f", H264Profile.ConstrainedBaseline)]
    [InlineData("42001f", H264Profile.Baseline)]
    [InlineData("4d001f", H264Profile.Main)]
    [InlineData("640032", H264Profile.High)]
    [InlineData("640c1f", H264Profile.ConstrainedHigh)]
    [InlineData("f4001f", H264Profile.PredictiveHigh444)]
    public void Profile_level_ids_name_their_profile(string profileLevelId, H264Profile expected)
    {
        Assert.True(H264ProfileLevelId.TryGetProfile(profileLevelId, out var profile));
        Assert.Equal(expected, profile);
    }

    [Theory]
    [InlineData("42e0")]
    [InlineData("zzzzzz")]
    [InlineData("ff001f")]
    public void Malformed_or_unknown_profile_level_ids_are_refused(string profileLevelId) =>
        Assert.False(H264ProfileLevelId.TryGetProfile(profileLevelId, out _));

    internal static RtpParameters ChromeH264() => new()
    {
        Mid = "1",
        Codecs =
        [
            new RtpCodecParameters
            {
                MimeType = "video/H264", PayloadType = 102, ClockRate = 90000,
                Parameters = CodecParameters.Of(("level-asymmetry-allowed", 1), ("packetization-mode", 1), ("profile-level-id", "42e01f")),
                RtcpFeedback = [new RtcpFeedback { Type = "nack" }, new RtcpFeedback { Type = "nack", Parameter = "pli" }],
            },
            new RtpCodecParameters { MimeType = "video/rtx", PayloadType = 103, ClockRate = 90000, Parameters = CodecParameters.Of(("apt", 102)) },
        ],
        HeaderExtensions = [new RtpHeaderExtensionParameters { Uri = RtpHeaderExtensionUri.Mid, Id = 4 }],
        Encodings = [new RtpEncodingParameters { Ssrc = 1234567890, Rtx = new RtxParameters { Ssrc = 987654321 } }],
        Rtcp = new RtcpParameters { Cname = "test" },
    };
}

using System.Security.Cryptography;

namespace Broadcast.Ingest.Routing;

/// <summary>
/// ORTC logic as mediasoup's node/src/ortc.ts does it (spec §1.2, §4.2, §6.2): router capabilities from the configured
/// codecs, codec matching, the producer's rtpMapping, consumable parameters and a consumer's parameters.
/// </summary>
public static class Ortc
{
    private static readonly int[] DynamicPayloadTypes =
        [.. Enumerable.Range(100, 28), 96, 97, 98, 99];

    /// <summary>Builds router capabilities: one entry per configured codec (with a PT from the pool) and an rtx entry after each video codec.</summary>
    public static RtpCapabilities GenerateRouterRtpCapabilities(IReadOnlyList<RtpCodecCapability> mediaCodecs)
    {
        var pool = new List<int>(DynamicPayloadTypes);
        foreach (var codec in mediaCodecs)
        {
            if (codec.PreferredPayloadType is { } pt)
            {
                pool.Remove(pt);
            }
        }

        var codecs = new List<RtpCodecCapability>();
        for (var i = 0; i < mediaCodecs.Count; i++)
        {
            var field = $"mediaCodecs[{i}]";
            var requested = mediaCodecs[i];
            var kind = MediaKinds.FromMimeType(requested.MimeType)
                ?? throw new InvalidFieldException($"{field}.mimeType", $"'{requested.MimeType}' is not an audio/ or video/ MIME type.");
            var supported = SupportedRtpCapabilities.Codecs.FirstOrDefault(s => MatchCodecs(s, requested, strict: false))
                ?? throw new UnsupportedCodecException($"{field}.mimeType", $"Codec {requested.MimeType}/{requested.ClockRate} is not supported.");

            int payloadType;
            if (requested.PreferredPayloadType is { } preferred)
            {
                payloadType = preferred;
            }
            else if (supported.PreferredPayloadType is { } staticPt)
            {
                payloadType = staticPt;
            }
            else
            {
                payloadType = pool.Count > 0 ? pool[0] : throw new InvalidFieldException(field, "No dynamic payload type is left.");
                pool.RemoveAt(0);
            }

            if (codecs.Any(c => c.PreferredPayloadType == payloadType))
            {
                throw new InvalidFieldException($"{field}.preferredPayloadType", $"Payload type {payloadType} is used twice.");
            }

            codecs.Add(supported with
            {
                Kind = kind,
                PreferredPayloadType = payloadType,
                ClockRate = requested.ClockRate,
                Channels = kind == MediaKinds.Audio ? requested.Channels ?? supported.Channels ?? 1 : null,
                Parameters = CodecParameters.Merge(supported.Parameters, requested.Parameters),
            });

            if (kind == MediaKinds.Video)
            {
                var rtxPt = pool.Count > 0 ? pool[0] : throw new InvalidFieldException(field, "No dynamic payload type is left for RTX.");
                pool.RemoveAt(0);
                codecs.Add(new RtpCodecCapability
                {
                    Kind = MediaKinds.Video,
                    MimeType = "video/rtx",
                    PreferredPayloadType = rtxPt,
                    ClockRate = requested.ClockRate,
                    Parameters = CodecParameters.Of(("apt", payloadType)),
                });
            }
        }

        return new RtpCapabilities { Codecs = codecs, HeaderExtensions = SupportedRtpCapabilities.HeaderExtensions };
    }

    public static bool IsRtx(string mimeType) => mimeType.EndsWith("/rtx", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Codec equality as mediasoup defines it: MIME type, clock rate and channels; strictly also H.264
    /// packetization-mode and profile, and VP9 profile-id. A supported entry with clock rate 0 accepts any rate.
    /// </summary>
    public static bool MatchCodecs(RtpCodecCapability a, RtpCodecCapability b, bool strict) =>
        MatchCodecs(a.MimeType, a.ClockRate, a.Channels, a.Parameters, b.MimeType, b.ClockRate, b.Channels, b.Parameters, strict);

    public static bool MatchCodecs(string mimeA, int clockA, int? channelsA, IReadOnlyDictionary<string, object> paramsA,
        string mimeB, int clockB, int? channelsB, IReadOnlyDictionary<string, object> paramsB, bool strict)
    {
        if (!string.Equals(mimeA, mimeB, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (clockA != clockB && clockA != 0 && clockB != 0)
        {
            return false;
        }

        if (mimeA.StartsWith("audio/", StringComparison.OrdinalIgnoreCase) && (channelsA ?? 1) != (channelsB ?? 1))
        {
            // Supported AAC entries accept any channel count; everything else must agree.
            if (clockA != 0 && clockB != 0)
            {
                return false;
            }
        }

        if (!strict)
        {
            return true;
        }

        switch (mimeA.ToLowerInvariant())
        {
            case "video/h264":
                if (CodecParameters.GetInteger(paramsA, "packetization-mode", 0) != CodecParameters.GetInteger(paramsB, "packetization-mode", 0))
                {
                    return false;
                }

                return H264ProfileLevelId.TryGetProfile(CodecParameters.GetString(paramsA, "profile-level-id"), out var profileA)
                    && H264ProfileLevelId.TryGetProfile(CodecParameters.GetString(paramsB, "profile-level-id"), out var profileB)
                    && profileA == profileB;
            case "video/vp9":
                return CodecParameters.GetInteger(paramsA, "profile-id", 0) == CodecParameters.GetInteger(paramsB, "profile-id", 0);
            default:
                return true;
        }
    }

    /// <summary>Maps every producer codec to the router's payload types and gives each encoding a router SSRC (spec §4.2).</summary>
    public static RtpMapping GetProducerRtpParametersMapping(RtpParameters parameters, RtpCapabilities caps)
    {
        var codecMappings = new List<RtpCodecMapping>();
        var mediaMatches = new Dictionary<int, RtpCodecCapability>();
        for (var i = 0; i < parameters.Codecs.Count; i++)
        {
            var codec = parameters.Codecs[i];
            if (IsRtx(codec.MimeType))
            {
                continue;
            }

            var match = caps.Codecs.FirstOrDefault(c => !IsRtx(c.MimeType) && MatchCodecs(c.MimeType, c.ClockRate, c.Channels,
                c.Parameters, codec.MimeType, codec.ClockRate, codec.Channels, codec.Parameters, strict: true))
                ?? throw new UnsupportedCodecException($"rtpParameters.codecs[{i}]",
                    $"Unsupported codec {Describe(codec)}: the router has {string.Join(", ", caps.Codecs.Where(c => !IsRtx(c.MimeType)).Select(c => c.MimeType).Distinct())}.");
            mediaMatches[codec.PayloadType] = match;
            codecMappings.Add(new RtpCodecMapping(codec.PayloadType, match.PreferredPayloadType!.Value));
        }

        for (var i = 0; i < parameters.Codecs.Count; i++)
        {
            var codec = parameters.Codecs[i];
            if (!IsRtx(codec.MimeType))
            {
                continue;
            }

            var apt = (int)CodecParameters.GetInteger(codec.Parameters, "apt", -1);
            if (!mediaMatches.TryGetValue(apt, out var media))
            {
                throw new InvalidFieldException($"rtpParameters.codecs[{i}].parameters.apt", $"RTX apt {apt} names no media codec.");
            }

            var routerRtx = caps.Codecs.FirstOrDefault(c => IsRtx(c.MimeType)
                && CodecParameters.GetInteger(c.Parameters, "apt", -1) == media.PreferredPayloadType);
            if (routerRtx is not null)
            {
                codecMappings.Add(new RtpCodecMapping(codec.PayloadType, routerRtx.PreferredPayloadType!.Value));
            }
        }

        var baseSsrc = RandomSsrc();
        var encodings = new List<RtpEncodingMapping>();
        for (var i = 0; i < parameters.Encodings.Count; i++)
        {
            var encoding = parameters.Encodings[i];
            encodings.Add(new RtpEncodingMapping { Ssrc = encoding.Ssrc, Rid = encoding.Rid, MappedSsrc = unchecked(baseSsrc + (uint)i) });
        }

        if (encodings.Count == 0)
        {
            encodings.Add(new RtpEncodingMapping { MappedSsrc = baseSsrc });
        }

        return new RtpMapping { Codecs = codecMappings, Encodings = encodings };
    }

    /// <summary>What consumers derive from: router PTs, the producer's codec parameters, router feedback and extension ids, mapped SSRCs.</summary>
    public static RtpParameters GetConsumableRtpParameters(string kind, RtpParameters parameters, RtpCapabilities caps, RtpMapping mapping)
    {
        var codecs = new List<RtpCodecParameters>();
        foreach (var codec in parameters.Codecs)
        {
            if (IsRtx(codec.MimeType))
            {
                continue;
            }

            var mappedPt = mapping.Codecs.First(m => m.PayloadType == codec.PayloadType).MappedPayloadType;
            var routerCodec = caps.Codecs.First(c => c.PreferredPayloadType == mappedPt);
            codecs.Add(new RtpCodecParameters
            {
                MimeType = routerCodec.MimeType,
                PayloadType = mappedPt,
                ClockRate = routerCodec.ClockRate == 0 ? codec.ClockRate : routerCodec.ClockRate,
                Channels = codec.Channels ?? routerCodec.Channels,
                Parameters = codec.Parameters,
                RtcpFeedback = routerCodec.RtcpFeedback,
            });

            var routerRtx = caps.Codecs.FirstOrDefault(c => IsRtx(c.MimeType) && CodecParameters.GetInteger(c.Parameters, "apt", -1) == mappedPt);
            if (routerRtx is not null)
            {
                codecs.Add(new RtpCodecParameters
                {
                    MimeType = routerRtx.MimeType,
                    PayloadType = routerRtx.PreferredPayloadType!.Value,
                    ClockRate = routerRtx.ClockRate,
                    Parameters = routerRtx.Parameters,
                });
            }
        }

        var extensions = caps.HeaderExtensions
            .Where(e => e.Kind == kind && e.Direction is "sendrecv" or "sendonly")
            .Select(e => new RtpHeaderExtensionParameters { Uri = e.Uri, Id = e.PreferredId, Encrypt = e.PreferredEncrypt })
            .ToList();

        return new RtpParameters
        {
            Codecs = codecs,
            HeaderExtensions = extensions,
            Encodings = [.. mapping.Encodings.Select(e => new RtpEncodingParameters { Ssrc = e.MappedSsrc })],
            Rtcp = new RtcpParameters { Cname = parameters.Rtcp.Cname, ReducedSize = true },
        };
    }

    /// <summary>True when <paramref name="caps"/> can receive at least one media codec of the consumable parameters.</summary>
    public static bool CanConsume(RtpParameters consumable, RtpCapabilities caps) =>
        consumable.Codecs.Any(c => !IsRtx(c.MimeType) && caps.Codecs.Any(cap => MatchesConsumable(cap, c)));

    /// <summary>The consumer's parameters: the first consumable media codec the caps accept (PT kept), RTX only if asked for, a new SSRC.</summary>
    public static RtpParameters GetConsumerRtpParameters(RtpParameters consumable, RtpCapabilities caps)
    {
        var media = consumable.Codecs.FirstOrDefault(c => !IsRtx(c.MimeType) && caps.Codecs.Any(cap => MatchesConsumable(cap, c)))
            ?? throw new UnsupportedCodecException("rtpCapabilities.codecs", "The given rtpCapabilities cannot receive this producer's codec.");
        var capCodec = caps.Codecs.First(cap => MatchesConsumable(cap, media));
        var codecs = new List<RtpCodecParameters>
        {
            media with { RtcpFeedback = [.. media.RtcpFeedback.Where(f => capCodec.RtcpFeedback.Any(cf => cf.Type == f.Type && cf.Parameter == f.Parameter))] },
        };

        var rtx = consumable.Codecs.FirstOrDefault(c => IsRtx(c.MimeType) && CodecParameters.GetInteger(c.Parameters, "apt", -1) == media.PayloadType);
        var wantsRtx = rtx is not null && caps.Codecs.Any(cap => IsRtx(cap.MimeType) && cap.PreferredPayloadType == rtx.PayloadType);
        if (wantsRtx)
        {
            codecs.Add(rtx!);
        }

        var extensions = consumable.HeaderExtensions
            .Where(e => caps.HeaderExtensions.Any(ce => ce.Uri == e.Uri && ce.PreferredId == e.Id))
            .ToList();
        var ssrc = RandomSsrc();
        return new RtpParameters
        {
            Codecs = codecs,
            HeaderExtensions = extensions,
            Encodings = [new RtpEncodingParameters { Ssrc = ssrc, Rtx = wantsRtx ? new RtxParameters { Ssrc = unchecked(ssrc + 1) } : null }],
            Rtcp = new RtcpParameters { Cname = consumable.Rtcp.Cname, ReducedSize = true },
        };
    }

    /// <summary>
    /// The consumer's parameters with the receiver's payload types in place of the router's (media, RTX and its apt),
    /// for a receiver whose SDP offer named them (WHEP). Codecs without an entry keep the router's number.
    /// </summary>
    public static RtpParameters WithPayloadTypes(RtpParameters consumer, IReadOnlyDictionary<int, int> remote)
    {
        int Map(int payloadType) => remote.TryGetValue(payloadType, out var mapped) ? mapped : payloadType;
        var codecs = consumer.Codecs.Select(codec =>
        {
            var parameters = codec.Parameters;
            if (IsRtx(codec.MimeType) && CodecParameters.GetInteger(parameters, "apt", -1) is var apt and >= 0)
            {
                parameters = CodecParameters.With(parameters, "apt", Map((int)apt));
            }

            return codec with { PayloadType = Map(codec.PayloadType), Parameters = parameters };
        }).ToList();
        return consumer with { Codecs = codecs };
    }

    private static bool MatchesConsumable(RtpCodecCapability cap, RtpCodecParameters codec) =>
        cap.PreferredPayloadType == codec.PayloadType
        && MatchCodecs(cap.MimeType, cap.ClockRate, cap.Channels, cap.Parameters, codec.MimeType, codec.ClockRate, codec.Channels,
            codec.Parameters, strict: false);

    public static uint RandomSsrc() => (uint)RandomNumberGenerator.GetInt32(100_000_000, 900_000_000);

    private static string Describe(RtpCodecParameters codec)
    {
        var text = $"{codec.MimeType}/{codec.ClockRate}" + (codec.Channels is > 1 ? $"/{codec.Channels}" : "");
        var profile = CodecParameters.GetString(codec.Parameters, "profile-level-id");
        var mode = CodecParameters.GetString(codec.Parameters, "packetization-mode");
        return codec.MimeType.Equals("video/H264", StringComparison.OrdinalIgnoreCase)
            ? $"{text} (packetization-mode {mode ?? "0"}, profile-level-id {profile ?? H264ProfileLevelId.Default})"
            : text;
    }
}

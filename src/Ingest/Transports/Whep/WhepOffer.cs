using System.Globalization;
using Broadcast.Ingest.Protocols.Sdp;
using Broadcast.Ingest.Routing;

namespace Broadcast.Ingest.Transports.Whep;

/// <summary>One m-section of a WHEP offer, with what the viewer can receive in the router's terms.</summary>
/// <param name="Index">Position in the offer (the answer keeps the order).</param>
/// <param name="Kind">"audio", "video" or another media name.</param>
/// <param name="Mid">The section's a=mid, which the consumer sends with.</param>
/// <param name="Capabilities">
/// What the viewer accepts, in the router's payload types (as mediasoup-client's device.rtpCapabilities are), with the
/// offer's extension ids (so only extensions whose ids agree with the router's are used); null when rejected.
/// </param>
/// <param name="PayloadTypes">Router payload type → the offer's, which the answer and the packets keep.</param>
/// <param name="Rejection">Why the section is not served (port 0 in the answer).</param>
/// <param name="OfferedPayloadTypes">The section's formats, for a rejected section's m= line.</param>
public sealed record WhepMediaSection(int Index, string Kind, string Mid, RtpCapabilities? Capabilities,
    IReadOnlyDictionary<int, int> PayloadTypes, string? Rejection, IReadOnlyList<int> OfferedPayloadTypes)
{
    /// <summary>The offer allows reduced-size RTCP (a=rtcp-rsize): only then may the answer say so (RFC 5506 §5).</summary>
    public bool ReducedSizeRtcp { get; init; }

    /// <summary>The section cannot be served after all (the channel's producer of its kind is missing or not receivable).</summary>
    public WhepMediaSection Reject(string why) => this with { Capabilities = null, Rejection = why };
}

/// <summary>
/// Reads a WHEP offer (draft-ietf-wish-whep): a viewer's recvonly (or sendrecv) offer with ICE credentials and a DTLS
/// fingerprint, at most one audio and one video section. Each section's codecs are matched to the router's the way
/// a WHIP offer's are; the result is what <see cref="Transport.ConsumeAsync(ConsumeOptions)"/> needs. A session is
/// one transport: served sections must be in the offer's BUNDLE group (an offer of several without one is refused)
/// and multiplex RTCP (a=rtcp-mux).
/// </summary>
public sealed class WhepOffer
{
    private WhepOffer(string iceUfrag, string icePassword, DtlsParameters dtls, IReadOnlyList<string> bundleMids,
        IReadOnlyList<WhepMediaSection> sections)
    {
        IceUsernameFragment = iceUfrag;
        IcePassword = icePassword;
        Dtls = dtls;
        BundleMids = bundleMids;
        Sections = sections;
    }

    public string IceUsernameFragment { get; }
    public string IcePassword { get; }
    public DtlsParameters Dtls { get; }

    /// <summary>The mids of the offer's BUNDLE group; empty when it has none (then the answer has none either).</summary>
    public IReadOnlyList<string> BundleMids { get; }

    public IReadOnlyList<WhepMediaSection> Sections { get; }

    /// <summary>Parses the offer against the router's capabilities; API misuse (bad SDP) throws <see cref="InvalidFieldException"/>.</summary>
    public static WhepOffer Parse(string sdp, RtpCapabilities routerCapabilities)
    {
        if (!SessionDescription.TryParse(sdp, out var session) || session.Media.Count == 0)
        {
            throw new InvalidFieldException("sdp", "The body is not an SDP offer with at least one m= section.");
        }

        var (ufrag, password, dtls) = OfferReader.ReadIceAndDtls(session);
        var bundle = OfferReader.BundleMids(session);
        var sections = new List<WhepMediaSection>();
        for (var i = 0; i < session.Media.Count; i++)
        {
            var section = ReadSection(i, session.Media[i], routerCapabilities);
            if (section.Capabilities is not null && sections.Exists(s => s.Capabilities is not null && s.Kind == section.Kind))
            {
                section = section.Reject($"a WHEP session carries one {section.Kind} track.");
            }
            else if (section.Capabilities is not null && bundle.Count > 0 && !bundle.Contains(section.Mid))
            {
                section = section.Reject("the section is not in the offer's BUNDLE group, and a WHEP session is one transport.");
            }
            else if (section.Capabilities is not null && session.Media[i].Attribute("rtcp-mux") is null)
            {
                // Our transports multiplex RTCP only; without a=rtcp-mux the answer may not have it (RFC 8035).
                section = section.Reject("RTCP must share the media's port (a=rtcp-mux).");
            }

            sections.Add(section);
        }

        if (bundle.Count == 0 && sections.Count(s => s.Capabilities is not null) > 1)
        {
            throw new InvalidFieldException("sdp", "The offer has no a=group:BUNDLE: a WHEP session sends every track over one transport (BUNDLE, max-bundle).");
        }

        return new WhepOffer(ufrag, password, dtls, bundle, sections);
    }

    private static WhepMediaSection ReadSection(int index, MediaDescription media, RtpCapabilities router)
    {
        var mid = media.Attribute("mid") ?? index.ToString(CultureInfo.InvariantCulture);
        var offered = media.Formats.ToList();
        var none = new Dictionary<int, int>();
        WhepMediaSection Reject(string why) => new(index, media.Media, mid, null, none, why, offered);

        if (!MediaKinds.IsValid(media.Media))
        {
            return Reject($"{media.Media} sections are not served.");
        }

        if (media.Attribute("sendonly") is not null || media.Attribute("inactive") is not null || OfferReader.IsDisabled(media))
        {
            return Reject("a WHEP viewer receives: the section must be recvonly (or sendrecv).");
        }

        var codecs = media.Formats.Select(pt => OfferReader.ToCodec(media, pt)).OfType<RtpCodecParameters>().ToList();
        var capabilities = new List<RtpCodecCapability>();
        var payloadTypes = new Dictionary<int, int>();
        foreach (var codec in codecs.Where(c => !Ortc.IsRtx(c.MimeType)))
        {
            var routerCodec = router.Codecs.FirstOrDefault(r => !Ortc.IsRtx(r.MimeType) && r.Kind == media.Media
                && Ortc.MatchCodecs(r.MimeType, r.ClockRate, r.Channels, r.Parameters, codec.MimeType, codec.ClockRate, codec.Channels, codec.Parameters, strict: true));
            if (routerCodec?.PreferredPayloadType is not { } routerPayloadType || payloadTypes.ContainsKey(routerPayloadType))
            {
                continue; // the router has no such codec, or an earlier offered format already stands for it
            }

            payloadTypes[routerPayloadType] = codec.PayloadType;
            capabilities.Add(new RtpCodecCapability
            {
                Kind = media.Media,
                MimeType = routerCodec.MimeType,
                PreferredPayloadType = routerPayloadType,
                ClockRate = routerCodec.ClockRate,
                Channels = routerCodec.Channels,
                Parameters = codec.Parameters,
                RtcpFeedback = codec.RtcpFeedback,
            });

            var offeredRtx = codecs.FirstOrDefault(c => Ortc.IsRtx(c.MimeType) && CodecParameters.GetInteger(c.Parameters, "apt", -1) == codec.PayloadType);
            var routerRtx = router.Codecs.FirstOrDefault(r => Ortc.IsRtx(r.MimeType) && CodecParameters.GetInteger(r.Parameters, "apt", -1) == routerPayloadType);
            if (offeredRtx is not null && routerRtx?.PreferredPayloadType is { } routerRtxPayloadType)
            {
                payloadTypes[routerRtxPayloadType] = offeredRtx.PayloadType;
                capabilities.Add(routerRtx with { Kind = media.Media });
            }
        }

        if (capabilities.Count == 0)
        {
            return Reject($"no offered {media.Media} codec is one the channel routes ({string.Join(", ", router.Codecs.Where(c => c.Kind == media.Media && !Ortc.IsRtx(c.MimeType)).Select(c => c.MimeType).Distinct())}).");
        }

        var uris = router.HeaderExtensions.Where(e => e.Kind == media.Media).Select(e => e.Uri).ToHashSet(StringComparer.Ordinal);
        var extensions = OfferReader.ReadExtensions(media, uris)
            .Select(e => new RtpHeaderExtensionCapability { Kind = media.Media, Uri = e.Uri, PreferredId = e.Id })
            .ToList();
        return new WhepMediaSection(index, media.Media, mid, new RtpCapabilities { Codecs = capabilities, HeaderExtensions = extensions },
            payloadTypes, null, offered)
        {
            ReducedSizeRtcp = media.Attribute("rtcp-rsize") is not null,
        };
    }
}
